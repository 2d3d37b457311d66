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
import { CLIENT_WINDOW_MS, CLOCK_SKEW_MS, claimedNodeNames, judgeCsr, type CsrRulesContext } from './csr-rules.js';
import { asRuleCsr, creationMs, csrName, csrUid, isApproved, isPendingClient, isPendingServing, namesHostAddresses } from './csr-cache.js';
import type { ClusterInformers } from './informer.js';
import type { KubeClient, V1CertificateSigningRequest } from './kube-client.js';
import { KUBELET_CLIENT_SIGNER, NODE_BOOTSTRAPPER, NODE_USER_PREFIX, type CertificateSigningRequest, type CsrVerdict, type NodeIdentity } from './types.js';

/** What became of one CSR (reported once per CSR and rule). */
export interface CsrDecision {
  /**
   * `approved`/`denied`: this approver wrote the condition; `left`: a rule failed and the CSR stays
   * pending; `ignored`: not fleetboot's to judge (another signer, a node renewing its own client
   * certificate, which kube-controller-manager approves); `failed`: the API refused the approval.
   */
  outcome: 'approved' | 'denied' | 'left' | 'ignored' | 'failed';
  verdict: CsrVerdict;
  /** From the CSR's creation to its approval, in ms (approved only). */
  latencyMs?: number;
  error?: string;
}

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
  /** Approval requests in flight at once (default 16). */
  concurrency?: number;
  now?: () => Date;
}

export class Approver {
  /** The rule each refused CSR was last reported with, by CSR name. */
  private readonly reported = new Map<string, string>();
  /** Inventory hosts whose client CSR this approver approved, until their Node goes away. */
  private readonly clientApproved = new Set<string>();
  /** CSRs once seen claiming a node together with another: never approved. */
  private readonly contested = new Set<string>();
  /** CSR uids this approver decided (the cache may not show it yet). */
  private readonly decided = new Set<string>();
  /** When this approver first saw each pending bootstrap CSR, by uid (its own clock, ms). */
  private readonly firstSeen = new Map<string, number>();
  /** A pass due when the youngest bootstrap CSR has settled. */
  private settle: { timer: NodeJS.Timeout; done: Promise<void>; fire: () => void } | undefined;
  private readonly requests: PQueue;
  private readonly unsubscribe: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly counts = { approved: 0, denied: 0, left: 0, ignored: 0, failed: 0 };

  constructor(private readonly o: ApproverOptions) {
    this.requests = new PQueue({ concurrency: o.concurrency ?? 16 });
  }

  /** Starts the informers and judges what is pending; resolves after that first pass. */
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
        // A registered Node is what its serving CSR waits for.
        if (type === 'add' && id) this.schedule();
      }),
    );
    await nodes.start();
    await csrs.start();
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
    const pending = this.o.informers.csrs.list().filter((c) => (isPendingClient(c) || isPendingServing(c)) && !this.decided.has(csrUid(c)));
    const seenAt = this.now().getTime();
    const live = new Set(pending.map(csrUid));
    for (const u of live) if (!this.firstSeen.has(u)) this.firstSeen.set(u, seenAt);
    for (const u of this.firstSeen.keys()) if (!live.has(u)) this.firstSeen.delete(u);
    const cached = new Set(this.o.informers.csrs.list().map(csrName));
    for (const name of this.reported.keys()) if (!cached.has(name)) this.reported.delete(name);
    for (const name of this.contested) if (!cached.has(name)) this.contested.delete(name);
    if (pending.length === 0) return;
    const ctx = this.rulesContext();
    const verdicts: Array<[V1CertificateSigningRequest, CsrVerdict]> = [];
    for (const csr of pending) {
      const c = asRuleCsr(csr);
      if (c) verdicts.push([csr, await judgeCsr(c, ctx)]);
    }
    for (const [, v] of verdicts) if (v.action !== 'approve' && v.rule === 'duplicate-claim') for (const n of [v.csr, ...(v.others ?? [])]) this.contested.add(n);
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
      if (v.action === 'approve' && this.contested.has(v.csr)) {
        this.report(csr, {
          action: 'leave',
          csr: v.csr,
          kind: v.kind,
          host: v.host,
          nodeName: v.nodeName,
          rule: 'duplicate-claim',
          reason: `client CSR: another bootstrap CSR claimed node ${v.nodeName} beside it earlier: fleetboot will not pick one; approve the kubelet's own yourself after checking, or delete both and restart the kubelet`,
        });
        continue;
      }
      if (v.action === 'approve') {
        // Counted at once, so a second client CSR for the host in the same pass is refused.
        if (v.kind === 'client') this.clientApproved.add(v.host);
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
      // Replaced or decided by someone else meanwhile: judged again on its next change.
      this.decided.delete(csrUid(csr));
      if (v.kind === 'client') this.clientApproved.delete(v.host);
      this.decide({ outcome: 'failed', verdict: v, error: errorMessage(err) });
      return;
    }
    this.reported.delete(v.csr);
    const created = creationMs(csr);
    this.decide({ outcome: 'approved', verdict: v, ...(created !== undefined ? { latencyMs: Math.max(0, this.now().getTime() - created) } : {}) });
  }

  /** Reports a refusal once per CSR and rule; denies it when the verdict says so. */
  private report(csr: V1CertificateSigningRequest, v: Extract<CsrVerdict, { action: 'leave' | 'deny' }>): void {
    if (this.reported.get(v.csr) === v.rule) return;
    this.reported.set(v.csr, v.rule);
    if (notOurs(csr, v, this.o.identities)) {
      this.decide({ outcome: 'ignored', verdict: v });
      return;
    }
    if (v.action !== 'deny' || v.host === undefined) {
      this.decide({ outcome: 'left', verdict: v });
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

  private recheckAfter(ms: number): void {
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
    this.settle = { timer, done, fire };
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
    const clientApprovedHosts = new Set(this.clientApproved);
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
 * Not fleetboot's, so no stranger: other signers; a node renewing its own client certificate
 * (requester `system:node:X` for CN `system:node:X`: kube-controller-manager approves those); and
 * CSRs of nodes outside the inventory that name none of its hosts' names or addresses.
 */
function notOurs(csr: V1CertificateSigningRequest, v: Extract<CsrVerdict, { action: 'leave' | 'deny' }>, identities: ReadonlyMap<string, NodeIdentity>): boolean {
  if (v.rule === 'signer') return true;
  const c = asRuleCsr(csr);
  const user = csr.spec?.username ?? '';
  if (v.kind === 'client' && v.rule === 'requester' && c && user.startsWith(NODE_USER_PREFIX) && claimedNodeNames(c).includes(user.slice(NODE_USER_PREFIX.length))) return true;
  if (v.host !== undefined) return false;
  for (const id of identities.values()) if (namesHostAddresses(csr, id)) return false;
  return true;
}
