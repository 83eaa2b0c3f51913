/** `vsgitops drift`: one-shot, read-only classification of how the host differs from git. */
import { Option } from 'commander';
import { VsError } from '../errors.js';
import { createLogger } from '../log.js';
import type { DriftMode } from '../model/guest.js';
import { classifyDrift, expiredIgnoreWarnings, readIgnoreList, readStatus, type IgnoreEntry } from '../observability/index.js';
import { execaRunner } from '../providers/command-runner.js';
import { computePlan } from '../reconciler/pipeline.js';
import { driftExitCode, renderDrift } from './drift-render.js';
import { addHostOptions, addSourceOptions, hostFromOptions, sourceFromOptions, type HostOptions, type SourceOptions } from './options.js';
import type { RegisterCommand } from './registry.js';
import { hasNoManifests } from '../reconciler/blocked.js';

interface DriftOpts extends SourceOptions, HostOptions {
  output: 'text' | 'json';
}

export const registerDrift: RegisterCommand = (program, setExit) => {
  addHostOptions(addSourceOptions(program.command('drift').description('show how the host differs from git, changing nothing (exit 0 none, 4 drift, 5 blocked, 1 error)')))
    .addOption(new Option('--output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(async (dir: string | undefined, o: DriftOpts) => {
      const log = createLogger();
      const host = hostFromOptions(o);
      const computed = await computePlan({ source: sourceFromOptions(dir, o), host, runner: execaRunner(), log });
      const ds = computed.desiredState;
      if (ds.problems.length > 0) {
        throw new VsError('MANIFEST_INVALID', `revision ${ds.revision ?? '(directory)'} has invalid manifests; drift cannot be judged against it`, { problems: ds.problems });
      }
      const ignoreList = readIgnoreList(ds.ignoreFile);
      if (ignoreList.problems.length > 0) {
        throw new VsError('MANIFEST_INVALID', `the drift ignore list ${ds.ignoreFile!.path} is invalid; drift cannot be judged`, { problems: ignoreList.problems });
      }
      const ignore: IgnoreEntry[] = ignoreList.entries;
      const now = new Date().toISOString();
      for (const w of expiredIgnoreWarnings(ignore, now)) log.warn(w);
      const modes: Record<string, DriftMode> = {};
      for (const [name, e] of Object.entries(computed.inventory.guests)) modes[name] = e.driftMode;
      for (const d of computed.desired) modes[d.spec.name] = d.policy.drift;
      const status = await readStatus(host.paths.stateDir).catch(() => undefined);
      const pendingRevision = status ? status.lastAppliedRevision !== ds.revision : computed.plan.actions.some((a) => a.changes.some((c) => c.cause === 'pending'));
      const items = classifyDrift({ plan: computed.plan, pendingRevision, ignore, now, modes, noManifests: hasNoManifests(ds) });
      process.stdout.write(o.output === 'json' ? JSON.stringify({ revision: ds.revision, hostName: host.name, drift: items }, null, 2) + '\n' : renderDrift(items));
      setExit(driftExitCode(items));
    });
};


