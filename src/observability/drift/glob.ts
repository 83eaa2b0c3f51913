/**
 * Minimal glob for guest names and field paths: `*` matches any run of
 * characters, `?` one character; everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

export function globMatch(glob: string, text: string): boolean {
  return globToRegExp(glob).test(text);
}

/**
 * A field pattern covers a field path when it matches it as a glob or names
 * one of its parents ("limits" covers "limits.nproc.hard").
 */
export function fieldCovered(pattern: string, field: string): boolean {
  if (globMatch(pattern, field)) return true;
  return field.startsWith(pattern + '.') && !/[*?]/.test(pattern);
}
