// `fleetboot run PLAYBOOK`: ansible-playbook's job.

import type { CommandModule } from 'yargs';
import { EventDispatcher } from '../core/dispatcher.js';
import { ExitCode, FleetbootError, OptionsError } from '../core/errors.js';
import { Interrupt } from '../engine/interrupt.js';
import { planRun } from '../engine/plan.js';
import { runPlan } from '../engine/run.js';
import { createRunDir, loadRunJournal, newRunId, runsRoot } from '../engine/run-dir.js';
import { hostsToRetry } from '../engine/journal.js';
import { ModuleRegistry } from '../modules/registry.js';
import { BmcPool } from '../redfish/bmc-pool.js';
import { createOutput, chooseOutputMode, useColor } from '../output/index.js';
import { formatHostList, formatTaskList } from '../output/listing.js';
import { ArtifactService } from '../engine/artifacts.js';
import { ClusterService } from '../engine/cluster-service.js';
import { inventorySources, positiveInt } from './options.js';
import { serveConfig, type ServeArgs } from './serve-options.js';
import { loadWorld } from './wiring.js';

export interface RunArgs extends ServeArgs {
  playbook: string;
  inventory?: string[];
  limit?: string;
  forks: number;
  'list-hosts': boolean;
  'list-tasks': boolean;
  check: boolean;
  'start-at-task'?: string;
  'extra-vars'?: string[];
  'retry-failed'?: string | boolean;
  json: boolean;
  verbose: number;
  'retry-file': boolean;
  kubeconfig?: string;
  context?: string;
}

export const DEFAULT_FORKS = 100;

export function runCommand(setCode: (c: number) => void): CommandModule<object, RunArgs> {
  return {
    command: 'run <playbook>',
    describe: 'run a playbook on the hosts of an inventory (ansible-playbook)',
    builder: (y) =>
      y
        .positional('playbook', { type: 'string', demandOption: true, describe: 'the playbook file' })
        .option('inventory', { alias: 'i', type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'inventory file or directory (repeatable)' })
        .option('limit', { alias: 'l', type: 'string', requiresArg: true, describe: 'further limit hosts to a pattern, or @FILE (a .retry file)' })
        .option('forks', { alias: 'f', type: 'number', default: DEFAULT_FORKS, describe: 'hosts worked on at once' })
        .option('list-hosts', { type: 'boolean', default: false, describe: 'list the hosts each play would run on, then stop' })
        .option('list-tasks', { type: 'boolean', default: false, describe: 'list the tasks each play would run, then stop' })
        .option('check', { alias: 'C', type: 'boolean', default: false, describe: 'change nothing; report what would change' })
        .option('start-at-task', { type: 'string', describe: 'start at the task of this name' })
        .option('extra-vars', { alias: 'e', type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'KEY=VALUE, JSON/YAML, or @FILE (repeatable)' })
        .option('retry-failed', { type: 'string', describe: 'run only the failed and unfinished hosts of the last run (or of RUN)' })
        .option('retry-file', { type: 'boolean', default: true, describe: 'write <playbook>.retry with the hosts to run again' })
        .option('kubeconfig', { type: 'string', requiresArg: true, describe: 'kubeconfig of the cluster the hosts join (default: KUBECONFIG, the hosts\' fleetboot_kubeconfig, ~/.kube/config, in-cluster)' })
        .option('context', { type: 'string', requiresArg: true, describe: 'the kubeconfig context to use (default: its current-context)' })
        .option('json', { type: 'boolean', default: false, describe: 'JSON lines on stdout, one per event' })
        .option('verbose', { alias: 'v', type: 'count', describe: 'more output (-v, -vv, -vvv)' })
        .option('serve', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'artifact server listens at http(s)://ADDRESS:PORT (repeatable; default loopback, free ports; env FLEETBOOT_SERVE)' })
        .option('serve-url', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'URL BMCs and hosts reach the artifact server at, one per scheme (env FLEETBOOT_SERVE_URL)' })
        .option('serve-cert', { type: 'string', requiresArg: true, describe: 'artifact server HTTPS certificate chain (PEM); default: a CA made for the run' })
        .option('serve-key', { type: 'string', requiresArg: true, describe: 'key of --serve-cert (PEM)' }) as never,
    handler: async (args) => {
      setCode(await run(args));
    },
  };
}

export async function run(args: RunArgs): Promise<number> {
  const forks = positiveInt('--forks', args.forks);
  const serve = serveConfig(args);
  const registry = new ModuleRegistry();
  const world = await loadWorld({
    inventory: inventorySources(args.inventory),
    playbook: args.playbook,
    extraVars: args['extra-vars'] ?? [],
    registry,
  });

  let limit: Set<string> | undefined;
  if (args.limit !== undefined) limit = new Set(await world.limit(args.limit));
  const root = runsRoot();
  if (args['retry-failed'] !== undefined) {
    const named = args['retry-failed'];
    const { dir, summary } = await loadRunJournal(root, typeof named === 'string' && named !== '' ? named : undefined);
    const retry = hostsToRetry(summary);
    if (retry.length === 0) throw new OptionsError(`--retry-failed: every host of ${dir} ended ok; nothing to run again`);
    limit = new Set(limit ? retry.filter((h) => limit!.has(h)) : retry);
  }

  const plan = await planRun(world.playbook, registry, world.view, {
    ...(limit ? { limit } : {}),
    ...(args['start-at-task'] ? { startAtTask: args['start-at-task'] } : {}),
    loadVarsFile: world.loadVarsFile,
    templar: world.templar,
  });
  if (args['list-hosts'] || args['list-tasks']) {
    const text = args['list-hosts'] ? formatHostList(plan) : formatTaskList(plan);
    process.stdout.write(text);
    return ExitCode.OK;
  }
  if (plan.hosts.length === 0) {
    // As ansible-playbook: a limit that leaves nothing is an error (a typo must not "succeed").
    if (limit) throw new FleetbootError('Specified inventory, host pattern and/or --limit leaves us with no hosts to target.');
    process.stderr.write('[WARNING]: no hosts matched; nothing to do\n');
    return ExitCode.OK;
  }

  const dispatcher = new EventDispatcher();
  world.secrets.forEach((s) => dispatcher.secrets.add(s));
  const mode = chooseOutputMode({ json: args.json, stream: process.stdout });
  const output = createOutput({ mode, stream: process.stdout, color: useColor(process.stdout, process.env),
    verbosity: args.verbose ?? 0,
    invocation: { playbook: args.playbook, inventory: world.inventorySources },
  });
  dispatcher.subscribe((e) => output.consume(e));

  const interrupt = new Interrupt();
  const onSignal = (signal: NodeJS.Signals): void => {
    const phase = interrupt.trigger();
    void dispatcher.emit({ kind: 'interrupt', phase, signal });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runId = newRunId();
  const runDir = await createRunDir(root, runId);
  const bmcPool = new BmcPool({
    onEvent: (e) => void dispatcher.emit(e),
    onSecret: (secret) => dispatcher.secrets.add(secret),
    signal: interrupt.abort,
  });
  const artifacts = new ArtifactService({
    ...serve,
    onEvent: (e) => void dispatcher.emit(e),
    onSecret: (secret) => dispatcher.secrets.add(secret),
    onStarted: (s) => {
      const urls = [s.baseUrls.http, s.baseUrls.https].filter(Boolean).join(' and ');
      void dispatcher.emit({ kind: 'message', level: 'info', msg: `artifact server at ${urls}` });
    },
  });
  const cluster = new ClusterService({
    ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}),
    ...(args.context ? { context: args.context } : {}),
    hosts: plan.hosts,
    allHosts: world.view.select('all'),
    hostVars: (h) => world.view.hostVars(h),
    runId,
    onEvent: (e) => void dispatcher.emit(e),
    onSecret: (secret) => dispatcher.secrets.add(secret),
  });
  try {
    const summary = await runPlan({
      plan,
      inventory: world.view,
      inventorySources: world.inventorySources,
      templar: world.templar,
      pool: world.pool((e) => void dispatcher.emit(e)),
      bmcPool,
      artifacts,
      cluster,
      sshTarget: world.sshTarget,
      dispatcher,
      interrupt,
      forks,
      check: args.check,
      extraVars: world.extraVars,
      runId,
      runDir,
      retryFiles: args['retry-file'],
      verbosity: args.verbose ?? 0,
      ...(args.limit ? { limit: args.limit } : {}),
    });
    return summary.exitCode;
  } finally {
    // Sessions and served URLs never outlive the run, whatever happened.
    await Promise.all([bmcPool.closeAll(), artifacts.close(), cluster.close()]);
    output.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
