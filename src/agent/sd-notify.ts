/**
 * systemd's notification protocol (sd_notify(3)) for `Type=notify` units: READY=1 after the first
 * pass, WATCHDOG=1 from the agent's event loop, STOPPING=1 on the way out.
 *
 * The protocol is a datagram on the unix socket named by NOTIFY_SOCKET; Node has no unix datagram
 * sockets, and the npm packages that add them are native addons (unmaintained or needing a
 * compiler on the host). So the message goes through systemd's own `systemd-notify` tool, run
 * with an argv array (never a shell). `--pid` names the agent as the sender; the unit sets
 * NotifyAccess=all because the datagram comes from the child process.
 * Without NOTIFY_SOCKET (not under systemd) every call does nothing.
 */
import { execa } from 'execa';
import type { Logger } from '../log.js';

export interface Notifier {
  /** true when running under a Type=notify unit */
  readonly enabled: boolean;
  /** how often to send WATCHDOG=1 (half of WatchdogSec), or null when the unit has no watchdog */
  readonly watchdogIntervalMs: number | null;
  ready(status?: string): Promise<void>;
  watchdog(): Promise<void>;
  stopping(): Promise<void>;
}

export type NotifyRunner = (argv: string[]) => Promise<void>;

const defaultRunner: NotifyRunner = async (argv) => {
  await execa(argv[0]!, argv.slice(1), { timeout: 5000, stdin: 'ignore' });
};

export function systemdNotifier(env: NodeJS.ProcessEnv, log: Logger, run: NotifyRunner = defaultRunner, pid: number = process.pid): Notifier {
  const enabled = Boolean(env.NOTIFY_SOCKET);
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID, when set, names the process the watchdog is for
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
  const watchdogIntervalMs = enabled && forUs && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : null;
  const send = async (...vars: string[]) => {
    if (!enabled) return;
    try {
      await run(['systemd-notify', `--pid=${pid}`, ...vars]);
    } catch (err) {
      log.warn('systemd-notify failed', { vars, error: (err as Error).message });
    }
  };
  return {
    enabled,
    watchdogIntervalMs,
    ready: (status) => send('READY=1', ...(status ? [`STATUS=${status.replace(/\n/g, ' ')}`] : [])),
    watchdog: () => send('WATCHDOG=1'),
    stopping: () => send('STOPPING=1'),
  };
}
