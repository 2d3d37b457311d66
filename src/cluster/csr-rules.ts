// fleetboot's CSR rules (../shared/reference/csr-rules.md, section 5) as pure functions: a CSR as
// the API returns it and what the caller knows (inventory identities, Nodes, this attempt's
// approvals and install start times, the other pending bootstrap CSRs) in, a verdict out.
// Decisions rest on the PKCS#10 (parsed and its signature verified here) and on the requester
// fields the API server sets; never on the CSR's name, labels or annotations. The caller acts.

import { asciiLower, canonicalIp } from './node-identity.js';
import { commonNames, parseCsrRequest, show, verifyCsrSignature, type ParsedCsr } from './csr-parse.js';
import {
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  NODE_BOOTSTRAPPER,
  NODE_BOOTSTRAPPER_GROUPS,
  NODE_GROUPS,
  NODE_USER_PREFIX,
  NODES_ORGANIZATION,
  type CertificateSigningRequest,
  type CsrApproveVerdict,
  type CsrKind,
  type CsrRefuseVerdict,
  type CsrRuleId,
  type CsrVerdict,
  type NodeIdentity,
} from './types.js';

/** Clock skew allowed between the API server and fleetboot around a host's install start. */
export const CLOCK_SKEW_MS = 10_000;
/** How long after a host's install began its bootstrap client CSR may be approved. */
export const CLIENT_WINDOW_MS = 2 * 60 * 60 * 1000;
/** Ceiling for `spec.expirationSeconds` on a serving CSR (kubelet-csr-approver's, 367 days). */
export const MAX_EXPIRATION_SECONDS = 367 * 24 * 60 * 60;

const USAGE_DS = 'digital signature';
const USAGE_KE = 'key encipherment';
const CLIENT_USAGE_SETS: readonly (readonly string[])[] = [
  [USAGE_DS, USAGE_KE, 'client auth'],
  [USAGE_DS, 'client auth'],
];
const SERVING_USAGE_SETS: readonly (readonly string[])[] = [
  [USAGE_DS, USAGE_KE, 'server auth'],
  [USAGE_DS, 'server auth'],
];

/** What the rules need besides the CSR; everything keyed as noted. */
export interface CsrRulesContext {
  /** The inventory's node identities, by node name (`indexNodeIdentities`). */
  identities: ReadonlyMap<string, NodeIdentity>;
  /** Names of the Nodes that exist in the cluster. */
  existingNodes: ReadonlySet<string>;
  /** Inventory hostnames whose client CSR fleetboot approved in this install attempt. */
  clientApprovedHosts: ReadonlySet<string>;
  /**
   * When each host's install began in this attempt, by inventory hostname. A host without an
   * entry gets no client CSR approved (the long-running approver passes its own start time
   * for hosts it is told are being installed).
   */
  installStartByHost: ReadonlyMap<string, Date>;
  /** The client-signer CSRs currently pending (the judged one may be among them). */
  pendingClientCsrs: readonly CertificateSigningRequest[];
  now: Date;
  /** The operator asks to deny, not leave, the CSRs that claim an inventory node and fail. */
  deny: boolean;
}

/** The kind of a CSR by its signer. */
export function csrKind(csr: CertificateSigningRequest): CsrKind {
  if (csr.spec.signerName === KUBELET_CLIENT_SIGNER) return 'client';
  if (csr.spec.signerName === KUBELET_SERVING_SIGNER) return 'serving';
  return 'other';
}

/** True while no Approved, Denied or Failed condition and no certificate is there. */
export function isPending(csr: CertificateSigningRequest): boolean {
  if (csr.status?.certificate) return false;
  return !(csr.status?.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied' || c.type === 'Failed');
}

/** Judges any CSR: the two kubelet signers by their rules, anything else is left alone. */
export async function judgeCsr(csr: CertificateSigningRequest, ctx: CsrRulesContext): Promise<CsrVerdict> {
  switch (csrKind(csr)) {
    case 'client':
      return judgeClientCsr(csr, ctx);
    case 'serving':
      return judgeServingCsr(csr, ctx);
    default:
      return {
        action: 'leave',
        csr: csr.metadata.name,
        kind: 'other',
        rule: 'signer',
        reason: `signer ${show(String(csr.spec.signerName))} is not a kubelet signer: not fleetboot's to judge`,
      };
  }
}

/** Rules for a bootstrap client CSR (signer kube-apiserver-client-kubelet). */
export async function judgeClientCsr(csr: CertificateSigningRequest, ctx: CsrRulesContext): Promise<CsrVerdict> {
  const name = csr.metadata.name;
  const parsed = parseCsrRequest(csr.spec.request);
  const claimed = parsed.ok ? claimedInventoryNode(parsed.csr, ctx) : undefined;
  const refuse = (
    rule: CsrRuleId,
    reason: string,
    extra: { host?: string; nodeName?: string; others?: string[] } = {},
    evidence: 'against-csr' | 'none' = 'against-csr',
  ): CsrVerdict => {
    const id = extra.nodeName !== undefined ? ctx.identities.get(extra.nodeName) : claimed;
    const about = id ? { host: id.host, nodeName: id.nodeName } : {};
    const deniable = ctx.deny && id !== undefined && evidence === 'against-csr' && !NEVER_DENIED.has(rule);
    return { action: deniable ? 'deny' : 'leave', csr: name, kind: 'client', rule, reason: `client CSR: ${reason}`, ...about, ...extra };
  };

  if (csr.spec.signerName !== KUBELET_CLIENT_SIGNER) return refuse('signer', `signer ${show(String(csr.spec.signerName))} is not ${KUBELET_CLIENT_SIGNER}`);
  if (!isPending(csr)) return refuse('not-pending', 'already approved, denied, failed or issued');
  if (csr.spec.username !== NODE_BOOTSTRAPPER) {
    return refuse('requester', `requested by ${show(String(csr.spec.username ?? ''))}, not the node-bootstrapper: not fleetboot's to judge`);
  }
  if (!sameSet(csr.spec.groups ?? [], NODE_BOOTSTRAPPER_GROUPS)) {
    return refuse('groups', `groups ${showList(csr.spec.groups ?? [])} are not exactly the node-bootstrapper's ${NODE_BOOTSTRAPPER_GROUPS.join(', ')}`);
  }
  const usages = checkUsages(csr.spec.usages ?? [], CLIENT_USAGE_SETS);
  if (usages) return refuse('usages', usages);
  if (!parsed.ok) return refuse('pem', parsed.reason);
  if (!(await verifyCsrSignature(parsed.csr))) return refuse('signature', `the PKCS#10 self-signature (${parsed.csr.publicKey}) does not verify`);
  const subject = checkSubject(parsed.csr);
  if (typeof subject !== 'string') return refuse('subject', subject.problem);
  if (parsed.csr.sanExtensions > 0 || parsed.csr.sans.length > 0) {
    return refuse('sans', `carries subject alternative names (${showSans(parsed.csr)}); a client CSR has none`);
  }
  const extensions = checkExtensions(parsed.csr, 'none');
  if (extensions) return refuse('extensions', extensions);

  const nodeName = subject;
  const id = ctx.identities.get(nodeName);
  if (!id) return refuse('unknown-node', unknownNodeReason(nodeName, ctx));
  const about = { host: id.host, nodeName };
  if (ctx.existingNodes.has(nodeName)) return refuse('node-exists', `Node ${nodeName} already exists: a new node cannot claim its name`, about);
  if (ctx.clientApprovedHosts.has(id.host)) {
    return refuse('already-approved', `a client CSR for node ${nodeName} was already approved in this install attempt`, about);
  }
  const start = ctx.installStartByHost.get(id.host);
  // Neither this nor a closed window says anything against the CSR itself: left, never denied.
  if (!start) return refuse('created-before-install', `fleetboot is not installing host ${id.host} in this run (no install start known)`, about, 'none');
  const created = creationTime(csr);
  if (created === undefined) return refuse('created-before-install', 'has no valid creationTimestamp', about);
  if (created < start.getTime() - CLOCK_SKEW_MS) {
    return refuse('created-before-install', `created ${iso(created)}, before host ${id.host}'s install began (${iso(start.getTime())})`, about);
  }
  if (created > start.getTime() + CLIENT_WINDOW_MS) {
    return refuse('too-old', `created ${iso(created)}, more than 2 h after host ${id.host}'s install began (${iso(start.getTime())})`, about);
  }
  if (ctx.now.getTime() > start.getTime() + CLIENT_WINDOW_MS) {
    return refuse('too-old', `the approval window for host ${id.host} closed 2 h after its install began (${iso(start.getTime())})`, about, 'none');
  }
  const others = rivalClaims(csr, nodeName, start.getTime() - CLOCK_SKEW_MS, ctx.pendingClientCsrs);
  if (others.length > 0) {
    return refuse(
      'duplicate-claim',
      `${others.length + 1} pending bootstrap CSRs claim node ${nodeName} (also ${others.slice(0, 3).map(show).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''}): someone else holds the bootstrap token; approving none`,
      { ...about, others },
    );
  }
  return { action: 'approve', csr: name, kind: 'client', host: id.host, nodeName, reason: `client CSR for node ${nodeName} (host ${id.host}): every rule holds` };
}

/** Rules for a kubelet serving CSR (signer kubelet-serving), first request and renewals alike. */
export async function judgeServingCsr(csr: CertificateSigningRequest, ctx: CsrRulesContext): Promise<CsrVerdict> {
  const name = csr.metadata.name;
  const username = String(csr.spec.username ?? '');
  const requesterNode = username.startsWith(NODE_USER_PREFIX) ? username.slice(NODE_USER_PREFIX.length) : undefined;
  const id = requesterNode !== undefined ? ctx.identities.get(requesterNode) : undefined;
  const about = id ? { host: id.host, nodeName: id.nodeName } : {};
  const refuse = (rule: CsrRuleId, reason: string): CsrVerdict => {
    const deniable = ctx.deny && id !== undefined && !NEVER_DENIED.has(rule);
    return { action: deniable ? 'deny' : 'leave', csr: name, kind: 'serving', rule, reason: `serving CSR: ${reason}`, ...about };
  };

  if (csr.spec.signerName !== KUBELET_SERVING_SIGNER) return refuse('signer', `signer ${show(String(csr.spec.signerName))} is not ${KUBELET_SERVING_SIGNER}`);
  if (!isPending(csr)) return refuse('not-pending', 'already approved, denied, failed or issued');
  if (requesterNode === undefined || requesterNode === '') {
    return refuse('requester', `requested by ${show(username)}, not a node (${NODE_USER_PREFIX}<name>): not fleetboot's to judge`);
  }
  if (!id) return refuse('unknown-node', unknownNodeReason(requesterNode, ctx));
  const groups = csr.spec.groups ?? [];
  const missing = NODE_GROUPS.filter((g) => !groups.includes(g));
  if (missing.length > 0) return refuse('groups', `requester's groups lack ${missing.join(' and ')}`);
  const usages = checkUsages(csr.spec.usages ?? [], SERVING_USAGE_SETS);
  if (usages) return refuse('usages', usages);
  const exp = csr.spec.expirationSeconds;
  if (exp !== undefined && exp !== null && !(Number.isInteger(exp) && exp <= MAX_EXPIRATION_SECONDS)) {
    return refuse('expiration', `expirationSeconds ${show(String(exp))} exceeds 367 days (${MAX_EXPIRATION_SECONDS})`);
  }
  const parsed = parseCsrRequest(csr.spec.request);
  if (!parsed.ok) return refuse('pem', parsed.reason);
  if (!(await verifyCsrSignature(parsed.csr))) return refuse('signature', `the PKCS#10 self-signature (${parsed.csr.publicKey}) does not verify`);
  const subject = checkSubject(parsed.csr);
  if (typeof subject !== 'string') return refuse('subject', subject.problem);
  if (subject !== requesterNode) return refuse('node-name', `CN names node ${show(subject)} but node ${show(requesterNode)} asks`);
  const sans = checkServingSans(parsed.csr, id);
  if (sans) return refuse('sans', sans);
  const extensions = checkExtensions(parsed.csr, 'san');
  if (extensions) return refuse('extensions', extensions);
  if (!ctx.existingNodes.has(id.nodeName)) return refuse('node-exists', `Node ${id.nodeName} does not exist yet: a serving certificate follows registration`);
  return { action: 'approve', csr: name, kind: 'serving', host: id.host, nodeName: id.nodeName, reason: `serving CSR for node ${id.nodeName} (host ${id.host}): every rule holds` };
}

/** Failures that say the CSR is not about fleetboot's nodes, or not surely a stranger's: never denied. */
const NEVER_DENIED: ReadonlySet<CsrRuleId> = new Set<CsrRuleId>(['signer', 'not-pending', 'requester', 'unknown-node', 'duplicate-claim']);

/** The node name when the subject is exactly O=system:nodes and one CN `system:node:<name>`. */
function checkSubject(parsed: ParsedCsr): string | { problem: string } {
  const cns = commonNames(parsed);
  const os = parsed.subject.filter((a) => a.type === 'O').map((a) => a.value);
  const others = parsed.subject.filter((a) => a.type !== 'CN' && a.type !== 'O').map((a) => a.type);
  if (cns.length !== 1) return { problem: `subject has ${cns.length} CNs (${showList(cns)}); expected exactly one` };
  if (os.length !== 1 || os[0] !== NODES_ORGANIZATION) return { problem: `subject O is ${showList(os)}; expected exactly ${NODES_ORGANIZATION}` };
  if (others.length > 0) return { problem: `subject carries ${[...new Set(others)].map(show).join(', ')} besides CN and O` };
  const cn = cns[0] as string;
  if (!cn.startsWith(NODE_USER_PREFIX) || cn.length === NODE_USER_PREFIX.length) {
    return { problem: `CN ${show(cn)} is not ${NODE_USER_PREFIX}<node name>` };
  }
  return cn.slice(NODE_USER_PREFIX.length);
}

/** A reason when usages are duplicated or not one of the allowed sets (any order). */
function checkUsages(usages: readonly string[], sets: readonly (readonly string[])[]): string | undefined {
  if (new Set(usages).size !== usages.length) return `usages ${showList(usages)} repeat a value`;
  if (sets.some((set) => sameSet(usages, set))) return undefined;
  return `usages ${showList(usages)} are neither ${sets.map((s) => `[${s.join(', ')}]`).join(' nor ')}`;
}

/** A reason when extensions or attributes other than those allowed are present. */
function checkExtensions(parsed: ParsedCsr, allowed: 'none' | 'san'): string | undefined {
  if (parsed.unreadable) return parsed.unreadable;
  if (parsed.otherAttributes.length > 0) return `carries PKCS#10 attributes ${parsed.otherAttributes.join(', ')}; a kubelet sends none`;
  if (parsed.otherExtensions.length > 0) return `requests extensions ${parsed.otherExtensions.join(', ')}; a kubelet requests ${allowed === 'san' ? 'only subjectAltName' : 'none'}`;
  if (allowed === 'san' && parsed.sanExtensions > 1) return `holds ${parsed.sanExtensions} subjectAltName extensions; expected one`;
  return undefined;
}

/** A reason when a serving CSR's SANs are not all DNS names and IPs of the host itself. */
function checkServingSans(parsed: ParsedCsr, id: NodeIdentity): string | undefined {
  if (parsed.sans.length === 0) return 'carries no DNS or IP subject alternative name';
  const foreign = parsed.sans.find((s) => s.kind !== 'dns' && s.kind !== 'ip');
  if (foreign) return `carries a ${foreign.kind} SAN ${show(foreign.value)}; only DNS and IP SANs are allowed`;
  for (const san of parsed.sans) {
    if (san.kind === 'dns' && !id.dnsNames.includes(asciiLower(san.value))) {
      return `DNS SAN ${show(san.value)} is not a DNS name of host ${id.host} (node_name, node_dns_names, ansible_host)`;
    }
    if (san.kind === 'ip') {
      const ip = canonicalIp(san.value);
      if (ip === undefined || !id.ips.includes(ip)) return `IP SAN ${show(san.value)} is not an IP of host ${id.host} (node_ips, ansible_host)`;
    }
  }
  return undefined;
}

/** The inventory identity whose node a client CSR's subject claims (any of its CNs), if any. */
function claimedInventoryNode(parsed: ParsedCsr, ctx: CsrRulesContext): NodeIdentity | undefined {
  for (const cn of commonNames(parsed)) {
    if (!cn.startsWith(NODE_USER_PREFIX)) continue;
    const id = ctx.identities.get(cn.slice(NODE_USER_PREFIX.length));
    if (id) return id;
  }
  return undefined;
}

/** Why a node name is no inventory node, pointing at near misses an impostor would try. */
function unknownNodeReason(nodeName: string, ctx: CsrRulesContext): string {
  const lower = asciiLower(nodeName);
  for (const id of ctx.identities.values()) {
    if (asciiLower(id.nodeName) === lower) return `node ${show(nodeName)} differs from inventory node ${id.nodeName} in case: node names compare exactly`;
    if (id.dnsNames.includes(lower)) return `node ${show(nodeName)} is a DNS name of host ${id.host}, whose node name is ${id.nodeName}`;
    const ip = canonicalIp(nodeName);
    if (ip !== undefined && id.ips.includes(ip)) return `node ${show(nodeName)} is an IP of host ${id.host}, whose node name is ${id.nodeName}`;
  }
  return `node ${show(nodeName)} is not the node_name of any inventory host: not fleetboot's to judge`;
}

// A CSR's claimed node names, parsed once per object: floods of pending CSRs stay cheap.
const claimCache = new WeakMap<CertificateSigningRequest, string[]>();

/** The node names a CSR's CNs claim (`system:node:<name>`), without verifying anything. */
export function claimedNodeNames(csr: CertificateSigningRequest): string[] {
  const cached = claimCache.get(csr);
  if (cached) return cached;
  const parsed = parseCsrRequest(csr.spec.request);
  const names = parsed.ok
    ? commonNames(parsed.csr)
        .filter((cn) => cn.startsWith(NODE_USER_PREFIX))
        .map((cn) => cn.slice(NODE_USER_PREFIX.length))
    : [];
  claimCache.set(csr, names);
  return names;
}

/**
 * Names of the other pending bootstrap CSRs that claim `nodeName`, created since `since`
 * (older ones are left over from an earlier attempt and cannot be approved anyway).
 */
function rivalClaims(csr: CertificateSigningRequest, nodeName: string, since: number, pending: readonly CertificateSigningRequest[]): string[] {
  const names: string[] = [];
  for (const other of pending) {
    if (other === csr) continue;
    if (csr.metadata.uid !== undefined ? other.metadata.uid === csr.metadata.uid : other.metadata.name === csr.metadata.name) continue;
    if (other.spec.signerName !== KUBELET_CLIENT_SIGNER || other.spec.username !== NODE_BOOTSTRAPPER || !isPending(other)) continue;
    const created = creationTime(other);
    if (created !== undefined && created < since) continue;
    if (claimedNodeNames(other).includes(nodeName)) names.push(other.metadata.name);
  }
  return names;
}

function creationTime(csr: CertificateSigningRequest): number | undefined {
  const ts = csr.metadata.creationTimestamp;
  if (ts === undefined) return undefined;
  const ms = ts instanceof Date ? ts.getTime() : Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set(a).size === a.length && b.every((x) => a.includes(x));
}

function showList(values: readonly string[]): string {
  return `[${values.map(show).join(', ')}]`;
}

function showSans(parsed: ParsedCsr): string {
  const shown = parsed.sans.slice(0, 3).map((s) => `${s.kind} ${show(s.value)}`);
  if (parsed.sans.length > 3) shown.push(`${parsed.sans.length - 3} more`);
  return shown.length > 0 ? shown.join(', ') : 'an empty subjectAltName extension';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The verdict for a CSR the rules would approve but that was once seen claiming its node beside
 * another bootstrap CSR: fleetboot never picks one of two claims.
 */
export function contestedVerdict(v: CsrApproveVerdict): CsrRefuseVerdict {
  return {
    action: 'leave',
    csr: v.csr,
    kind: v.kind,
    host: v.host,
    nodeName: v.nodeName,
    rule: 'duplicate-claim',
    reason: `client CSR: another bootstrap CSR claimed node ${v.nodeName} beside it earlier: fleetboot will not pick one; approve the kubelet's own yourself after checking, or delete both and restart the kubelet`,
  };
}
