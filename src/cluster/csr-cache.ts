// What cluster.join and the approver read out of the informers' caches, as small pure helpers:
// which CSRs concern a node (by the name they claim, or by the host's addresses in their SANs),
// whether a Node is Ready and of which architecture, and the book of strangers a join reported.

import { parseCsrRequest } from './csr-parse.js';
import { claimedNodeNames, isPending } from './csr-rules.js';
import { canonicalIp, asciiLower } from './node-identity.js';
import type { V1CertificateSigningRequest, V1Node } from './kube-client.js';
import {
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  NODE_USER_PREFIX,
  type CertificateSigningRequest,
  type CsrRefuseVerdict,
  type CsrRuleId,
  type NodeIdentity,
} from './types.js';

/** A stranger as the result and the report list it: never the PEM. */
export interface StrangerEntry {
  name: string;
  rule: CsrRuleId;
  reason: string;
}

/**
 * The informer's model object as the rules read it. The same object (not a copy), so the rules'
 * per-object caches hold across calls; the rules accept `creationTimestamp` as a Date.
 */
export function asRuleCsr(csr: V1CertificateSigningRequest): CertificateSigningRequest | undefined {
  if (!csr.metadata?.name || typeof csr.spec?.request !== 'string') return undefined;
  return csr as unknown as CertificateSigningRequest;
}

export function csrName(csr: V1CertificateSigningRequest): string {
  return csr.metadata?.name ?? '';
}

/** Identifies one CSR across its versions (its uid; its name where the object has none). */
export function csrUid(csr: V1CertificateSigningRequest): string {
  return csr.metadata?.uid ?? csrName(csr);
}

/** Identifies one version of one CSR (a waiter wakes only for versions not yet judged). */
export function csrVersion(csr: V1CertificateSigningRequest): string {
  return `${csr.metadata?.uid ?? csrName(csr)}@${csr.metadata?.resourceVersion ?? ''}`;
}

export function creationMs(csr: V1CertificateSigningRequest): number | undefined {
  const ts = csr.metadata?.creationTimestamp as Date | string | undefined;
  if (ts === undefined) return undefined;
  const ms = ts instanceof Date ? ts.getTime() : Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

/** True for a CSR of the kubelet client signer that is still undecided. */
export function isPendingClient(csr: V1CertificateSigningRequest): boolean {
  const c = asRuleCsr(csr);
  return c !== undefined && c.spec.signerName === KUBELET_CLIENT_SIGNER && isPending(c);
}

export function isPendingServing(csr: V1CertificateSigningRequest): boolean {
  const c = asRuleCsr(csr);
  return c !== undefined && c.spec.signerName === KUBELET_SERVING_SIGNER && isPending(c);
}

/** True when the CSR names `nodeName` in its subject CN or is requested as that node. */
export function claimsNode(csr: V1CertificateSigningRequest, nodeName: string): boolean {
  if (csr.spec?.username === NODE_USER_PREFIX + nodeName) return true;
  const c = asRuleCsr(csr);
  return c !== undefined && claimedNodeNames(c).includes(nodeName);
}

// SANs parsed once per object: a join scans the serving CSRs of the whole cluster on each wake.
const sanCache = new WeakMap<V1CertificateSigningRequest, { dns: string[]; ips: string[] }>();

function sansOf(csr: V1CertificateSigningRequest): { dns: string[]; ips: string[] } {
  const cached = sanCache.get(csr);
  if (cached) return cached;
  const parsed = typeof csr.spec?.request === 'string' ? parseCsrRequest(csr.spec.request) : undefined;
  const out = { dns: [] as string[], ips: [] as string[] };
  if (parsed?.ok) {
    for (const san of parsed.csr.sans) {
      if (san.kind === 'dns') out.dns.push(asciiLower(san.value));
      if (san.kind === 'ip') out.ips.push(canonicalIp(san.value) ?? san.value);
    }
  }
  sanCache.set(csr, out);
  return out;
}

/** True when a CSR asks for one of the host's DNS names or IPs (whoever requested it). */
export function namesHostAddresses(csr: V1CertificateSigningRequest, id: NodeIdentity): boolean {
  const sans = sansOf(csr);
  return sans.dns.some((d) => id.dnsNames.includes(d)) || sans.ips.some((ip) => id.ips.includes(ip));
}

export function isApproved(csr: V1CertificateSigningRequest): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' && c.status === 'True');
}

export function nodeReady(node: V1Node | undefined): boolean {
  return node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export function nodeArchitecture(node: V1Node): string | undefined {
  return node.status?.nodeInfo?.architecture;
}

/** The CSRs a join refused, by name, with the rule each last failed. */
export class StrangerBook {
  private readonly byName = new Map<string, StrangerEntry>();

  /** Records a refusal; true when it is new or its rule changed (worth a warning). */
  record(v: CsrRefuseVerdict): boolean {
    const prev = this.byName.get(v.csr);
    this.byName.set(v.csr, { name: v.csr, rule: v.rule, reason: v.reason });
    return prev === undefined || prev.rule !== v.rule;
  }

  /** A CSR once refused and then approved (its rival went away) is no stranger. */
  forget(name: string): void {
    this.byName.delete(name);
  }

  list(): StrangerEntry[] {
    return [...this.byName.values()];
  }
}
