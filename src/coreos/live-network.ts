// Static networking for the live system, from the inventory variable `live_network`, written as
// NetworkManager keyfiles (nm-settings-keyfile(5)) under /etc/NetworkManager/system-connections/
// — the directory coreos-installer's --copy-network copies to the installed system.
//
//   live_network:
//     - interface: eno1                # or mac: 52:54:00:aa:bb:cc (one of the two, or both)
//       name: provisioning             # optional connection/file name (default fleetboot-<iface|mac>)
//       ipv4: { address: 192.0.2.10, prefix: 24, gateway: 192.0.2.1 }   # or dhcp | disabled (default dhcp)
//       ipv6: { address: "2001:db8::10", prefix: 64, gateway: "2001:db8::1" }  # or auto | dhcp | disabled (default auto)
//       dns: [192.0.2.53, "2001:db8::53"]
//       dns_search: [lab.example.com]
//       mtu: 9000

import { isIPv4, isIPv6 } from 'node:net';

export interface StaticAddress {
  address: string;
  prefix: number;
  gateway?: string;
}

export interface LiveNetworkInterface {
  /** Connection id and file name (without `.nmconnection`). */
  name: string;
  interface?: string;
  /** Lower-case, colon-separated. */
  mac?: string;
  ipv4: StaticAddress | 'dhcp' | 'disabled';
  ipv6: StaticAddress | 'auto' | 'dhcp' | 'disabled';
  dns: string[];
  dnsSearch: string[];
  mtu?: number;
}

export class LiveNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveNetworkError';
  }
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const KEYS = ['interface', 'mac', 'name', 'ipv4', 'ipv6', 'dns', 'dns_search', 'mtu'];
const IFNAME = /^[A-Za-z0-9_.:-]{1,15}$/; // the kernel's IFNAMSIZ (16 with the NUL)
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Reads and checks `live_network` (undefined or null: no static networking). Throws one
 * LiveNetworkError naming the first bad field, e.g. `live_network[0].ipv4.prefix: ...`.
 */
export function parseLiveNetwork(value: unknown, field = 'live_network'): LiveNetworkInterface[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new LiveNetworkError(`${field}: must be a list of interfaces, e.g. [{interface: eno1, ipv4: {address: 192.0.2.10, prefix: 24}}]`);
  const out = value.map((entry, i) => parseEntry(entry, `${field}[${i}]`));
  const names = new Set<string>();
  out.forEach((e, i) => {
    if (names.has(e.name)) throw new LiveNetworkError(`${field}[${i}].name: '${e.name}' is used twice; give each entry its own name`);
    names.add(e.name);
  });
  return out;
}

function fail(where: string, what: string): never {
  throw new LiveNetworkError(`${where}: ${what}`);
}

function parseEntry(entry: unknown, where: string): LiveNetworkInterface {
  if (!isObj(entry)) fail(where, 'must be a mapping with interface or mac');
  for (const k of Object.keys(entry)) if (!KEYS.includes(k)) fail(`${where}.${k}`, `unknown key (known: ${KEYS.join(', ')})`);
  const iface = entry['interface'];
  const macRaw = entry['mac'];
  if (iface === undefined && macRaw === undefined) fail(where, 'needs interface (e.g. eno1) or mac (e.g. 52:54:00:aa:bb:cc) to say which NIC');
  if (iface !== undefined && (typeof iface !== 'string' || !IFNAME.test(iface))) fail(`${where}.interface`, `'${String(iface)}' is not an interface name (1-15 of A-Z a-z 0-9 _ . : -)`);
  let mac: string | undefined;
  if (macRaw !== undefined) {
    mac = typeof macRaw === 'string' ? macRaw.toLowerCase().replace(/-/g, ':') : '';
    if (!MAC.test(mac)) fail(`${where}.mac`, `'${String(macRaw)}' is not a MAC address (six hex pairs: 52:54:00:aa:bb:cc)`);
  }
  const nameRaw = entry['name'];
  let name: string;
  if (nameRaw !== undefined) {
    if (typeof nameRaw !== 'string' || !NAME.test(nameRaw)) fail(`${where}.name`, `'${String(nameRaw)}' must be 1-64 of A-Z a-z 0-9 _ . -`);
    name = nameRaw;
  } else name = `fleetboot-${typeof iface === 'string' ? iface : mac!.replace(/:/g, '')}`;

  const ipv4 = parseFamily(entry['ipv4'], `${where}.ipv4`, 4);
  const ipv6 = parseFamily(entry['ipv6'], `${where}.ipv6`, 6);
  const dns = stringList(entry['dns'], `${where}.dns`);
  dns.forEach((d, j) => {
    if (!isIPv4(d) && !isIPv6(d)) fail(`${where}.dns[${j}]`, `'${d}' is not an IP address`);
    if (isIPv4(d) && ipv4 === 'disabled') fail(`${where}.dns[${j}]`, `IPv4 server '${d}' but ipv4 is disabled`);
    if (isIPv6(d) && ipv6 === 'disabled') fail(`${where}.dns[${j}]`, `IPv6 server '${d}' but ipv6 is disabled`);
  });
  const dnsSearch = stringList(entry['dns_search'], `${where}.dns_search`);
  dnsSearch.forEach((d, j) => {
    if (!DOMAIN.test(d)) fail(`${where}.dns_search[${j}]`, `'${d}' is not a domain name`);
  });
  const mtu = entry['mtu'];
  if (mtu !== undefined && (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 576 || mtu > 65536)) {
    fail(`${where}.mtu`, `'${String(mtu)}' must be a whole number from 576 to 65536`);
  }
  if (ipv4 === 'disabled' && ipv6 === 'disabled') fail(where, 'both ipv4 and ipv6 are disabled: the interface would have no address');
  return {
    name,
    ...(typeof iface === 'string' ? { interface: iface } : {}),
    ...(mac ? { mac } : {}),
    ipv4: ipv4 as LiveNetworkInterface['ipv4'],
    ipv6,
    dns,
    dnsSearch,
    ...(typeof mtu === 'number' ? { mtu } : {}),
  };
}

function stringList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(where, 'must be a list of strings');
  return v as string[];
}

function parseFamily(v: unknown, where: string, family: 4 | 6): StaticAddress | 'auto' | 'dhcp' | 'disabled' {
  const modes = family === 4 ? ['dhcp', 'disabled'] : ['auto', 'dhcp', 'disabled'];
  if (v === undefined || v === null) return family === 4 ? 'dhcp' : 'auto';
  if (typeof v === 'string') {
    if (modes.includes(v)) return v as 'auto' | 'dhcp' | 'disabled';
    fail(where, `'${v}' must be ${modes.join(', ')} or {address, prefix, gateway}`);
  }
  if (!isObj(v)) fail(where, `must be ${modes.join(', ')} or {address, prefix, gateway}`);
  for (const k of Object.keys(v)) if (!['address', 'prefix', 'gateway'].includes(k)) fail(`${where}.${k}`, 'unknown key (known: address, prefix, gateway)');
  const isIp = family === 4 ? isIPv4 : isIPv6;
  const address = v['address'];
  if (typeof address !== 'string' || !isIp(address)) fail(`${where}.address`, `'${String(address)}' is not an IPv${family} address`);
  const max = family === 4 ? 32 : 128;
  const prefix = v['prefix'];
  if (typeof prefix !== 'number' || !Number.isInteger(prefix) || prefix < 1 || prefix > max) {
    fail(`${where}.prefix`, `'${String(prefix)}' must be a whole number from 1 to ${max}`);
  }
  const gateway = v['gateway'];
  if (gateway !== undefined && (typeof gateway !== 'string' || !isIp(gateway))) fail(`${where}.gateway`, `'${String(gateway)}' is not an IPv${family} address`);
  if (typeof gateway === 'string' && gateway === address) fail(`${where}.gateway`, `'${gateway}' is the interface's own address`);
  return { address, prefix, ...(typeof gateway === 'string' ? { gateway } : {}) };
}

/** The keyfile path for an entry. */
export function keyfilePath(net: LiveNetworkInterface): string {
  return `/etc/NetworkManager/system-connections/${net.name}.nmconnection`;
}

/** The NetworkManager keyfile text for an entry. */
export function renderKeyfile(net: LiveNetworkInterface): string {
  const lines: string[] = ['[connection]', `id=${net.name}`, 'type=ethernet'];
  if (net.interface) lines.push(`interface-name=${net.interface}`);
  lines.push('autoconnect=true', '');
  lines.push('[ethernet]');
  if (net.mac) lines.push(`mac-address=${net.mac.toUpperCase()}`);
  if (net.mtu !== undefined) lines.push(`mtu=${net.mtu}`);
  lines.push('');
  const v4dns = net.dns.filter((d) => isIPv4(d));
  const v6dns = net.dns.filter((d) => isIPv6(d));
  lines.push(...familySection('ipv4', net.ipv4, v4dns, net.dnsSearch), '');
  lines.push(...familySection('ipv6', net.ipv6, v6dns, net.ipv4 === 'disabled' ? net.dnsSearch : []), '');
  return lines.join('\n');
}

function familySection(section: 'ipv4' | 'ipv6', mode: LiveNetworkInterface['ipv4'] | LiveNetworkInterface['ipv6'], dns: string[], search: string[]): string[] {
  const lines = [`[${section}]`];
  if (typeof mode === 'object') {
    lines.push('method=manual', `address1=${mode.address}/${mode.prefix}`);
    if (mode.gateway) lines.push(`gateway=${mode.gateway}`);
  } else if (mode === 'disabled') {
    lines.push('method=disabled');
    return lines;
  } else if (section === 'ipv4') lines.push('method=auto'); // NetworkManager's name for DHCP on IPv4
  else lines.push(`method=${mode}`); // auto (SLAAC, DHCPv6 as the router says) or dhcp (DHCPv6 only)
  if (dns.length > 0) lines.push(`dns=${dns.join(';')};`);
  if (search.length > 0) lines.push(`dns-search=${search.join(';')};`);
  return lines;
}
