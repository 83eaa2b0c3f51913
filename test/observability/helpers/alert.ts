import type { Alert } from '../../../src/observability/alerts/types.js';

export function sampleAlert(extra: Partial<Alert> = {}): Alert {
  return {
    id: '0123456789abcdef',
    type: 'appeared',
    key: 'config/web',
    kind: 'config',
    guest: 'web',
    host: 'host1',
    revision: 'abc123',
    fingerprint: 'f'.repeat(64),
    fields: ['limits.nproc.hard'],
    message: 'config drift on web: limits.nproc.hard 100 -> 200',
    mode: 'enforce',
    since: '2026-11-26T10:00:00Z',
    at: '2026-11-26T10:00:00Z',
    ...extra,
  };
}
