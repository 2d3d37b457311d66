// OpenSSH's known_hosts format, parsed and matched without I/O (sshd(8) "SSH_KNOWN_HOSTS FILE
// FORMAT"): `[marker] hostpatterns keytype base64key [comment]`, where hostpatterns is a comma
// list of names with `*`/`?` wildcards and `!` negation, `[host]:port` for other ports than 22,
// or one hashed name `|1|salt|hmac` (HMAC-SHA1 of the name, keyed with the salt).

import { createHmac, timingSafeEqual } from 'node:crypto';

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown' | 'revoked';

export type HostField =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  /** 1-based line number in the file, for messages. */
  line: number;
  /** `@revoked`: this key must never be accepted for the hosts it names. */
  revoked: boolean;
  hosts: HostField;
  keyType: string;
  /** The key blob, base64 as OpenSSH writes it. */
  keyBase64: string;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise; lower case. */
export function hostString(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * Parses a known_hosts file. Lines OpenSSH would not use are left out rather than fatal, as
 * OpenSSH does: comments, blank lines, `@cert-authority` (not supported here), unknown
 * markers, and malformed lines.
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const entry = parseLine(lines[i] ?? '', i + 1);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseLine(raw: string, line: number): KnownHostEntry | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const fields = text.split(/[ \t]+/);
  let revoked = false;
  if (fields[0]?.startsWith('@')) {
    const marker = fields.shift();
    if (marker !== '@revoked') return undefined; // @cert-authority or unknown: not a plain host key
    revoked = true;
  }
  const [hostsField, keyType, keyBase64] = fields;
  if (!hostsField || !keyType || !keyBase64) return undefined;
  const blob = decodeKeyBlob(keyBase64);
  if (!blob || keyTypeOfBlob(blob) !== keyType) return undefined; // also skips SSH1 "bits e n" lines
  const hosts = parseHostField(hostsField);
  if (!hosts) return undefined;
  return { line, revoked, hosts, keyType, keyBase64: blob.toString('base64') };
}

function parseHostField(field: string): HostField | undefined {
  if (!field.startsWith('|')) return { kind: 'patterns', patterns: field.split(',').filter((p) => p !== '') };
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return undefined;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const hash = Buffer.from(parts[3] ?? '', 'base64');
  if (salt.length !== 20 || hash.length !== 20) return undefined; // SHA-1 sizes
  return { kind: 'hashed', salt, hash };
}

/** Decodes a base64 key blob; undefined when it is not base64. */
export function decodeKeyBlob(keyBase64: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return undefined;
  const blob = Buffer.from(keyBase64, 'base64');
  return blob.length > 4 ? blob : undefined;
}

/** The key type named at the start of an SSH key blob (a uint32-length string), if well formed. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  const type = blob.toString('latin1', 4, 4 + len);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** Whether an entry's host field names `host` (as built by `hostString`). */
export function entryMatchesHost(entry: KnownHostEntry, host: string): boolean {
  const name = host.toLowerCase();
  if (entry.hosts.kind === 'hashed') {
    const mac = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return timingSafeEqual(mac, entry.hosts.hash);
  }
  let matched = false;
  for (const pattern of entry.hosts.patterns) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false; // a negated match rules the host out whatever else matches
    matched = true;
  }
  return matched;
}

const globs = new Map<string, RegExp>();

function globMatches(pattern: string, name: string): boolean {
  // Most entries are plain names: compare them directly (at 1,000 hosts, every connect scans
  // every entry, so building a RegExp per entry per connect adds up).
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern.toLowerCase() === name;
  let re = globs.get(pattern);
  if (re) return re.test(name);
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  re = new RegExp(`^${source}$`, 's');
  globs.set(pattern, re);
  return re.test(name);
}

export interface HostKeyLookup {
  status: HostKeyStatus;
  /** The line that decided: the revoked line, the matching line, or the differing key's line. */
  line?: number;
}

/**
 * Looks the presented key up as OpenSSH does: a revoked entry for it wins; then a known entry
 * with the same key is a match; a known entry of the same type with another key is a mismatch;
 * anything else (no entry, or keys of other types only) is unknown.
 */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  keyType: string,
  keyBase64: string,
): HostKeyLookup {
  const key = normalizeBase64(keyBase64);
  const forHost = entries.filter((e) => entryMatchesHost(e, host));
  const revoked = forHost.find((e) => e.revoked && e.keyBase64 === key);
  if (revoked) return { status: 'revoked', line: revoked.line };
  const known = forHost.filter((e) => !e.revoked && e.keyType === keyType);
  const same = known.find((e) => e.keyBase64 === key);
  if (same) return { status: 'match', line: same.line };
  if (known[0]) return { status: 'mismatch', line: known[0].line };
  return { status: 'unknown' };
}

export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  keyType: string,
  keyBase64: string,
): HostKeyStatus {
  return lookupHostKey(entries, host, keyType, keyBase64).status;
}

/** Key types known (not revoked) for a host, so the client can ask for those first as OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string): string[] {
  const types = new Set<string>();
  for (const e of entries) if (!e.revoked && entryMatchesHost(e, host)) types.add(e.keyType);
  return [...types];
}

/** The line accept-new appends: plain (unhashed) host name, type, key. */
export function knownHostsLine(host: string, keyType: string, keyBase64: string): string {
  return `${host} ${keyType} ${normalizeBase64(keyBase64)}`;
}

function normalizeBase64(b64: string): string {
  return Buffer.from(b64, 'base64').toString('base64');
}
