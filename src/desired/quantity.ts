const UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/**
 * Bytes from an integer or a string like `512Mi` (binary units only: the
 * schema rejects decimal units so that "M" never means two things).
 */
export function parseQuantity(value: number | string): number | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return { error: `must be a non-negative integer number of bytes (got ${value})` };
    return value;
  }
  const m = /^([0-9]+)(Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!m) return { error: `'${value}' is not a size; use bytes or Ki, Mi, Gi, Ti` };
  const bytes = Number(m[1]) * UNITS[m[2] ?? '']!;
  if (!Number.isSafeInteger(bytes)) return { error: `'${value}' is too large` };
  return bytes;
}
