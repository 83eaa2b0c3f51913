import path from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../fs/atomic.js';
import { emptyAlertState, type AlertState } from './types.js';

export const ALERT_STATE_FILE = 'alerts.json';

/**
 * Loads the active-drift state so a restarted agent does not alert again.
 * A missing file is a fresh start; an unreadable one is replaced (one round of
 * repeated alerts beats an agent that cannot start), with a warning.
 */
export async function loadAlertState(stateDir: string): Promise<{ state: AlertState; warning?: string }> {
  const file = path.join(stateDir, ALERT_STATE_FILE);
  try {
    const data = (await readJsonFile(file)) as AlertState | undefined;
    if (data === undefined) return { state: emptyAlertState() };
    if (data === null || typeof data !== 'object' || data.version !== 1 || typeof data.active !== 'object' || data.active === null) {
      return { state: emptyAlertState(), warning: `${file}: unknown alert state format; starting afresh` };
    }
    return { state: data };
  } catch (err) {
    return { state: emptyAlertState(), warning: `${file}: unreadable alert state (${(err as Error).message}); starting afresh` };
  }
}

export async function saveAlertState(stateDir: string, state: AlertState): Promise<void> {
  await writeFileAtomic(path.join(stateDir, ALERT_STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}
