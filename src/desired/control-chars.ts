import type { Problem } from '../errors.js';
import { problemAt, type ManifestDocument } from './yaml-documents.js';

/** C0 (TAB included: no manifest field is a format that allows one), DEL and C1. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** spec.files values are file content (issue 10): TAB, LF and CR allowed, every other control character refused. */
const FILE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const isFileContent = (segs: (string | number)[]) =>
  (segs.length === 3 && segs[0] === 'spec' && segs[1] === 'files') ||
  // ---- issue 10 (initx): spec.scripts hooks are file content too (a string, or {content}) ----
  (segs[0] === 'spec' && segs[1] === 'scripts' && (segs.length === 3 || (segs.length === 4 && segs[3] === 'content')));
/** issue 10 (initx): a sysctl value may hold TABs (`net.ipv4.tcp_rmem` is "4096\t87380\t6291456"), nothing else. */
const TAB_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const isTabValue = (segs: (string | number)[]) => segs.length === 4 && segs[0] === 'spec' && segs[1] === 'sysctl' && segs[3] === 'value';

function describe(s: string, re: RegExp = CONTROL): string {
  const i = s.search(re);
  return `U+${s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')} at character ${i + 1}`;
}

/**
 * Every string value (and map key) of a manifest with a control character in
 * it, as a problem at its file:line:field. Values end up in util-vserver
 * files (fstab, uts, interfaces, build arguments) and in the operator's
 * terminal; none of them may carry ESC, NUL, CR, DEL or C1 characters.
 */
export function controlCharProblems(d: ManifestDocument): Problem[] {
  const out: Problem[] = [];
  const walk = (v: unknown, segs: (string | number)[]) => {
    if (typeof v === 'string') {
      if (isFileContent(segs)) {
        if (FILE_CONTROL.test(v)) out.push(problemAt(d, segs, `contains a control character (${describe(v, FILE_CONTROL)}); file content in spec.files may hold TAB, LF and CR only`));
      } else if (isTabValue(segs)) {
        if (TAB_CONTROL.test(v)) out.push(problemAt(d, segs, `contains a control character (${describe(v, TAB_CONTROL)}); a sysctl value may hold TAB only`));
      } else if (CONTROL.test(v)) out.push(problemAt(d, segs, `contains a control character (${describe(v)}); control characters are not allowed in manifest values`));
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...segs, i]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (CONTROL.test(k)) out.push(problemAt(d, [...segs, k], `key contains a control character (${describe(k)}); control characters are not allowed in manifests`, true));
        walk(x, [...segs, k]);
      }
    }
  };
  walk(d.value, []);
  return out;
}
