// The SSH host key fleetboot makes for a host's live system: generated here, written into the
// live Ignition, and pinned so the first connection to the live system already knows it.
// The pin takes the two forms fleetboot's SSH layer reads (src/ssh/host-key-policy.ts,
// src/ssh/known-hosts.ts): `pinnedHostKey` ("ssh-ed25519 AAAA...", the `fleetboot_host_key`
// inventory variable, SshTarget.pinnedHostKey), and plain (unhashed) known_hosts lines, exactly
// as the accept-new policy appends them (`knownHostsLine(hostString(address, port), ...)`).
// The private key is a secret: callers register it with the run's SecretSet and never log it.

import ssh2 from 'ssh2';
import { fingerprintSha256 } from '../ssh/host-key-policy.js';
import { hostString, keyTypeOfBlob, knownHostsLine } from '../ssh/known-hosts.js';

export interface HostKeyPair {
  keyType: 'ssh-ed25519';
  /** OpenSSH private key file contents (`-----BEGIN OPENSSH PRIVATE KEY-----`). Secret. */
  privateKey: string;
  /** The `.pub` file line: `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
  /** The key blob, base64. */
  keyBase64: string;
  /** `SHA256:...`, as OpenSSH prints it. */
  fingerprint: string;
  /** `ssh-ed25519 AAAA...` (no comment): the value for SshTarget.pinnedHostKey / fleetboot_host_key. */
  pinnedHostKey: string;
}

export interface HostAddress {
  address: string;
  port?: number;
}

/**
 * A fresh ed25519 host key for `host` (named in the public key's comment). ssh2 1.17 writes a
 * malformed key when the public key starts with a zero byte (about one in 256; see
 * src/lab/keys.ts): such pairs are thrown away and another made.
 */
export function generateHostKey(host: string): HostKeyPair {
  const comment = `fleetboot-host-key:${host}`;
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const priv = ssh2.utils.parseKey(pair.private);
    const pub = ssh2.utils.parseKey(pair.public);
    if (priv instanceof Error || pub instanceof Error) continue;
    const blob = pub.getPublicSSH();
    if (blob.length !== 51 || keyTypeOfBlob(blob) !== 'ssh-ed25519') continue;
    const keyBase64 = blob.toString('base64');
    return {
      keyType: 'ssh-ed25519',
      privateKey: pair.private,
      publicKey: `ssh-ed25519 ${keyBase64} ${comment}`,
      keyBase64,
      fingerprint: fingerprintSha256(keyBase64),
      pinnedHostKey: `ssh-ed25519 ${keyBase64}`,
    };
  }
}

/**
 * known_hosts lines pinning the key for each address (port 22 unless given), in the plain
 * form fleetboot's SSH layer writes and matches: `<host> ssh-ed25519 <base64>`, where host is
 * `address` on port 22 and `[address]:port` otherwise.
 */
export function knownHostsLines(key: Pick<HostKeyPair, 'keyType' | 'keyBase64'>, addresses: readonly HostAddress[]): string[] {
  const lines = addresses.map((a) => knownHostsLine(hostString(a.address, a.port ?? 22), key.keyType, key.keyBase64));
  return [...new Set(lines)];
}

/** Whether a private key parses and belongs to the public key (for keys read back from a file). */
export function hostKeyMatches(privateKey: string, keyBase64: string): boolean {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) return false;
  return parsed.getPublicSSH().toString('base64') === keyBase64;
}
