// bench/csr-approval: N simulated kubelets (default 500) bootstrap at once against the lab's
// simulated Kubernetes API while fleetboot's long-running approver (src/cluster/approver.ts)
// approves their client and then serving CSRs. The cluster and the kubelets run in a child
// process (bench/csr-approval-lab.ts); the approver, its client and informers run here, so
// this process's CPU and RSS are the approver's. Latency is creation → approval as the kubelet
// sees it: from its create call returning to its watch showing the Approved condition, both
// timed in the lab process (creationTimestamp only has 1-second granularity).
//
//   node --import tsx bench/csr-approval.ts [--nodes 500] [--concurrency 16] [--settle MS] [--timeout 300]
//
// --concurrency and --settle pass the Approver's options of those names (its defaults otherwise);
// --timeout (s) bounds the kubelets' run: what is not issued by then counts as not approved.
// `node --cpu-prof --import tsx bench/csr-approval.ts` profiles both processes (a file each).
// Exit code 1 when a check fails (a CSR pending, approved other than once, a failed approval).

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransportEvent } from '../src/core/events.js';
import { Approver, DEFAULT_SETTLE_MS, type CsrDecision } from '../src/cluster/approver.js';
import { ClusterInformers } from '../src/cluster/informer.js';
import { createKubeClient, csrCondition, type KubeClient, type V1CertificateSigningRequest } from '../src/cluster/kube-client.js';
import { loadKubeconfig } from '../src/cluster/kubeconfig.js';
import { indexNodeIdentities, nodeIdentityFromVars } from '../src/cluster/node-identity.js';
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from '../src/cluster/types.js';
import type { BenchMessage, CsrTimes, KubeletTimes, LabMessage } from './csr-approval-lab.js';
import { arg, count } from './args.js';

const nodes = count('nodes', 500);
const timeoutMs = count('timeout', 300) * 1000;
const concurrencyText = arg('concurrency', '');
const concurrency = concurrencyText ? count('concurrency', 16) : undefined;
const settleText = arg('settle', '');
const settleMs = settleText ? Number(settleText) : undefined;
if (settleMs !== undefined && !(Number.isInteger(settleMs) && settleMs >= 0)) throw new Error(`--settle must be a whole number of ms, 0 or more (got ${settleText})`);
/** How long the lab process may take to start and to stop. */
const LAB_START_MS = 60_000;
const LAB_STOP_MS = 5_000;

interface Stats {
  count: number;
  median: number;
  p90: number;
  p99: number;
  worst: number;
}

/** Nearest-rank percentiles of `values` (ms). */
function stats(values: readonly number[]): Stats | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  const r = (v: number): number => Math.round(v * 10) / 10;
  return { count: s.length, median: r(at(50)), p90: r(at(90)), p99: r(at(99)), worst: r(s[s.length - 1]!) };
}

function showStats(label: string, s: Stats | undefined): string {
  if (!s) return `  ${label}: none`;
  return `  ${label}: ${s.count} CSRs, median ${s.median} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, worst ${s.worst} ms`;
}

/** The lab process, started and ready; rejects if it fails or exits first. */
function startLab(dir: string): Promise<{ child: ChildProcess } & Extract<LabMessage, { type: 'ready' }>> {
  const file = fileURLToPath(new URL('./csr-approval-lab.ts', import.meta.url));
  // --cpu-prof passes on: profiling the bench profiles both processes (one file each).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (!execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', import.meta.resolve('tsx'));
  const child = fork(file, ['--nodes', String(nodes), '--dir', dir], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the lab process did not get ready within ${LAB_START_MS / 1000} s`)), LAB_START_MS);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.removeAllListeners();
      child.kill('SIGKILL');
      reject(err);
    };
    child.on('error', (err) => fail(new Error(`cannot start the lab process: ${err.message}`)));
    child.on('exit', (code, signal) => fail(new Error(`the lab process exited (${signal ?? `code ${code}`}) before it was ready`)));
    child.on('message', (msg: LabMessage) => {
      if (msg.type === 'error') return fail(new Error(`lab process: ${msg.message}`));
      if (msg.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners();
      resolve({ child, ...msg });
    });
  });
}

/** The lab's `done` after `go`; rejects if the lab fails or exits first. */
function runKubelets(child: ChildProcess): Promise<Extract<LabMessage, { type: 'done' }>> {
  return new Promise((resolve, reject) => {
    const settle = (err: Error | undefined, msg?: Extract<LabMessage, { type: 'done' }>): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(msg!);
    };
    const onMessage = (msg: LabMessage): void => {
      if (msg.type === 'done') settle(undefined, msg);
      else if (msg.type === 'error') settle(new Error(`lab process: ${msg.message}`));
    };
    const onExit = (code: number | null, signal: string | null): void => settle(new Error(`the lab process exited (${signal ?? `code ${code}`}) during the run`));
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send({ type: 'go', timeoutMs } satisfies BenchMessage);
  });
}

/** Asks the lab to exit, then kills it if it has not within LAB_STOP_MS. */
async function stopLab(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'exit' } satisfies BenchMessage);
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), LAB_STOP_MS);
  await exited;
  clearTimeout(timer);
}

const now = (): number => performance.timeOrigin + performance.now();
const latency = (t: CsrTimes | undefined): number | undefined => (t?.approvedAt !== undefined ? t.approvedAt - t.createdAt : undefined);
const defined = (v: number | undefined): v is number => v !== undefined;

const work = await mkdtemp(join(tmpdir(), 'fleetboot-bench-csr-'));
let lab: ChildProcess | undefined;
// Ctrl-C: the lab hears it too (same process group) and exits; make sure, then leave.
const onSignal = (signal: NodeJS.Signals): void => {
  lab?.kill('SIGTERM');
  void rm(work, { recursive: true, force: true }).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  const labStarted = Date.now();
  const started = await startLab(work);
  lab = started.child;
  const labMs = Date.now() - labStarted;

  const loaded = loadKubeconfig({ kubeconfig: started.kubeconfig, env: {} });
  // PUTs of the approval subresource that the API refused (409s retried inside approveCsr included).
  const putErrors = new Map<string, number>();
  const puts = { ok: 0, refused: 0 };
  const transport: Record<string, number> = {};
  const onEvent = (e: TransportEvent): void => {
    if (e.action.startsWith('PUT certificatesigningrequest')) {
      if (e.detail === undefined) puts.ok++;
      else {
        puts.refused++;
        const why = /\b(409|Conflict|\d{3})\b/.exec(e.detail)?.[1] ?? 'other';
        putErrors.set(why, (putErrors.get(why) ?? 0) + 1);
      }
    } else if (!e.action.startsWith('GET') && !e.action.startsWith('PUT')) {
      const key = e.action.split(' ').slice(0, 2).join(' ');
      transport[key] = (transport[key] ?? 0) + 1;
    }
  };
  // Where the time goes, on this process's clock (same machine clock as the lab's): when the
  // informer first held each CSR, and when the approver's approval call began and returned.
  const seen = new Map<string, number>();
  const putStart = new Map<string, number>();
  const putEnd = new Map<string, number>();
  const real = await createKubeClient(loaded.kubeConfig, { onEvent });
  const client: KubeClient = {
    ...real,
    server: real.server,
    async approveCsr(csr, d, o) {
      const name = csr.metadata?.name ?? '';
      if (!putStart.has(name)) putStart.set(name, now());
      const out = await real.approveCsr(csr, d, o);
      putEnd.set(name, now());
      return out;
    },
  };
  const informers = new ClusterInformers(client, { onEvent });
  // Subscribed before the approver, so it is told first.
  informers.csrs.subscribe((_type, csr) => {
    const name = csr.metadata?.name ?? '';
    if (!seen.has(name)) seen.set(name, now());
  });
  const identities = indexNodeIdentities(started.hosts.map((h) => nodeIdentityFromVars(h.name, { ansible_host: h.address })));

  const decisions: CsrDecision[] = [];
  const approvedBy = new Map<string, number>();
  const approver = new Approver({
    client,
    informers,
    identities,
    since: new Date(),
    deny: false,
    by: `bench/csr-approval (pid ${process.pid})`,
    onDecision: (d) => {
      decisions.push(d);
      if (d.outcome === 'approved') approvedBy.set(d.verdict.csr, (approvedBy.get(d.verdict.csr) ?? 0) + 1);
    },
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(settleMs !== undefined ? { settleMs } : {}),
  });

  const cpuBefore = process.cpuUsage();
  await approver.start();
  const done = await runKubelets(lab);
  await approver.idle();
  const cpu = process.cpuUsage(cpuBefore);
  const maxRssKb = process.resourceUsage().maxRSS;

  // What the cluster holds at the end, read through the API.
  const final = (await client.list('csrs')).items;
  await approver.stop();
  await informers.stop();
  const informerStats = { csrs: { ...informers.csrs.stats }, nodes: { ...informers.nodes.stats } };
  client.close();

  const kubelets: KubeletTimes[] = done.kubelets;
  const clientLat = kubelets.map((k) => latency(k.client)).filter(defined);
  const servingLat = kubelets.map((k) => latency(k.serving)).filter(defined);
  const createMs = kubelets.flatMap((k) => [k.client, k.serving]).filter((t): t is CsrTimes => t !== undefined).map((t) => t.createdAt - t.startedAt);
  const issueMs = kubelets.flatMap((k) => [k.client, k.serving]).map((t) => (t?.issuedAt !== undefined && t.approvedAt !== undefined ? t.issuedAt - t.approvedAt : undefined)).filter(defined);
  // Each CSR's path: created (lab) → in the approver's informer → approval call begun → the kubelet sees Approved (lab) / call returned.
  const csrTimes = kubelets.flatMap((k) => [k.client, k.serving]).filter((t): t is CsrTimes => t !== undefined);
  const stage = (from: (t: CsrTimes) => number | undefined, to: (t: CsrTimes) => number | undefined): Stats | undefined => {
    const spans = csrTimes.map((t) => [from(t), to(t)] as const);
    return stats(spans.filter((s): s is readonly [number, number] => s[0] !== undefined && s[1] !== undefined).map(([a, b]) => b - a));
  };
  const stages = {
    toInformer: stage((t) => t.createdAt, (t) => seen.get(t.name)),
    informerToPut: stage((t) => seen.get(t.name), (t) => putStart.get(t.name)),
    putToKubeletSeesApproved: stage((t) => putStart.get(t.name), (t) => t.approvedAt),
    putCall: stage((t) => putStart.get(t.name), (t) => putEnd.get(t.name)),
  };
  const ready = kubelets.map((k) => k.readyAt).filter(defined);
  const allReadyMs = ready.length === nodes ? Math.max(...ready) - done.goAt : undefined;
  const approvals = kubelets.flatMap((k) => [k.client?.approvedAt, k.serving?.approvedAt]).filter(defined);
  const lastApprovalMs = approvals.length ? Math.max(...approvals) - done.goAt : undefined;
  const errors = kubelets.filter((k) => k.error !== undefined);

  const ours = new Set(kubelets.flatMap((k) => [k.client?.name, k.serving?.name]).filter((n): n is string => n !== undefined));
  const kubeletCsrs = final.filter((c: V1CertificateSigningRequest) => c.spec?.signerName === KUBELET_CLIENT_SIGNER || c.spec?.signerName === KUBELET_SERVING_SIGNER);
  const approvedConditions = (c: V1CertificateSigningRequest): number => (c.status?.conditions ?? []).filter((x) => x.type === 'Approved').length;
  const pending = kubeletCsrs.filter((c) => !csrCondition(c, 'Approved') && !csrCondition(c, 'Denied') && !csrCondition(c, 'Failed'));
  const notOnce = kubeletCsrs.filter((c) => approvedConditions(c) !== 1).length;
  const notIssued = kubeletCsrs.filter((c) => !c.status?.certificate).length;
  const approverTwice = [...approvedBy.values()].filter((n) => n > 1).length;
  const missing = [...ours].filter((n) => approvedBy.get(n) !== 1).length;
  const byOutcome: Record<string, number> = {};
  const leftByRule: Record<string, number> = {};
  for (const d of decisions) {
    byOutcome[d.outcome] = (byOutcome[d.outcome] ?? 0) + 1;
    if (d.outcome === 'approved') continue;
    const key = `${d.outcome} ${d.verdict.kind} ${'rule' in d.verdict ? d.verdict.rule : ''}`.trimEnd();
    leftByRule[key] = (leftByRule[key] ?? 0) + 1;
  }
  const ownLatency = stats(decisions.map((d) => d.latencyMs).filter(defined));
  const failed = decisions.filter((d) => d.outcome === 'failed');
  const checksOk = kubeletCsrs.length === 2 * nodes && ours.size === 2 * nodes && pending.length === 0 && notOnce === 0 && notIssued === 0 && approverTwice === 0 && missing === 0 && failed.length === 0 && errors.length === 0;

  const sClient = stats(clientLat);
  const sServing = stats(servingLat);
  const sAll = stats([...clientLat, ...servingLat]);
  const sec = (us: number): string => (us / 1e6).toFixed(2);
  const lines = [
    `csr-approval: ${nodes} kubelets bootstrap at once (client CSR, then serving CSR) against the lab's simulated API; fleetboot's Approver approves; node ${process.version}, ${cpus().length} cores`,
    `  note: latency is create call returned → kubelet's watch shows Approved, timed in the lab process; the lab (API + ${nodes} kubelets) and the approver share the cores`,
    `  approver options: concurrency ${concurrency ?? 'default (16)'}, settleMs ${settleMs ?? `default (${DEFAULT_SETTLE_MS})`}: a bootstrap CSR waits that long after first seen before approval`,
    `  lab start (separate process): ${(labMs / 1000).toFixed(2)} s`,
    showStats('client CSRs', sClient),
    showStats('serving CSRs', sServing),
    showStats('all CSRs', sAll),
    `  wall time from go to the last approval: ${lastApprovalMs !== undefined ? `${(lastApprovalMs / 1000).toFixed(2)} s` : 'none approved'}; to all ${nodes} Nodes Ready: ${allReadyMs !== undefined ? `${(allReadyMs / 1000).toFixed(2)} s` : `not reached (${ready.length} Ready)`} (includes the lab kubelet's ${started.servingCsrMs} ms before its serving CSR and ${started.readyMs} ms from serving certificate to Ready)`,
    `  where it goes (all CSRs): created → in the approver's informer: ${fmt(stages.toInformer)}`,
    `    informer → approval call begun (settle wait, passes, queue): ${fmt(stages.informerToPut)}`,
    `    approval call begun → kubelet sees Approved: ${fmt(stages.putToKubeletSeesApproved)}; whole approval call: ${fmt(stages.putCall)}`,
    `  CSR create call in the lab (key, PKCS#10, API validation): ${fmt(stats(createMs))}; approval → certificate seen: ${fmt(stats(issueMs))}`,
    `  approver process CPU: ${sec(cpu.user + cpu.system)} s (user ${sec(cpu.user)}, system ${sec(cpu.system)}); peak RSS ${(maxRssKb / 1024).toFixed(0)} MiB`,
    `  lab process CPU during the run: ${sec(done.cpuUserUs + done.cpuSystemUs)} s (user ${sec(done.cpuUserUs)}, system ${sec(done.cpuSystemUs)}); peak RSS ${(done.maxRssKb / 1024).toFixed(0)} MiB`,
    `  approver decisions: ${Object.entries(byOutcome).map(([k, v]) => `${k} ${v}`).join(', ')}${Object.keys(leftByRule).length ? ` (not approved: ${Object.entries(leftByRule).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    `  approval PUTs: ${puts.ok} accepted, ${puts.refused} refused${putErrors.size ? ` (${[...putErrors].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}; approvals failed: ${failed.length}${failed[0]?.error ? ` (first: ${failed[0].error})` : ''}`,
    `  approver's own latency (from creationTimestamp, 1-s granularity): ${fmt(ownLatency)}`,
    `  informers: csrs ${JSON.stringify(informerStats.csrs)}, nodes ${JSON.stringify(informerStats.nodes)}`,
    `  checks: ${kubeletCsrs.length}/${2 * nodes} kubelet CSRs; pending ${pending.length}; approved other than once ${notOnce}; not issued ${notIssued}; approved twice by the approver ${approverTwice}; kubelet CSRs without exactly one approval decision ${missing}; kubelet errors ${errors.length}${errors[0] ? ` (first: ${errors[0].node}: ${errors[0].error})` : ''} → ${checksOk ? 'ok' : 'FAILED'}`,
  ];
  const json = {
    bench: 'csr-approval',
    nodes,
    concurrency: concurrency ?? 16,
    settleMs: settleMs ?? DEFAULT_SETTLE_MS,
    latencyMs: { client: sClient, serving: sServing, all: sAll },
    stagesMs: stages,
    wallMs: { lastApproval: lastApprovalMs !== undefined ? Math.round(lastApprovalMs) : null, allReady: allReadyMs !== undefined ? Math.round(allReadyMs) : null, labStart: labMs },
    approver: { cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000), maxRssKb, decisions: byOutcome, putsAccepted: puts.ok, putsRefused: puts.refused, failed: failed.length },
    lab: { cpuUserMs: Math.round(done.cpuUserUs / 1000), cpuSystemMs: Math.round(done.cpuSystemUs / 1000), maxRssKb: done.maxRssKb },
    checks: { csrs: kubeletCsrs.length, pending: pending.length, approvedNotOnce: notOnce, notIssued, approverTwice, missing, kubeletErrors: errors.length, ok: checksOk },
  };
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(json)}\n`);
  if (!checksOk) process.exitCode = 1;
} finally {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (lab) await stopLab(lab);
  await rm(work, { recursive: true, force: true });
}

function fmt(s: Stats | undefined): string {
  return s ? `median ${s.median} ms, p90 ${s.p90} ms, worst ${s.worst} ms` : 'none';
}
