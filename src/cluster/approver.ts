// The long-running approver behind `fleetboot approve`: the same CSR rules as cluster.join, for
// every node of the inventory at once and for as long as it runs, serving-certificate renewals
// included. It reads the shared informers' caches when something changes (no polling), judges
// each pending kubelet CSR, approves what every rule allows, and reports the rest once per rule.
//
// What it cannot know that cluster.join knows is when each host's install began: `since` stands
// for it (a client CSR filed before `since`, or more than 2 h ago, is never approved), and a host
// counts as "approved in this attempt" from its client CSR's approval until its Node is deleted.

import PQueue from 'p-queue';
import { errorMessage } from '../core/errors.js';
import { APPROVE_REASON, DENY_REASON, approvalMessage, denialMessage } from './approval-text.js';
import { CLIENT_WINDOW_MS, CLOCK_SKEW_MS, claimedNodeNames, contestedVerdict, judgeCsr, type CsrRulesContext } from './csr-rules.js';
import { asRuleCsr, creationMs, csrName, csrUid, isApproved, isPendingClient, isPendingServing, namesHostAddresses } from './csr-cache.js';
import type { CsrDecision } from './csr-decision.js';

export type { CsrDecision } from './csr-decision.js';
import type { ClusterInformers } from './informer.js';
import type { KubeClient, V1CertificateSigningRequest } from './kube-client.js';
import { KUBELET_CLIENT_SIGNER, NODE_BOOTSTRAPPER, NODE_USER_PREFIX, type CertificateSigningRequest, type CsrVerdict, type NodeIdentity } from './types.js';

export const DEFAULT_SETTLE_MS = 2000;

export interface ApproverOptions {
  client: KubeClient;
  informers: ClusterInformers;
  /** The inventory's node identities by node name: the allow-list. */
  identities: ReadonlyMap<string, NodeIdentity>;
  /** Stands for the hosts' install start: no client CSR created before it is approved. */
  since: Date;
  /** Deny, rather than leave, CSRs that claim an inventory node and fail a rule against them. */
  deny: boolean;
  /** Who approves, for the conditions' messages, e.g. `fleetboot approve (pid 42 on bastion)`. */
  by: string;
  onDecision: (d: CsrDecision) => void;
  /**
   * How long a bootstrap CSR must have been seen pending, alone, before it is approved (default
   * 2000 ms): a rival filed just after the kubelet's own is then seen and neither is approved.
   */
  settleMs?: number;
  /**
   * Judge serving CSRs only (initial and renewals), never a bootstrap client CSR: for an approver
   * that runs for months in the cluster while installs approve their own client CSRs.
   */
  servingOnly?: boolean;
  /** Approval attempts per CSR the API may refuse before this approver stops retrying it (default: no limit). */
  maxAttempts?: number;
  /** Approval requests in flight at once (default 16). */
  concurrency?: number;
  now?: () => Date;
}

export class Approver {
  // Keyed by uid, not name: a kubelet re-files its CSR under the same name after it was deleted,
  // and that is a new request to judge afresh. Entries go when their CSR leaves the cache.
  /** The rule each refused CSR was last reported with. */
  private readonly reported = new Map<string, string>();
  /** When this approver approved each inventory host's client CSR (ms): for the 2 h window, or until its Node goes away. */
  private readonly clientApproved = new Map<string, number>();
  /** CSRs once seen claiming a node together with another: never approved. */
  private readonly contested = new Set<string>();
  /** CSRs this approver decided (the cache may not show it yet). */
  private readonly decided = new Set<string>();
  /** Approval attempts the API refused, per CSR: retried with a growing delay. */
  private readonly failures = new Map<string, number>();
  /** When this approver first saw each pending bootstrap CSR, by uid (its own clock, ms). */
  private readonly firstSeen = new Map<string, number>();
  /** A pass due when the youngest bootstrap CSR has settled. */
  private settle: { timer: NodeJS.Timeout; due: number; done: Promise<void>; fire: () => void } | undefined;
  private readonly requests: PQueue;
  private readonly unsubscribe: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly counts = { approved: 0, denied: 0, left: 0, ignored: 0, failed: 0 };

  constructor(private readonly o: ApproverOptions) {
    this.requests = new PQueue({ concurrency: o.concurrency ?? 16 });
  }

  /**
   * Starts the informers and judges what is pending; resolves after that first pass, which waits
   * until both kinds are listed (an API that never answers keeps it waiting: callers bound it).
   * Rejects when the API refuses the first list (401/403).
   */
  async start(): Promise<void> {
    const { csrs, nodes } = this.o.informers;
    this.unsubscribe.push(
      csrs.subscribe((type, csr) => {
        if (type === 'delete' || !(isPendingClient(csr) || isPendingServing(csr))) return;
        // A bootstrap CSR settles from when it arrived, not from when a pass first looks at it.
        if (!this.firstSeen.has(csrUid(csr))) this.firstSeen.set(csrUid(csr), this.now().getTime());
        this.schedule();
      }),
      nodes.subscribe((type, node) => {
        const name = node.metadata?.name ?? '';
        const id = this.o.identities.get(name);
        // A deleted Node ends its host's attempt: a reinstall files a new bootstrap CSR.
        if (type === 'delete' && id) this.clientApproved.delete(id.host);
        if (type === 'delete') this.schedule();
        // A registered Node is what its serving CSR waits for.
        if (type === 'add' && id) this.schedule();
      }),
    );
    await nodes.start();
    await csrs.start();
    await this.o.informers.synced;
    this.schedule();
    await this.idle();
  }

  /** Resolves when no pass is running or due (a settling bootstrap CSR included). */
  async idle(): Promise<void> {
    for (;;) {
      const waiting = this.running ?? this.settle?.done;
      if (!waiting) break;
      await waiting;
    }
    await this.requests.onIdle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.settle) {
      clearTimeout(this.settle.timer);
      this.settle.fire();
      this.settle = undefined;
    }
    for (const u of this.unsubscribe.splice(0)) u();
    await this.idle();
  }

  /** How many CSRs went each way so far. */
  summary(): Readonly<Record<CsrDecision['outcome'], number>> {
    return { ...this.counts };
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Judges every pending kubelet CSR in the cache once and acts on the verdicts. */
  private async pass(): Promise<void> {
    // Before both lists are cached, "no Node yet" would hold for every node: judge nothing.
    if (!this.o.informers.isSynced) return;
    const all = this.o.informers.csrs.list();
    const uidByName = new Map(all.map((c) => [csrName(c), csrUid(c)]));
    const cached = new Set(uidByName.values());
    for (const book of [this.reported, this.firstSeen, this.failures]) for (const u of book.keys()) if (!cached.has(u)) book.delete(u);
    for (const set of [this.contested, this.decided]) for (const u of set) if (!cached.has(u)) set.delete(u);
    const pending = all.filter((c) => ((!this.o.servingOnly && isPendingClient(c)) || isPendingServing(c)) && !this.decided.has(csrUid(c)));
    if (pending.length === 0) return;
    const seenAt = this.now().getTime();
    for (const c of pending) if (!this.firstSeen.has(csrUid(c))) this.firstSeen.set(csrUid(c), seenAt);
    const ctx = this.rulesContext();
    const verdicts: Array<[V1CertificateSigningRequest, CsrVerdict]> = [];
    for (const csr of pending) {
      const c = asRuleCsr(csr);
      if (c) verdicts.push([csr, await judgeCsr(c, ctx)]);
    }
    for (const [csr, v] of verdicts) {
      if (v.action === 'approve' || v.rule !== 'duplicate-claim') continue;
      this.contested.add(csrUid(csr));
      for (const n of v.others ?? []) this.contested.add(uidByName.get(n) ?? n);
    }
    const settleMs = this.o.settleMs ?? DEFAULT_SETTLE_MS;
    let recheckIn = Infinity;
    for (const [csr, v] of verdicts) {
      if (v.action === 'approve' && v.kind === 'client' && settleMs > 0) {
        const wait = (this.firstSeen.get(csrUid(csr)) ?? seenAt) + settleMs - this.now().getTime();
        if (wait > 0) {
          recheckIn = Math.min(recheckIn, wait);
          continue;
        }
      }
      if (v.action === 'approve' && this.contested.has(csrUid(csr))) {
        this.report(csr, contestedVerdict(v));
        continue;
      }
      if (v.action === 'approve') {
        // Counted at once, so a second client CSR for the host in the same pass is refused.
        if (v.kind === 'client') this.clientApproved.set(v.host, this.now().getTime());
        this.decided.add(csrUid(csr));
        void this.requests.add(() => this.approve(csr, v));
        continue;
      }
      this.report(csr, v);
    }
    if (recheckIn !== Infinity && !this.stopped) this.recheckAfter(recheckIn);
    // Approvals drain while the next pass judges what came meanwhile (`decided` keeps them apart).
  }

  private async approve(csr: V1CertificateSigningRequest, v: Extract<CsrVerdict, { action: 'approve' }>): Promise<void> {
    try {
      await this.o.client.approveCsr(csr, { reason: APPROVE_REASON, message: approvalMessage(this.o.by, v.kind, v.host, v.nodeName) }, { host: v.host });
    } catch (err) {
      // Replaced or decided by someone else meanwhile, or the API is unwell: judged again after a
      // growing delay (the CSR itself may not change again to wake a pass).
      if (v.kind === 'client') this.clientApproved.delete(v.host);
      const n = (this.failures.get(csrUid(csr)) ?? 0) + 1;
      this.failures.set(csrUid(csr), n);
      // Judged again on the next pass, unless this was its last attempt.
      if (n < (this.o.maxAttempts ?? Infinity)) this.decided.delete(csrUid(csr));
      this.decide({ outcome: 'failed', verdict: v, error: errorMessage(err) });
      if (!this.stopped && n < (this.o.maxAttempts ?? Infinity)) this.recheckAfter(Math.min(30_000, 500 * 2 ** (n - 1)));
      return;
    }
    this.failures.delete(csrUid(csr));
    this.reported.delete(csrUid(csr));
    const created = creationMs(csr);
    this.decide({ outcome: 'approved', verdict: v, ...(created !== undefined ? { latencyMs: Math.max(0, this.now().getTime() - created) } : {}) });
  }

  /** Reports a refusal once per CSR and rule; denies it when the verdict says so. */
  private report(csr: V1CertificateSigningRequest, v: Extract<CsrVerdict, { action: 'leave' | 'deny' }>): void {
    if (this.reported.get(csrUid(csr)) === v.rule) return;
    this.reported.set(csrUid(csr), v.rule);
    const stranger = strangerOf(csr, v, this.o.identities);
    if (!stranger) {
      this.decide({ outcome: 'ignored', verdict: v });
      return;
    }
    if (v.action !== 'deny' || v.host === undefined) {
      this.decide({ outcome: 'left', verdict: v, ...(stranger.names !== undefined ? { names: stranger.names } : {}) });
      return;
    }
    const host = v.host;
    this.decided.add(csrUid(csr));
    void this.requests.add(async () => {
      try {
        await this.o.client.denyCsr(csr, { reason: DENY_REASON, message: denialMessage(this.o.by, host, v.rule, v.reason) }, { host });
        this.decide({ outcome: 'denied', verdict: v });
      } catch (err) {
        this.decided.delete(csrUid(csr));
        this.decide({ outcome: 'left', verdict: v, error: `deny failed: ${errorMessage(err)}` });
      }
    });
  }

  /** A pass in `ms` (or sooner, if one is due sooner already). */
  private recheckAfter(ms: number): void {
    const due = this.now().getTime() + ms;
    if (this.settle && this.settle.due <= due) return;
    if (this.settle) {
      clearTimeout(this.settle.timer);
      this.settle.fire();
    }
    let fire = (): void => undefined;
    const done = new Promise<void>((resolve) => (fire = resolve));
    const timer = setTimeout(() => {
      this.settle = undefined;
      this.schedule();
      fire();
    }, ms + 1);
    this.settle = { timer, due, done, fire };
  }

  private decide(d: CsrDecision): void {
    this.counts[d.outcome]++;
    this.o.onDecision(d);
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private rulesContext(): CsrRulesContext {
    const now = this.now();
    const all = this.o.informers.csrs.list();
    const pendingClientCsrs: CertificateSigningRequest[] = [];
    for (const csr of all) {
      const c = isPendingClient(csr) ? asRuleCsr(csr) : undefined;
      if (c) pendingClientCsrs.push(c);
    }
    // The window moves with the clock: a bootstrap CSR older than 2 h is stale whatever `since` says.
    const start = new Date(Math.max(this.o.since.getTime(), now.getTime() - CLIENT_WINDOW_MS));
    const installStartByHost = new Map<string, Date>();
    for (const id of this.o.identities.values()) installStartByHost.set(id.host, start);
    const existingNodes = new Set(this.o.informers.nodes.list().map((n) => n.metadata?.name ?? ''));
    // After a restart this approver remembers nothing: an approved bootstrap CSR since `start` for a
    // node not yet registered counts as this attempt's approval.
    // An approval older than the window is no longer this attempt's: a host reinstalled after its
    // Node never registered may bootstrap again (as after a restart, which remembers 2 h).
    const clientApprovedHosts = new Set<string>();
    for (const [host, at] of this.clientApproved) {
      if (at < now.getTime() - CLIENT_WINDOW_MS) this.clientApproved.delete(host);
      else clientApprovedHosts.add(host);
    }
    for (const csr of all) {
      if (csr.spec?.signerName !== KUBELET_CLIENT_SIGNER || csr.spec.username !== NODE_BOOTSTRAPPER || !isApproved(csr)) continue;
      if ((creationMs(csr) ?? 0) < start.getTime() - CLOCK_SKEW_MS) continue;
      const c = asRuleCsr(csr);
      const names = c ? claimedNodeNames(c) : [];
      const id = names.length === 1 ? this.o.identities.get(names[0] ?? '') : undefined;
      if (id && !existingNodes.has(id.nodeName)) clientApprovedHosts.add(id.host);
    }
    return { identities: this.o.identities, existingNodes, clientApprovedHosts, installStartByHost, pendingClientCsrs, now, deny: this.o.deny };
  }
}


/**
 * Whether a refused CSR is a stranger to report, and whose names or addresses it asks for when it
 * claims no inventory node itself. Not fleetboot's (undefined): other signers; a node renewing its
 * own client certificate (requester `system:node:X` for CN `system:node:X`: kube-controller-manager
 * approves those); CSRs of machines outside the inventory that name none of its hosts.
 */
function strangerOf(csr: V1CertificateSigningRequest, v: Extract<CsrVerdict, { action: 'leave' | 'deny' }>, identities: ReadonlyMap<string, NodeIdentity>): { names?: string } | undefined {
  if (v.rule === 'signer') return undefined;
  const c = asRuleCsr(csr);
  const user = csr.spec?.username ?? '';
  if (v.kind === 'client' && v.rule === 'requester' && c && user.startsWith(NODE_USER_PREFIX) && claimedNodeNames(c).includes(user.slice(NODE_USER_PREFIX.length))) return undefined;
  if (v.host !== undefined) return {};
  for (const id of identities.values()) if (namesHostAddresses(csr, id)) return { names: id.host };
  return undefined;
}
