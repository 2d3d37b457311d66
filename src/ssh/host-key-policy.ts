// Whether to trust the host key a server presents: a pure decision from the target's policy,
// its pinned key, and the parsed known_hosts file. Nothing here is ever accepted silently:
// a new key is accepted only under `accept-new`, and then it is recorded.

import { createHash } from 'node:crypto';
import { hostString, knownHostsLine, lookupHostKey, type KnownHostEntry } from './known-hosts.js';
import type { SshTarget } from './types.js';

export type HostKeyDecision =
  | { accept: true; reason: 'known' | 'pinned' }
  /** Accepted under accept-new: `line` must be appended to the known_hosts file. */
  | { accept: true; reason: 'new'; line: string }
  | { accept: false; message: string };

/** The presented key: its type (`ssh-ed25519`) and blob as base64. */
export interface PresentedKey {
  keyType: string;
  keyBase64: string;
}

type PolicyTarget = Pick<SshTarget, 'address' | 'port' | 'knownHostsFile' | 'hostKeyPolicy' | 'pinnedHostKey'>;

/** OpenSSH's fingerprint: `SHA256:` and the unpadded base64 SHA-256 of the key blob. */
export function fingerprintSha256(keyBase64: string): string {
  const digest = createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The short name OpenSSH prints for a key type (`ED25519`, `ECDSA`, `RSA`). */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  return keyType;
}

/** Splits a pinned key (`ssh-ed25519 AAAA... [comment]`) into type and base64. */
export function parsePinnedKey(pinned: string): PresentedKey | undefined {
  const [keyType, keyBase64] = pinned.trim().split(/\s+/);
  if (!keyType || !keyBase64) return undefined;
  return { keyType, keyBase64: Buffer.from(keyBase64, 'base64').toString('base64') };
}

export function decideHostKey(
  target: PolicyTarget,
  entries: readonly KnownHostEntry[],
  key: PresentedKey,
): HostKeyDecision {
  const host = hostString(target.address, target.port);
  const file = target.knownHostsFile;
  const fp = fingerprintSha256(key.keyBase64);
  const label = keyTypeLabel(key.keyType);
  const found = lookupHostKey(entries, host, key.keyType, key.keyBase64);

  // A revoked key stays refused even when pinned: revocation is the stronger statement.
  if (found.status === 'revoked') {
    return {
      accept: false,
      message: `host key ${label} ${fp} is marked @revoked in ${file}:${found.line}; refusing to connect (the host must get a new key)`,
    };
  }
  if (target.pinnedHostKey !== undefined) {
    const pinned = parsePinnedKey(target.pinnedHostKey);
    if (pinned && pinned.keyType === key.keyType && pinned.keyBase64 === Buffer.from(key.keyBase64, 'base64').toString('base64')) {
      return { accept: true, reason: 'pinned' };
    }
    const pinnedFp = pinned ? `${keyTypeLabel(pinned.keyType)} ${fingerprintSha256(pinned.keyBase64)}` : 'an unreadable key';
    return {
      accept: false,
      message: `host key does not match the pinned key (fleetboot_host_key): server offered ${label} ${fp}, pinned is ${pinnedFp}; if the host was reinstalled, update fleetboot_host_key`,
    };
  }
  if (found.status === 'match') return { accept: true, reason: 'known' };
  if (found.status === 'mismatch') {
    return {
      accept: false,
      message:
        `REMOTE HOST IDENTIFICATION HAS CHANGED: server offered ${label} ${fp}, but ${file}:${found.line} has another ${label} key for ${host}; ` +
        `this may be an attack or a reinstalled host: if expected, remove the old key (ssh-keygen -R '${host}' -f ${file}) and connect again`,
    };
  }
  if (target.hostKeyPolicy === 'accept-new') {
    return { accept: true, reason: 'new', line: knownHostsLine(host, key.keyType, key.keyBase64) };
  }
  const scan = target.port === 22 ? `ssh-keyscan ${target.address}` : `ssh-keyscan -p ${target.port} ${target.address}`;
  return {
    accept: false,
    message:
      `host key not known: no ${label} key for ${host} in ${file} (server offered ${fp}); ` +
      `check that fingerprint, then add the key (${scan} >> ${file}) or set fleetboot_host_key_policy: accept-new`,
  };
}

/** ssh2's host key algorithms, in its default order. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : HOST_KEY_ALGORITHMS.filter((a) => a === keyType);
}

/**
 * Host key algorithms to offer, those of already known (or pinned) key types first, as OpenSSH
 * orders them: so a server with several keys presents the one on record rather than a new one.
 */
export function preferredHostKeyAlgorithms(preferredKeyTypes: readonly string[]): string[] {
  const first = preferredKeyTypes.flatMap(algorithmsForKeyType);
  return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
}
