/**
 * Manifests that are valid but very likely not what was meant: reported by
 * `validate` (exit code unchanged), never acted on. Pure.
 */
import type { Problem } from '../errors.js';
import type { DesiredGuest } from '../model/guest.js';

export function manifestWarnings(guests: DesiredGuest[]): Problem[] {
  const out: Problem[] = [];
  for (const g of guests) {
    if (g.spec.startOnBoot && g.spec.runState === 'stopped') {
      out.push({
        file: g.origin.file,
        line: g.origin.line,
        column: 1,
        path: 'spec.startOnBoot',
        message:
          `guest ${g.spec.name} is desired stopped but marked to start on boot: after a reboot util-vserver's boot service ` +
          '(vservers-default, apps/init/mark "default") starts it and vsgitops then stops it again; set startOnBoot: false or state: running',
      });
    }
  }
  return out;
}
