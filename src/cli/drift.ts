/** `vsgitops drift`: one-shot, read-only classification of how the host differs from git. */
import type { Command } from 'commander';
import { VsError } from '../errors.js';
import { createLogger } from '../log.js';
import type { DriftMode } from '../model/guest.js';
import { classifyDrift, expiredIgnoreWarnings, readIgnoreList, readStatus, type IgnoreEntry } from '../observability/index.js';
import { execaRunner } from '../providers/command-runner.js';
import { stringifyExact } from '../text/json.js';
import { computePlan } from '../pipeline/pipeline.js';
import { driftExitCode, renderDrift } from './drift-render.js';
import { addHostOptions, addSourceOptions, hostFromOptions, sourceFromOptions, type HostOptions, type SourceOptions } from './options.js';
import type { RegisterCommand } from './registry.js';
import { applyConfigFile, logLevelOf, type ConfigurableOptions } from './config-defaults.js';
import { EXIT } from './exit.js';
import { OUTPUT_FORMAT_VERSION } from './json-output.js';
import { addHelpFooter, configOption, outputOption } from './help.js';
import { hasNoManifests } from '../reconciler/blocked.js';

interface DriftOpts extends SourceOptions, HostOptions, ConfigurableOptions {
  host: string;
  output: 'text' | 'json';
}

export const registerDrift: RegisterCommand = (program, setExit) => {
  const cmd = addHostOptions(addSourceOptions(program.command('drift').description('show how the host differs from git, changing nothing (exit 0 none, 4 drift, 5 blocked, 1 error)')))
    .addOption(configOption())
    .addOption(outputOption());
  addHelpFooter(
    cmd,
    ['vsgitops drift -c /etc/vsgitops/agent.yaml', 'vsgitops drift --repo /srv/gitops --path hosts --host local --output json'],
    [
      [EXIT.OK, 'no drift (or only ignored drift)'],
      [EXIT.ERROR, 'error: invalid revision, unreadable source or host'],
      [EXIT.DRIFT, 'drift found'],
      [EXIT.BLOCKED, 'blocked: guests blocked, deletion breaker tripped, or no manifests'],
    ],
  ).action(async (dir: string | undefined, o: DriftOpts, c: Command) => {
      await applyConfigFile(c, o, dir);
      const log = createLogger({ level: logLevelOf(o) });
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
      process.stdout.write(o.output === 'json' ? stringifyExact({ formatVersion: OUTPUT_FORMAT_VERSION, revision: ds.revision, hostName: host.name, drift: items }) + '\n' : renderDrift(items));
      setExit(driftExitCode(items));
    });
};


