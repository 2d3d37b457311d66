// A node's identity from its inventory host: the name its kubelet registers and the DNS names and
// IPs its serving certificate may carry. Only `node_name`, `node_dns_names`, `node_ips` and
// `ansible_host` count; a BMC address never does (it is the management controller, not the node).

import { isIP } from 'node:net';
import { ExitCode, FleetbootError } from '../core/errors.js';
import type { NodeIdentity } from './types.js';

/** A bad identity field in the inventory: `<host>: <field>: <what>`. */
export class NodeIdentityError extends FleetbootError {
  readonly host: string;
  readonly field: string;
  constructor(host: string, field: string, what: string) {
    super(`${host}: ${field}: ${what}`, ExitCode.PARSE_ERROR);
    this.host = host;
    this.field = field;
  }
}

// RFC 1123 DNS subdomain as Kubernetes validates node names: lowercase, at most 253 characters.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

/** ASCII-only lowercase: Unicode case folding would turn a Kelvin sign into `k`. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * The canonical text of an IP address (IPv4 dotted, IPv6 compressed and lowercase), or
 * undefined when `s` is not a plain IP address (prefix lengths and zone ids are not).
 */
export function canonicalIp(s: string): string | undefined {
  const family = isIP(s);
  if (family === 4) return s;
  if (family !== 6 || s.includes('%')) return undefined;
  // The WHATWG URL parser writes IPv6 hosts in RFC 5952 form.
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** True when `s` is a DNS name fleetboot accepts in the inventory (LDH labels, no trailing dot). */
export function isDnsName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  if (isIP(s) !== 0) return false;
  return s.split('.').every((label) => DNS_LABEL.test(label));
}

/**
 * Builds a host's NodeIdentity from its name and (merged) variables. Throws NodeIdentityError,
 * one line naming the host and the field, on anything it cannot use.
 */
export function nodeIdentityFromVars(host: string, vars: Readonly<Record<string, unknown>>): NodeIdentity {
  const fail = (field: string, what: string): never => {
    throw new NodeIdentityError(host, field, what);
  };

  let nodeName = host;
  const nn = vars.node_name;
  if (nn !== undefined && nn !== null) {
    if (typeof nn !== 'string' || nn === '') fail('node_name', 'expected a non-empty string');
    nodeName = nn as string;
  }
  const nodeNameField = nn === undefined || nn === null ? 'node_name (default: the inventory hostname)' : 'node_name';
  if (nodeName.length > 253 || !NODE_NAME.test(nodeName)) {
    const lower = asciiLower(nodeName);
    const hint =
      lower !== nodeName && NODE_NAME.test(lower)
        ? `Kubernetes node names are lowercase: set node_name: ${lower}`
        : 'a Kubernetes node name is lowercase letters, digits, - and . (set node_name)';
    fail(nodeNameField, `${JSON.stringify(nodeName)} is not a valid node name (${hint})`);
  }

  const dnsNames: string[] = [];
  const ips: string[] = [];
  const addDns = (name: string): void => {
    const lower = asciiLower(name);
    if (!dnsNames.includes(lower)) dnsNames.push(lower);
  };
  const addIp = (ip: string): void => {
    if (!ips.includes(ip)) ips.push(ip);
  };

  // A kubelet puts a hostname that is an IP among its IP SANs, so such a node_name is no DNS name.
  if (isIP(nodeName) === 0) addDns(nodeName);

  for (const [i, item] of listField(host, vars, 'node_dns_names').entries()) {
    const field = `node_dns_names[${i}]`;
    if (typeof item !== 'string' || !isDnsName(item)) {
      const why = typeof item === 'string' && item.endsWith('.') ? ' (write it without the trailing dot)' : '';
      fail(field, `${JSON.stringify(item)} is not a DNS name${why}`);
    }
    addDns(item as string);
  }

  for (const [i, item] of listField(host, vars, 'node_ips').entries()) {
    const field = `node_ips[${i}]`;
    const ip = typeof item === 'string' ? canonicalIp(item) : undefined;
    if (ip === undefined) fail(field, `${JSON.stringify(item)} is not an IP address (plain IPv4 or IPv6, no prefix length or zone)`);
    addIp(ip as string);
  }

  const ah = vars.ansible_host;
  if (ah !== undefined && ah !== null) {
    if (typeof ah !== 'string' || ah === '') fail('ansible_host', 'expected a non-empty string');
    const text = ah as string;
    const ip = canonicalIp(text);
    if (ip !== undefined) addIp(ip);
    else if (isDnsName(text)) addDns(text);
    else fail('ansible_host', `${JSON.stringify(text)} is neither an IP address nor a DNS name`);
  }

  const identity: NodeIdentity = { host, nodeName, dnsNames, ips };
  const bmcAddress = readBmcAddress(vars.bmc);
  if (bmcAddress !== undefined) {
    identity.bmcAddress = bmcAddress;
    if (ips.includes(bmcAddress) || dnsNames.includes(bmcAddress)) {
      fail(
        ah !== undefined && (canonicalIp(String(ah)) ?? asciiLower(String(ah))) === bmcAddress ? 'ansible_host' : 'node_ips',
        `${bmcAddress} is the host's BMC address (bmc.address); a BMC address never counts as the node's`,
      );
    }
  }
  return identity;
}

/**
 * Indexes identities by node name, refusing an inventory where two hosts share a node name, a DNS
 * name or an IP, or where one host's address is another's BMC: either would let one node obtain
 * a certificate for the other.
 */
export function indexNodeIdentities(identities: readonly NodeIdentity[]): Map<string, NodeIdentity> {
  const byName = new Map<string, NodeIdentity>();
  const owners = new Map<string, { host: string; field: string }>();
  const bmcOwners = new Map<string, string>();
  for (const id of identities) if (id.bmcAddress !== undefined) bmcOwners.set(id.bmcAddress, id.host);

  const claim = (id: NodeIdentity, kind: 'dns' | 'ip', value: string, field: string): void => {
    const key = `${kind}:${value}`;
    const prev = owners.get(key);
    if (prev && prev.host !== id.host) {
      throw new NodeIdentityError(id.host, field, `${value} is also ${prev.host}'s (${prev.field}): give each host its own`);
    }
    owners.set(key, { host: id.host, field });
  };
  for (const id of identities) {
    const prev = byName.get(id.nodeName);
    if (prev) throw new NodeIdentityError(id.host, 'node_name', `${id.nodeName} is also the node name of ${prev.host}: give each host its own`);
    byName.set(id.nodeName, id);
    for (const dns of id.dnsNames) claim(id, 'dns', dns, 'node_name/node_dns_names/ansible_host');
    for (const ip of id.ips) {
      claim(id, 'ip', ip, 'node_ips/ansible_host');
      const bmcOf = bmcOwners.get(ip);
      if (bmcOf !== undefined) throw new NodeIdentityError(id.host, 'node_ips', `${ip} is the BMC address of ${bmcOf}; a BMC address never counts as a node's`);
    }
  }
  return byName;
}

function listField(host: string, vars: Readonly<Record<string, unknown>>, field: string): unknown[] {
  const v = vars[field];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) throw new NodeIdentityError(host, field, 'expected a list of strings');
  return v as unknown[];
}

function readBmcAddress(bmc: unknown): string | undefined {
  if (typeof bmc !== 'object' || bmc === null) return undefined;
  const address = (bmc as Record<string, unknown>).address;
  if (typeof address !== 'string' || address === '') return undefined;
  return canonicalIp(address) ?? asciiLower(address);
}
