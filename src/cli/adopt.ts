/**
 * `vsgitops adopt NAME… | --all`: write the ownership marker and the inventory
 * entry for existing guests whose manifest is in git. Runs no command on any
 * guest; refuses (exit 2, plan shown) when owning them would change them,
 * unless --allow-changes (then the next apply or agent pass makes the changes).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { VsError } from '../errors.js';
import { acquireLock, APPLY_LOCK_FILE, processLockEnv } from '../agent/lock.js';
import { loadDesiredState } from '../desired/load.js';
import { selectForHost } from '../desired/host-select.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { planAdoption } from '../import/adopt.js';
import { createLogger } from '../log.js';
import { execaRunner } from '../providers/command-runner.js';
import { markerContent, MARKER_FILE } from '../providers/vserver/marker.js';
import { observeHost } from '../providers/vserver/observe.js';
import { readInventory, writeInventory } from '../reconciler/inventory.js';
import { renderPlanText } from '../reconciler/render.js';
import { EXIT } from './exit.js';
import { addHostOptions, hostFromOptions, sourceFromOptions, type HostOptions, type SourceOptions } from './options.js';
import type { RegisterCommand } from './registry.js';

interface AdoptOpts extends SourceOptions, HostOptions {
  all?: boolean;
  allowChanges?: boolean;
  manifests?: string;
}

export const registerAdopt: RegisterCommand = (program: Command, setExit) => {
  addHostOptions(
    program
      .command('adopt')
      .description('take ownership of existing guests whose manifest is in git (marker + inventory; no command is run on them)')
      .argument('[names...]', 'guests to adopt (or --all)'),
  )
    .option('--repo <path-or-url>', 'git repository holding the manifests (read from the commit, not the working copy)')
    .option('--ref <ref>', 'branch, tag or commit to read (default: HEAD)')
    .option('--path <subdir>', 'folder inside the repository that holds the manifests')
    .option('--manifests <dir>', 'a directory of manifests instead of --repo')
    .option('--all', 'adopt every unmanaged guest that git places on this host')
    .option('--allow-changes', 'adopt even when the manifest would change the guest (the next apply makes the changes)')
    .action(async (names: string[], o: AdoptOpts) => {
      if (!!o.all === names.length > 0) throw new VsError('USAGE', 'name the guests to adopt, or give --all (not both)');
      const source = sourceFromOptions(o.manifests, o);
      const target = hostFromOptions(o);
      const log = createLogger();
      const desiredState = await loadDesiredState(source);
      if (desiredState.problems.length > 0) {
        throw new VsError('MANIFEST_INVALID', `revision ${desiredState.revision ?? '(directory)'} has invalid manifests; nothing was adopted`, { problems: desiredState.problems });
      }
      const lock = await acquireLock(target.paths.stateDir, processLockEnv(), log, APPLY_LOCK_FILE);
      try {
        const [observed, inventory] = await Promise.all([
          observeHost(target.paths, { hostName: target.name, runner: execaRunner({ timeoutMs: 10_000 }) }),
          readInventory(target.paths.stateDir),
        ]);
        const desired = selectForHost(desiredState.guests, { name: target.name, labels: target.labels });
        const a = planAdoption({ revision: desiredState.revision, hostName: target.name, desired, observed, inventory, names: o.all ? 'all' : names });
        if (a.plan.actions.length > 0 || a.plan.blocked.length > 0) {
          process.stdout.write(renderPlanText(a.plan));
          if (!o.allowChanges) {
            process.stdout.write(`not adopted: git would change ${[...new Set([...a.plan.actions.map((x) => x.guest), ...a.plan.blocked.map((x) => x.guest)])].join(', ')} (shown above); fix the manifests, or give --allow-changes\n`);
            setExit(EXIT.CHANGES);
            return;
          }
        }
        for (const n of a.guests) await writeFileAtomic(path.join(target.paths.etcVservers, n, MARKER_FILE), markerContent(target.name));
        await writeInventory(target.paths.stateDir, a.inventory);
        if (a.already.length > 0) process.stdout.write(`already managed: ${a.already.join(', ')}\n`);
        process.stdout.write(a.guests.length > 0 ? `adopted ${a.guests.length} guest(s): ${a.guests.join(', ')}${a.plan.actions.length > 0 ? ' (changes pending: run apply)' : '; no change pending'}\n` : 'nothing to adopt\n');
      } finally {
        await lock.release();
      }
    });
};
