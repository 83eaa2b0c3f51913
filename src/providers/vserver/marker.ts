/** The ownership marker vsgitops leaves in each config dir it manages (read by observe.ts). */
export { MARKER_FILE } from './observe.js';

export function markerContent(hostName: string): string {
  return JSON.stringify({ managedBy: 'vsgitops', host: hostName }) + '\n';
}
