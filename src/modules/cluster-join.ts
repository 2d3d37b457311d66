// cluster.join: the end of a host's story. Approves exactly this host's kubelet CSRs, the client
// one and then the serving one, each only when fleetboot's CSR rules hold (src/cluster/csr-rules.ts),
// then waits for its Node to be Ready and checks the architecture. Everything is read from the
// run's shared informers when it changes (no polling); each phase has its own deadline. A CSR
// that fails a rule stays pending (or is denied, when asked) and is reported with that rule.

import { setTimeout as delay } from 'node:timers/promises';
import { toKubeArch } from '../coreos/architecture.js';
import { errorMessage } from '../core/errors.js';
import { CLOCK_SKEW_MS, contestedVerdict, judgeClientCsr, judgeServingCsr, type CsrRulesContext } from '../cluster/csr-rules.js';
import { decisionEvent } from '../cluster/csr-decision.js';
import type { V1CertificateSigningRequest, V1Node } from '../cluster/kube-client.js';
import { APPROVE_REASON, DENY_REASON, approvalMessage, denialMessage } from '../cluster/approval-text.js';
import { WaitAbortedError, WaitTimeoutError } from '../cluster/waiters.js';
import { KUBELET_SERVING_SIGNER, NODE_USER_PREFIX, type CertificateSigningRequest, type CsrVerdict, type NodeIdentity } from '../cluster/types.js';
import { ModuleFailure, type ClusterAccess, type ModuleContext, type ModuleSpec } from './contract.js';
import {
  asRuleCsr,
  claimsNode,
  creationMs,
  csrName,
  csrUid,
  csrVersion,
  isApproved,
  isPendingClient,
  isPendingServing,
  namesHostAddresses,
  nodeArchitecture,
  nodeReady,
  StrangerBook,
} from '../cluster/csr-cache.js';

export interface ClusterJoinArgs {
  node_name?: string;
  /** Seconds for the client CSR (default 3600: kubelets rotate their request within the hour). */
  client_timeout?: number;
  serving_timeout?: number;
  ready_timeout?: number;
  deny_strangers?: boolean;
  arch?: string;
  /**
   * Seconds a bootstrap CSR must be seen pending, alone, before it is approved (default 2): a rival
   * filed just after the kubelet's own is then seen, and neither is approved.
   */
  client_settle?: number;
}

const INSTALL_FACT = 'fleetboot_install_started';

type Phase = 'client' | 'serving' | 'ready';

/** One join's state: the host, what it has approved and reported, and when each phase ended. */
class Join {
  readonly strangers = new StrangerBook();
  /** CSR versions already judged: a wake is for something new. */
  private readonly judged = new Set<string>();
  /** CSRs once seen claiming this node together with another: never approved by this join. */
  private readonly contested = new Set<string>();
  private nodeVersion = '';
  /** When this join first saw each pending bootstrap CSR, by uid. */
  private readonly firstSeen = new Map<string, number>();
  /** A settling CSR's due time: the next wake comes no later. */
  private recheckAt: number | undefined;
  clientCsr: string | undefined;
  approvedAny = false;
  servingCsr: string | undefined;
  readonly notes: string[] = [];
  readonly latency: { client_csr_s?: number; serving_csr_s?: number } = {};

  constructor(
    readonly ctx: ModuleContext,
    readonly cluster: ClusterAccess,
    readonly id: NodeIdentity,
    readonly installStart: Date,
    readonly deny: boolean,
    readonly settleMs: number,
  ) {}

  /** Who approves, in the conditions' messages. */
  get by(): string {
    return `fleetboot run ${this.cluster.runId}`;
  }

  get nodeName(): string {
    return this.id.nodeName;
  }

  node(): V1Node | undefined {
    return this.cluster.informers.nodes.get(this.nodeName);
  }

  rulesContext(): CsrRulesContext {
    const pendingClientCsrs: CertificateSigningRequest[] = [];
    for (const csr of this.cluster.informers.csrs.list()) {
      const c = isPendingClient(csr) ? asRuleCsr(csr) : undefined;
      if (c) pendingClientCsrs.push(c);
    }
    return {
      identities: this.cluster.identities,
      existingNodes: new Set(this.cluster.informers.nodes.list().map((n) => n.metadata?.name ?? '')),
      clientApprovedHosts: this.cluster.clientApproved,
      installStartByHost: new Map([[this.id.host, this.installStart]]),
      pendingClientCsrs,
      now: new Date(),
      deny: this.deny,
    };
  }

  /** The CSRs whose keys name this node, each marked as judged. */
  mine(filter: (csr: V1CertificateSigningRequest) => boolean): V1CertificateSigningRequest[] {
    const out: V1CertificateSigningRequest[] = [];
    for (const csr of this.cluster.informers.csrs.list()) {
      if (!claimsNode(csr, this.nodeName)) continue;
      this.judged.add(csrVersion(csr));
      if (filter(csr)) out.push(csr);
    }
    return out;
  }

  /**
   * Resolves when something about this node changes (a CSR keyed by its name not yet judged, or
   * its Node), rejects at the deadline with a WaitTimeoutError naming `what`.
   */
  async wake(deadline: number, what: string): Promise<void> {
    const local = new AbortController();
    const signal = AbortSignal.any([this.ctx.signal, local.signal]);
    const common = { key: this.nodeName, signal, deadline, what };
    const waits = [
      this.cluster.informers.waitFor('csrs', (csr) => !this.judged.has(csrVersion(csr)), common),
      this.cluster.informers.waitFor('nodes', (n) => (n.metadata?.resourceVersion ?? '') !== this.nodeVersion, common),
    ];
    const recheck = this.recheckAt;
    this.recheckAt = undefined;
    const settled: Promise<unknown>[] = recheck !== undefined && recheck < deadline ? [delay(Math.max(0, recheck - Date.now()), undefined, { signal })] : [];
    // Until both caches hold a list, nothing is judged; their first list is a change worth waking for.
    if (!this.cluster.informers.isSynced) settled.push(this.cluster.informers.synced);
    try {
      await Promise.race([...waits, ...settled]);
    } finally {
      local.abort();
      for (const w of settled) w.catch(() => undefined);
      // The loser rejects with an abort; nothing to hear from it.
      for (const w of waits) w.catch(() => undefined);
      this.nodeVersion = this.node()?.metadata?.resourceVersion ?? '';
    }
  }

  /** Reports a refused CSR once per rule (and denies it when the rules say so). */
  async refused(v: Extract<CsrVerdict, { action: 'leave' | 'deny' }>, csr: V1CertificateSigningRequest): Promise<void> {
    if (!this.strangers.record(v)) return;
    let outcome: 'left' | 'denied' = 'left';
    let error: string | undefined;
    if (v.action === 'deny') {
      try {
        await this.cluster.client.denyCsr(csr, { reason: DENY_REASON, message: denialMessage(this.by, this.id.host, v.rule, v.reason) }, { host: this.id.host });
        outcome = 'denied';
      } catch (err) {
        error = `deny failed: ${errorMessage(err)}`;
      }
    }
    // A CSR for another node name that asks for this host's names or addresses: say whose.
    this.ctx.emit(decisionEvent({ outcome, verdict: v, ...(v.host === undefined ? { names: this.id.host } : {}), ...(error ? { error } : {}) }));
  }

  async approve(csr: V1CertificateSigningRequest, v: Extract<CsrVerdict, { action: 'approve' }>): Promise<boolean> {
    const message = approvalMessage(this.by, v.kind, this.id.host, this.nodeName);
    try {
      await this.cluster.client.approveCsr(csr, { reason: APPROVE_REASON, message }, { host: this.id.host });
    } catch (err) {
      // Replaced, or decided by someone else meanwhile: judge again on the next change.
      this.ctx.emit(decisionEvent({ outcome: 'failed', verdict: v, error: errorMessage(err) }));
      return false;
    }
    this.strangers.forget(csrName(csr));
    this.approvedAny = true;
    const created = creationMs(csr);
    const latencyMs = created !== undefined ? Math.max(0, Date.now() - created) : undefined;
    if (latencyMs !== undefined) this.latency[v.kind === 'client' ? 'client_csr_s' : 'serving_csr_s'] = seconds(latencyMs);
    this.ctx.emit(decisionEvent({ outcome: 'approved', verdict: v, ...(latencyMs !== undefined ? { latencyMs } : {}) }));
    this.ctx.emit({ kind: 'progress', text: `${v.kind} CSR approved` });
    return true;
  }

  /** Client phase: done when this join approved the client CSR or the Node exists. */
  async clientStep(): Promise<boolean> {
    // An empty Nodes cache before the first list would pass "no Node yet" for any node.
    if (!this.cluster.informers.isSynced) return false;
    const candidates = this.mine(isPendingClient);
    if (this.node()) {
      if (!this.clientCsr) this.notes.push(`Node ${this.nodeName} registered without a client CSR approved by this join`);
      return true;
    }
    if (candidates.length === 0) return false;
    const now = Date.now();
    for (const csr of candidates) if (!this.firstSeen.has(csrUid(csr))) this.firstSeen.set(csrUid(csr), now);
    const rules = this.rulesContext();
    const verdicts: Array<[V1CertificateSigningRequest, CsrVerdict]> = [];
    for (const csr of candidates) {
      const c = asRuleCsr(csr);
      if (c) verdicts.push([csr, await judgeClientCsr(c, rules)]);
    }
    for (const [, v] of verdicts) if (v.action !== 'approve' && v.rule === 'duplicate-claim') for (const n of [v.csr, ...(v.others ?? [])]) this.contested.add(n);
    for (const [csr, v] of verdicts) {
      if (v.action === 'approve' && this.contested.has(v.csr)) {
        await this.refused(contestedVerdict(v), csr);
        continue;
      }
      if (v.action === 'approve') {
        const wait = (this.firstSeen.get(csrUid(csr)) ?? now) + this.settleMs - Date.now();
        if (wait > 0) {
          this.recheckAt = Math.min(this.recheckAt ?? Infinity, Date.now() + wait);
          continue;
        }
        if (!(await this.approve(csr, v))) continue;
        this.clientCsr = v.csr;
        this.cluster.clientApproved.add(this.id.host);
        return true;
      }
      await this.refused(v, csr);
    }
    // Two claims at once will not resolve by waiting: this join never approves either of them.
    if (this.contested.size > 0) {
      const names = [...this.contested];
      throw this.failure(
        'client',
        `client phase: ${this.contested.size} bootstrap CSRs claimed node ${this.nodeName} at once (${names.join(', ')}): someone else holds the bootstrap token, so fleetboot approves neither; find who, delete these CSRs (oc delete csr ${names.join(' ')}), restart the kubelet on ${this.id.host} and run again`,
      );
    }
    return false;
  }

  /** Serving phase: done when this join approved the serving CSR, or one approved since the install already is, or the Node is Ready. */
  async servingStep(): Promise<boolean> {
    if (!this.cluster.informers.isSynced) return false;
    const node = this.node();
    const requester = NODE_USER_PREFIX + this.nodeName;
    await this.reportLateClientClaims();
    const ownServing = this.mine((csr) => csr.spec?.username === requester && csr.spec?.signerName === KUBELET_SERVING_SIGNER);
    await this.reportForeignServing();
    if (nodeReady(node)) return true;
    if (!node) return false; // the kubelet registers its Node before it asks to serve
    const since = this.installStart.getTime() - CLOCK_SKEW_MS;
    const already = ownServing.find((csr) => isApproved(csr) && (creationMs(csr) ?? 0) >= since);
    if (already && !this.servingCsr) {
      this.notes.push(`serving CSR ${csrName(already)} was already approved`);
      this.servingCsr = csrName(already);
      return true;
    }
    const rules = this.rulesContext();
    for (const csr of ownServing.filter(isPendingServing)) {
      const c = asRuleCsr(csr);
      if (!c) continue;
      const v = await judgeServingCsr(c, rules);
      if (v.action === 'approve') {
        if (!(await this.approve(csr, v))) continue;
        this.servingCsr = v.csr;
        return true;
      }
      await this.refused(v, csr);
    }
    return false;
  }

  /** Ready phase: the Node's Ready condition is True. */
  async readyStep(): Promise<boolean> {
    if (!this.cluster.informers.isSynced) return false;
    await this.reportLateClientClaims();
    return nodeReady(this.node());
  }

  /**
   * Once the client phase is over, any pending client CSR claiming this node is a stranger (a rival
   * filed after the approval, a leftover): judged for its rule and reported, never approved.
   */
  async reportLateClientClaims(): Promise<void> {
    let rules: CsrRulesContext | undefined;
    for (const csr of this.mine(isPendingClient)) {
      // The cache may not show this join's own approval yet.
      if (csrName(csr) === this.clientCsr) continue;
      const c = asRuleCsr(csr);
      if (!c) continue;
      rules ??= this.rulesContext();
      const v = await judgeClientCsr(c, rules);
      if (v.action !== 'approve') await this.refused(v, csr);
    }
  }

  /**
   * Serving CSRs from other requesters that ask for this host's names or IPs: never this join's to
   * approve, but reported (they are not keyed by this node, so they are seen on this node's wakes).
   */
  async reportForeignServing(): Promise<void> {
    const requester = NODE_USER_PREFIX + this.nodeName;
    let rules: CsrRulesContext | undefined;
    for (const csr of this.cluster.informers.csrs.list()) {
      if (csr.spec?.username === requester || !isPendingServing(csr) || !namesHostAddresses(csr, this.id)) continue;
      const c = asRuleCsr(csr);
      if (!c) continue;
      rules ??= this.rulesContext();
      const v = await judgeServingCsr(c, rules);
      // Another node's request is never this join's to deny: it is only reported.
      if (v.action !== 'approve') await this.refused({ ...v, action: 'leave' }, csr);
    }
  }

  /** Runs a step on every change until it is done or the phase's deadline passes. */
  async phase(phase: Phase, timeoutS: number, what: string, step: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    const deadline = started + timeoutS * 1000;
    this.ctx.emit({ kind: 'progress', text: `waiting for ${what}` });
    for (;;) {
      if (await step()) return seconds(Date.now() - started);
      try {
        await this.wake(deadline, `${what} of node ${this.nodeName}`);
      } catch (err) {
        if (err instanceof WaitTimeoutError) throw this.failure(phase, `${phase} phase: no ${what} within ${timeoutS} s (${phase}_timeout)${this.hint(phase)}`);
        if (err instanceof WaitAbortedError) throw this.failure(phase, `${phase} phase: ${err.message}`);
        throw err;
      }
    }
  }

  hint(phase: Phase): string {
    const strangers = this.strangers.list();
    const refused = strangers.length > 0 ? `; refused: ${strangers.map((s) => `${s.name} (${s.rule})`).join(', ')}` : '';
    if (phase === 'client') return `${refused || '; no client CSR claimed the node: is the host booted from its disk, with the worker Ignition?'}`;
    if (phase === 'serving') return `${refused}${this.node() ? '' : `; Node ${this.nodeName} never registered`}`;
    return `; Node ${this.nodeName} is ${this.node() ? 'registered but not Ready' : 'not registered'}`;
  }

  failure(phase: Phase, msg: string): ModuleFailure {
    return new ModuleFailure(msg, { phase, node: this.nodeName, ...this.csrsSoFar(), strangers: this.strangers.list() });
  }

  csrsSoFar(): { client_csr?: string; serving_csr?: string } {
    return { ...(this.clientCsr ? { client_csr: this.clientCsr } : {}), ...(this.servingCsr ? { serving_csr: this.servingCsr } : {}) };
  }
}


function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** The host's install start from its facts: an ISO time set by coreos.install. */
export function installStartOf(vars: Readonly<Record<string, unknown>>): Date {
  const v = vars[INSTALL_FACT];
  const d = typeof v === 'string' ? new Date(v) : v instanceof Date ? v : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    const what = v === undefined ? 'is not set' : `is ${JSON.stringify(v)}, not an ISO time`;
    throw new ModuleFailure(`${INSTALL_FACT} ${what}: run coreos.install first, or set ${INSTALL_FACT}`);
  }
  return d;
}

/** This host's node identity, checked against a `node_name` argument. */
export function identityOf(cluster: ClusterAccess, host: string, nodeName: string | undefined): NodeIdentity {
  const own = [...cluster.identities.values()].find((id) => id.host === host);
  if (!own) throw new ModuleFailure(`host ${host} has no node identity in this run: check its node_name, node_ips and ansible_host in the inventory`);
  if (nodeName !== undefined && nodeName !== own.nodeName) {
    const other = cluster.identities.get(nodeName);
    const whose = other ? ` (it is ${other.host}'s)` : '';
    throw new ModuleFailure(`node_name ${nodeName}${whose} is not host ${host}'s node name ${own.nodeName}: set node_name in the inventory, where the CSR rules read it`);
  }
  return own;
}

/** The Kubernetes name of the host's architecture, from the argument or the host's `arch`. */
export function expectedArch(args: ClusterJoinArgs, vars: Readonly<Record<string, unknown>>): { given: string; kube: string } {
  const given = args.arch ?? vars.arch;
  if (typeof given !== 'string' || given === '') throw new ModuleFailure('no architecture to check the Node against: set the host variable arch (x86_64, aarch64, …) or the arch argument');
  const kube = toKubeArch(given);
  if (!kube) throw new ModuleFailure(`arch: unknown architecture '${given}' (x86_64, aarch64, ppc64le, s390x or their Kubernetes names)`);
  return { given, kube };
}

function checkArch(node: V1Node, arch: { given: string; kube: string }, j: Join): void {
  const actual = nodeArchitecture(node);
  if (actual === arch.kube) return;
  throw j.failure(
    'ready',
    `Node ${j.nodeName} runs ${actual ?? 'an unreported architecture'} but the inventory says ${arch.given} (${arch.kube}): the host booted another image than its inventory entry expects; fix arch or the install image`,
  );
}

export const clusterJoinModule: ModuleSpec<ClusterJoinArgs> = {
  name: 'cluster.join',
  aliases: ['fleetboot.cluster.join'],
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      node_name: { type: 'string', minLength: 1 },
      client_timeout: { type: 'number', exclusiveMinimum: 0 },
      serving_timeout: { type: 'number', exclusiveMinimum: 0 },
      ready_timeout: { type: 'number', exclusiveMinimum: 0 },
      deny_strangers: { type: 'boolean' },
      arch: { type: 'string', minLength: 1 },
      client_settle: { type: 'number', minimum: 0 },
    },
  },
  async run(args, ctx) {
    const started = Date.now();
    const installStart = installStartOf(ctx.vars);
    const arch = expectedArch(args, ctx.vars);
    const cluster = await ctx.cluster();
    const id = identityOf(cluster, ctx.host, args.node_name);
    const j = new Join(ctx, cluster, id, installStart, args.deny_strangers ?? false, (args.client_settle ?? 2) * 1000);
    await cluster.informers.nodes.start();
    await cluster.informers.csrs.start();

    const existing = j.node();
    if (existing && nodeReady(existing)) {
      checkArch(existing, arch, j);
      await j.reportLateClientClaims();
      await j.reportForeignServing();
      return { changed: false, failed: false, node: id.nodeName, architecture: arch.kube, reason: `Node ${id.nodeName} is already Ready (${arch.kube})`, strangers: j.strangers.list() };
    }
    const client_s = await j.phase('client', args.client_timeout ?? 3600, 'client CSR', () => j.clientStep());
    const serving_s = await j.phase('serving', args.serving_timeout ?? 1800, 'serving CSR', () => j.servingStep());
    const ready_s = await j.phase('ready', args.ready_timeout ?? 1800, 'Ready', () => j.readyStep());
    const node = j.node();
    if (!node) throw j.failure('ready', `Node ${id.nodeName} vanished after turning Ready`);
    checkArch(node, arch, j);
    // A rival filed just after the kubelet's own CSRs is seen here at the latest.
    await j.reportLateClientClaims();
    await j.reportForeignServing();
    ctx.emit({ kind: 'progress', text: `Node Ready (${arch.kube})` });
    return {
      changed: j.approvedAny,
      failed: false,
      node: id.nodeName,
      ...j.csrsSoFar(),
      architecture: arch.kube,
      strangers: j.strangers.list(),
      ready_after_s: seconds(Date.now() - started),
      phases: { client_s, serving_s, ready_s },
      approval_latency: j.latency,
      ...(j.notes.length > 0 ? { notes: j.notes } : {}),
    };
  },
};
