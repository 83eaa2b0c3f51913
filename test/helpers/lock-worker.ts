/**
 * A separate process that competes for the apply lock (test/agent/lock-race.test.ts).
 * argv: stateDir rounds crashAtEnd(0|1)
 * Each round: take the lock (retrying while it is held), create `holder` with
 * O_EXCL as proof of sole ownership (EEXIST = two holders: recorded in
 * `violations`), hold it a moment, remove it, release. With crashAtEnd=1 the
 * last round exits while holding the lock (as a kill -9 would), so the next
 * process must take over a stale lock left by a dead PID.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { acquireLock, APPLY_LOCK_FILE, processLockEnv } from '../../src/agent/lock.js';
import { isVsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

const [dir, roundsArg, crashArg] = process.argv.slice(2);
const rounds = Number(roundsArg);
const crashAtEnd = crashArg === '1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const holder = path.join(dir!, 'holder');

for (let done = 0; done < rounds; ) {
  let lock;
  try {
    lock = await acquireLock(dir!, processLockEnv(), silentLogger(), APPLY_LOCK_FILE);
  } catch (err) {
    if (!isVsError(err, 'LOCKED')) throw err;
    await sleep(Math.random() * 4);
    continue;
  }
  try {
    await (await fs.open(holder, 'wx')).close();
  } catch {
    await fs.appendFile(path.join(dir!, 'violations'), `pid ${process.pid} round ${done}\n`);
    done++;
    await lock.release();
    continue;
  }
  await sleep(Math.random() * 3);
  await fs.rm(holder);
  done++;
  if (done === rounds && crashAtEnd) process.exit(3); // dies holding the lock
  await lock.release();
}
process.exit(0);
