/**
 * Control characters in text meant for a terminal: C0 (except TAB and
 * newline, which text output uses for layout), DEL, C1, and the Unicode
 * line/paragraph separators and bidirectional overrides that can reorder or
 * hide what an operator reads. Values come from manifests and from the host,
 * so a value could otherwise repaint the terminal (ESC sequences) or hide a
 * line of a plan (CR).
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `s` with each control character shown as an escape (`\x1b`, `\u202e`); everything else unchanged. */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
