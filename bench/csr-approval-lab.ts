// bench/csr-approval's lab process: the simulated cluster and N kubelets, apart from the approver
// so the two processes' CPU is each their own. Forked by bench/csr-approval.ts with an IPC
// channel: it starts the cluster, writes its kubeconfig, says `ready` with the hosts; on `go`
// every kubelet bootstraps at once, timed here on one clock (the API's creationTimestamp has
// 1-second granularity); it answers `done` with the times and waits for `exit`. It exits when
// the bench goes away (IPC disconnect), on SIGINT/SIGTERM, and on any error.

import { setMaxListeners } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError } from '../src/lab/cluster/api-error.js';
import { CSR } from '../src/lab/cluster/api.js';
import { bootstrapperIdentity, nodeIdentity, type Identity } from '../src/lab/cluster/auth.js';
import { LabCluster } from '../src/lab/cluster/cluster.js';
import { QUICK_KUBELET, createClientCsr, createServingCsr, type KubeletNode } from '../src/lab/cluster/kubelet.js';
import type { KubeObject } from '../src/lab/cluster/store.js';
import { arg, count } from './args.js';

/** One CSR as its kubelet saw it (epoch ms, sub-ms precision; undefined: not reached). */
export interface CsrTimes {
  name: string;
  /** The create call began (key generation and signing included). */
  startedAt: number;
  /** The create call returned: the CSR exists. */
  createdAt: number;
  /** The kubelet's watch first showed the Approved condition. */
  approvedAt?: number;
  /** The kubelet's watch first showed the certificate. */
  issuedAt?: number;
}

export interface KubeletTimes {
  node: string;
  client?: CsrTimes;
  serving?: CsrTimes;
  readyAt?: number;
  error?: string;
}

export interface LabHostInfo {
  name: string;
  address: string;
}

export type LabMessage =
  | { type: 'ready'; kubeconfig: string; hosts: LabHostInfo[]; servingCsrMs: number; readyMs: number }
  | { type: 'done'; goAt: number; kubelets: KubeletTimes[]; cpuUserUs: number; cpuSystemUs: number; maxRssKb: number }
  | { type: 'error'; message: string };

export type BenchMessage = { type: 'go'; timeoutMs: number } | { type: 'exit' };

const now = (): number => performance.timeOrigin + performance.now();

/** Host i's node: a name and a loopback address of its own (127.10.1.1 on; never the cluster's 127.10.0.x). */
export function benchHost(i: number): KubeletNode {
  return { name: `bench-node-${String(i + 1).padStart(4, '0')}`, arch: 'x86_64', address: `127.10.${1 + Math.floor(i / 250)}.${1 + (i % 250)}` };
}

interface Seen {
  approvedAt?: number;
  issuedAt?: number;
}

/**
 * Follows one CSR as a kubelet does (a watch on its name, as its requester) and notes when the
 * Approved condition and then the certificate first show; resolves once issued.
 */
function follow(cluster: LabCluster, who: Identity, created: KubeObject, times: Seen, signal: AbortSignal): Promise<void> {
  const name = created.metadata.name;
  return new Promise((resolve, reject) => {
    let stop: (() => void) | undefined;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      stop?.();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => finish(new Error(`${name}: still not issued when the bench gave up`));
    signal.addEventListener('abort', onAbort);
    const check = (o: KubeObject, type: string): void => {
      if (type === 'DELETED') return finish(new Error(`${name} was deleted`));
      const status = (o.status ?? {}) as { certificate?: string; conditions?: Array<{ type: string; reason?: string; message?: string }> };
      const t = now();
      const bad = status.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (bad) return finish(new Error(`${name} ${bad.type.toLowerCase()}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim()));
      if (times.approvedAt === undefined && (status.conditions?.some((c) => c.type === 'Approved') || status.certificate)) times.approvedAt = t;
      if (status.certificate) {
        times.issuedAt = t;
        finish();
      }
    };
    const q = { fieldSelector: `metadata.name=${name}` };
    try {
      stop = cluster.api.watch(who, CSR, undefined, q, Number(created.metadata.resourceVersion) - 1, (e) => check(e.object, e.type));
    } catch (err) {
      // History already gone: a fresh watch lists the object first.
      if (!(err instanceof ApiError)) throw err;
      stop = cluster.api.watch(who, CSR, undefined, q, undefined, (e) => check(e.object, e.type));
    }
    if (done) stop();
    if (signal.aborted) onAbort();
  });
}

/** One kubelet's bootstrap (src/lab/cluster/kubelet.ts kubeletBootstrap, with a clock on each step). */
async function kubelet(cluster: LabCluster, node: KubeletNode, signal: AbortSignal): Promise<KubeletTimes> {
  const out: KubeletTimes = { node: node.name };
  try {
    const bootstrapper = bootstrapperIdentity();
    let startedAt = now();
    const client = await createClientCsr(cluster.api, node.name, bootstrapper);
    out.client = { name: client.metadata.name, startedAt, createdAt: now() };
    await follow(cluster, bootstrapper, client, out.client, signal);
    cluster.setNode(node, false);
    await delay(QUICK_KUBELET.servingCsrMs, undefined, { signal });
    startedAt = now();
    const serving = await createServingCsr(cluster.api, node.name, { dns: [node.name], ips: [node.address] });
    out.serving = { name: serving.metadata.name, startedAt, createdAt: now() };
    await follow(cluster, nodeIdentity(node.name), serving, out.serving, signal);
    await delay(QUICK_KUBELET.readyMs, undefined, { signal });
    cluster.setNode(node, true);
    out.readyAt = now();
  } catch (err) {
    out.error = (err as Error).message;
  }
  return out;
}

function send(msg: LabMessage): void {
  if (process.send && process.connected) process.send(msg);
}

async function main(): Promise<void> {
  const nodes = count('nodes', 500);
  const dir = arg('dir', '');
  if (!dir) throw new Error('--dir DIR is required (where the kubeconfig goes)');
  const hosts = Array.from({ length: nodes }, (_, i) => benchHost(i));
  // Handlers first: the bench may go away while the cluster is still starting.
  let cluster: LabCluster | undefined;
  let closing: Promise<void> | undefined;
  const close = (code: number): void => {
    closing ??= Promise.resolve(cluster?.close())
      .catch(() => undefined)
      .finally(() => process.exit(code));
  };
  // Ctrl-C reaches the whole process group; a bench that died leaves the channel closed.
  process.on('SIGINT', () => close(130));
  process.on('SIGTERM', () => close(143));
  // A bench killed outright cannot remove its work directory: do it for it.
  const orphaned = (): void => {
    void rm(dir, { recursive: true, force: true }).finally(() => close(0));
  };
  process.on('disconnect', orphaned);
  if (!process.connected) return orphaned();
  cluster = await LabCluster.start({ workerIgnition: '{"ignition":{"version":"3.4.0"}}', stream: '{}' });

  const kubeconfig = join(dir, 'kubeconfig');
  const lab = cluster;
  await writeFile(kubeconfig, lab.kubeconfig(), { mode: 0o600 });
  process.on('message', (msg: BenchMessage) => {
    if (msg.type === 'exit') close(0);
    else if (msg.type === 'go') {
      void (async () => {
        const abort = new AbortController();
        // Every kubelet listens on it (its watches and delays).
        setMaxListeners(0, abort.signal);
        const timer = setTimeout(() => abort.abort(), msg.timeoutMs);
        const cpu = process.cpuUsage();
        const goAt = now();
        const kubelets = await Promise.all(hosts.map((h) => kubelet(lab, h, abort.signal)));
        clearTimeout(timer);
        const used = process.cpuUsage(cpu);
        send({ type: 'done', goAt, kubelets, cpuUserUs: used.user, cpuSystemUs: used.system, maxRssKb: process.resourceUsage().maxRSS });
      })().catch((err: unknown) => {
        send({ type: 'error', message: (err as Error).message });
        close(1);
      });
    }
  });
  send({ type: 'ready', kubeconfig, hosts: hosts.map((h) => ({ name: h.name, address: h.address })), ...QUICK_KUBELET });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
