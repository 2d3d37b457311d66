// Runs a plan: plays in order, each play's hosts in `serial` batches, each host through its
// tasks in parallel with the others (bounded by forks), every step journaled before the next.

import { noteCsrRefusal, type CsrRefusal } from '../core/csr-refusals.js';
import PQueue from 'p-queue';
import { isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { EventDispatcher } from '../core/dispatcher.js';
import { ExitCode } from '../core/errors.js';
import { emptyStats, type HostOutcome, type HostStats } from '../core/result.js';
import { ModuleFailure, type ModuleContext } from '../modules/contract.js';
import type { BmcPool } from '../redfish/bmc-pool.js';
import type { ArtifactService } from './artifacts.js';
import { KUBECONFIG_VAR, type ClusterService } from './cluster-service.js';
import type { SshPool, SshTarget } from '../ssh/types.js';
import { HostLogs } from './host-logs.js';
import { HostScope } from './host-scope.js';
import type { InventoryView } from './inventory-view.js';
import type { Interrupt } from './interrupt.js';
import { JournalWriter, journalConsumer } from './journal.js';
import type { RunPlan } from './plan-types.js';
import { runHostPlay } from './run-host.js';
import { writeRetryFile } from './retry-file.js';
import { batches, exceedsMaxFail } from './serial.js';
import type { TemplateEngine, Vars } from './templating.js';

export interface RunOptions {
  plan: RunPlan;
  inventory: InventoryView;
  inventorySources: string[];
  templar: TemplateEngine;
  pool: SshPool;
  /** Redfish clients per BMC; logged out when the run ends. */
  bmcPool?: BmcPool;
  /** The artifact server, started on first use; a host's artifacts are withdrawn when it is done. */
  artifacts?: ArtifactService;
  /** The run's cluster client and informers, made on first use; closed when the run ends. */
  cluster?: ClusterService;
  sshTarget: (host: string, vars: Vars) => SshTarget;
  dispatcher: EventDispatcher;
  interrupt: Interrupt;
  forks: number;
  check: boolean;
  extraVars: Vars;
  runId: string;
  runDir: string;
  limit?: string;
  /** -v count, seen by playbooks as `ansible_verbosity` (debug's `verbosity:` compares with it). */
  verbosity?: number;
  /** Write `<playbook>.retry` beside the playbook (Ansible's retry_files_enabled). */
  retryFiles: boolean;
}

export interface RunSummary {
  exitCode: number;
  outcomes: Record<string, HostOutcome>;
  stats: Record<string, HostStats>;
  retryFile?: string;
  interrupted: boolean;
}

export async function runPlan(o: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const { plan, dispatcher: d } = o;
  const lastPlay = new Map<string, number>();
  for (const p of plan.plays) for (const h of p.hosts) lastPlay.set(h, p.index);

  const journal = await JournalWriter.open(join(o.runDir, 'journal.jsonl'));
  const logs = new HostLogs(join(o.runDir, 'hosts'));
  // The CSRs the run did not approve: summary.json lists them (the recap shows the first few).
  const csrRefusals = new Map<string, CsrRefusal>();
  const unsubscribe = [
    d.subscribe(journalConsumer(journal, (h, i) => lastPlay.get(h) === i), { durable: true }),
    d.subscribe(logs.consume),
    d.subscribe((e) => {
      if (e.kind === 'csr.decision') noteCsrRefusal(csrRefusals, e);
    }),
  ];
  const runRecord = {
    type: 'run' as const,
    runId: o.runId,
    ts: new Date().toISOString(),
    playbook: resolve(plan.playbook),
    inventory: o.inventorySources.map((s) => resolve(s)),
    hosts: plan.hosts,
    check: o.check,
    ...(o.limit ? { limit: o.limit } : {}),
  };
  await journal.append(runRecord);
  await d.emit({ kind: 'run.start', runId: o.runId, playbook: plan.playbook, runDir: o.runDir, hosts: plan.hosts, check: o.check, forks: o.forks });

  const stats = new Map<string, HostStats>(plan.hosts.map((h) => [h, emptyStats()]));
  const outcomes = new Map<string, HostOutcome>(plan.hosts.map((h) => [h, 'pending']));
  const scopes = new Map<string, HostScope>();
  const groups = o.inventory.groups();
  const hostvars = new Proxy({} as Vars, {
    get: (_t, name) => (typeof name === 'string' && stats.has(name) ? scope(name).visibleVars() : typeof name === 'string' ? o.inventory.hostVars(name) : undefined),
    has: (_t, name) => typeof name === 'string' && o.inventory.select(name).length > 0,
  });
  function scope(host: string): HostScope {
    let s = scopes.get(host);
    if (!s) {
      const magic: Vars = {
        inventory_hostname: host,
        inventory_hostname_short: host.split('.')[0],
        group_names: o.inventory.groupNames(host),
        groups,
        hostvars,
        playbook_dir: plan.playbookDir,
        ansible_check_mode: o.check,
        ansible_verbosity: o.verbosity ?? 0,
        fleetboot_run_id: o.runId,
      };
      s = new HostScope(host, o.inventory.hostVars(host), magic, o.extraVars);
      scopes.set(host, s);
    }
    return s;
  }

  const queue = new PQueue({ concurrency: Math.max(1, o.forks) });
  let stopRun = false;
  for (const planned of plan.plays) {
    if (stopRun || o.interrupt.interrupted) break;
    // Hosts that failed or were unreachable in an earlier play sit out the later ones, as in Ansible.
    const hosts = planned.hosts.filter((h) => outcomes.get(h) === 'pending' || outcomes.get(h) === 'ok');
    await d.emit({ kind: 'play.start', play: planned.play.name, playIndex: planned.index, hosts, tasks: planned.tasks.map((t) => t.task.name) });
    const layer = { vars: planned.play.vars, varsFiles: planned.varsFiles };
    const playStop = new AbortController();
    const groupsOfBatches = batches(hosts, planned.play.serial);
    for (const [b, batch] of groupsOfBatches.entries()) {
      if (playStop.signal.aborted || o.interrupt.interrupted) {
        for (const h of batch) await finishHost(h, planned.index, planned.play.name, playStop.signal.aborted ? 'pending' : 'interrupted', 'not started');
        continue;
      }
      if (groupsOfBatches.length > 1) await d.emit({ kind: 'batch.start', play: planned.play.name, batch: b + 1, batches: groupsOfBatches.length, hosts: batch });
      const playMagic: Vars = { ansible_play_hosts: hosts, ansible_play_hosts_all: planned.hosts, play_hosts: hosts, ansible_play_batch: batch };
      let failedInBatch = 0;
      for (const host of batch) {
        void queue.add(async () => {
          if (o.interrupt.interrupted) return finishHost(host, planned.index, planned.play.name, 'interrupted', 'not started');
          if (playStop.signal.aborted) return finishHost(host, planned.index, planned.play.name, 'pending', 'not started: play stopped');
          let r;
          try {
            r = await runHostPlay(scope(host), planned, layer, playMagic, {
              dispatcher: d,
              templar: o.templar,
              check: o.check,
              abort: o.interrupt.abort,
              graceful: o.interrupt.graceful,
              playStop: playStop.signal,
              stats: stats.get(host)!,
              contextFor: (h, vars, signal, timeoutMs, check, emit) => moduleContext(o, h, vars, signal, timeoutMs, check, emit),
            });
          } catch (err) {
            // A bug must not take the other hosts down: this host fails, the run goes on.
            r = { outcome: 'failed' as const, msg: `internal error: ${(err as Error).stack ?? String(err)}` };
          }
          if (r.outcome === 'failed' || r.outcome === 'unreachable') {
            failedInBatch++;
            const why = planned.play.any_errors_fatal
              ? `any_errors_fatal: ${host} ${r.outcome === 'failed' ? 'failed' : 'was unreachable'}`
              : exceedsMaxFail(failedInBatch, batch.length, planned.play.max_fail_percentage)
                ? `max_fail_percentage ${planned.play.max_fail_percentage}% exceeded: ${failedInBatch} of ${batch.length} hosts in the batch failed`
                : undefined;
            if (why && !playStop.signal.aborted) {
              playStop.abort();
              stopRun = true;
              await d.emit({ kind: 'message', level: 'warning', msg: `play '${planned.play.name}' stopped (${why}); no new step starts, running ones finish; the hosts not finished are for --retry-failed` });
            }
          }
          await finishHost(host, planned.index, planned.play.name, r.outcome, r.msg);
        });
      }
      await queue.onIdle();
    }
    await d.emit({ kind: 'play.end', play: planned.play.name, playIndex: planned.index });
  }

  async function finishHost(host: string, playIndex: number, play: string, outcome: HostOutcome, msg?: string): Promise<void> {
    const prev = outcomes.get(host);
    // A host is ok for the run only once its last play ends ok; until then it stays pending.
    if (prev === 'pending' || prev === 'ok') outcomes.set(host, outcome !== 'ok' ? outcome : lastPlay.get(host) === playIndex ? 'ok' : 'pending');
    // A host done with the run gives its BMC session back now, not when the whole fleet is done.
    if (outcome !== 'ok' || lastPlay.get(host) === playIndex) await Promise.all([o.bmcPool?.release(host), o.artifacts?.release(host)]);
    await d.emit({ kind: 'host.done', host, play, playIndex, outcome, ...(msg ? { msg } : {}) });
  }

  // Hosts never reached (a stopped run) stay pending; that is what --retry-failed picks up.
  if (o.interrupt.interrupted) for (const [h, out] of outcomes) if (out === 'pending') outcomes.set(h, 'interrupted');
  const outcomeList = [...outcomes.values()];
  const exitCode = o.interrupt.interrupted
    ? ExitCode.INTERRUPTED
    : outcomeList.includes('failed')
      ? ExitCode.HOST_FAILED
      : outcomeList.includes('unreachable')
        ? ExitCode.HOST_UNREACHABLE
        : outcomeList.includes('pending')
          ? ExitCode.HOST_FAILED
          : ExitCode.OK;
  const retryHosts = [...outcomes].filter(([, out]) => out !== 'ok').map(([h]) => h);
  // Sessions are deleted before the run is reported as ended (a BMC has few session slots).
  await Promise.all([o.bmcPool?.closeAll(), o.artifacts?.close(), o.cluster?.close()]);
  const retryFile = o.retryFiles && !o.check ? await writeRetryFile(plan.playbook, retryHosts).catch(() => undefined) : undefined;
  const summary: RunSummary = {
    exitCode,
    outcomes: Object.fromEntries(outcomes),
    stats: Object.fromEntries(stats),
    interrupted: o.interrupt.interrupted,
    ...(retryFile ? { retryFile } : {}),
  };
  await d.emit({
    kind: 'run.end',
    runId: o.runId,
    stats: summary.stats,
    outcomes: summary.outcomes,
    interrupted: summary.interrupted,
    exitCode,
    durationMs: Date.now() - started,
    ...(retryFile ? { retryFile } : {}),
  });
  const usage = process.resourceUsage();
  await writeFile(
    join(o.runDir, 'summary.json'),
    JSON.stringify(
      {
        ...summary,
        ...(csrRefusals.size > 0 ? { csrRefusals: [...csrRefusals.values()] } : {}),
        runId: o.runId,
        playbook: resolve(plan.playbook),
        durationMs: Date.now() - started,
        // The controller's own cost, for operators and for bench/.
        resources: { cpuUserMs: usage.userCPUTime / 1000, cpuSystemMs: usage.systemCPUTime / 1000, maxRssKb: usage.maxRSS },
      },
      null,
      2,
    ) + '\n',
  ).catch(() => undefined);
  unsubscribe.forEach((u) => u());
  await Promise.all([journal.close(), logs.close(), o.pool.closeAll()]);
  return summary;
}

function moduleContext(
  o: RunOptions,
  host: string,
  vars: Vars,
  signal: AbortSignal,
  timeoutMs: number | undefined,
  check: boolean,
  emit: ModuleContext['emit'],
): ModuleContext {
  const dir = o.plan.playbookDir;
  return {
    host,
    vars,
    check,
    signal,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ssh: () => o.pool.get(o.sshTarget(host, vars), signal),
    reconnect: () => o.pool.drop(host),
    bmc: () => {
      if (!o.bmcPool) throw new ModuleFailure('no Redfish access in this run');
      if (vars.bmc === undefined) throw new ModuleFailure(`${host} has no bmc in the inventory (bmc: { address, user, password_env or password_file })`);
      return o.bmcPool.get(host, vars.bmc).then((h) => {
        h.client.useTaskSignal(signal);
        return h;
      });
    },
    artifacts: () => {
      if (!o.artifacts) throw new ModuleFailure('no artifact server in this run');
      return o.artifacts.forHost(host);
    },
    cluster: () => {
      if (!o.cluster) return Promise.reject(new ModuleFailure('no cluster access in this run'));
      const kc = vars[KUBECONFIG_VAR];
      return o.cluster.forHost(host, typeof kc === 'string' && kc.includes('{{') ? o.templar.renderString(kc, vars) : kc);
    },
    render: (template, extra) => o.templar.renderString(template, extra ? { ...vars, ...extra } : vars),
    evaluate: (expression, extra) => o.templar.evaluate(expression, extra ? { ...vars, ...extra } : vars),
    resolvePath: (path, subdir) => {
      if (isAbsolute(path)) return path;
      if (subdir) {
        const inSub = join(dir, subdir, path);
        if (existsSync(inSub)) return inSub;
      }
      return join(dir, path);
    },
    emit,
    addSecret: (secret) => o.dispatcher.secrets.add(secret),
  };
}
