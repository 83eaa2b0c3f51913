/** The one-guest manifest that many tests start from ("web", context 1001 on host-a), with extra spec lines appended. */
export function webManifest(extra = '', opts: { init?: boolean } = {}): string {
  return `apiVersion: vsgitops.io/v1
kind: VServer
metadata: {name: web}
spec:
  context: 1001
  hosts: {names: [host-a]}
  build: {method: skeleton}
${opts.init === false ? '' : '  init: {style: plain}\n'}${extra}`;
}
