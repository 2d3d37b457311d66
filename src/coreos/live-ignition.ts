// The per-host live Ignition: what the live ISO's Ignition applies when the host boots it.
// It lets fleetboot in (the `core` user's authorized keys), tells fleetboot whom it is talking to
// (the host key fleetboot generated, under /etc/ssh), and optionally sets static networking
// (NetworkManager keyfiles). Every file is a `data:` URL, so the initramfs needs no network.
//
// Spec version: 3.2.0 by default. RHCOS 4.14+ (Ignition 2.16) accepts 3.0.0-3.4.0; 3.2.0 has
// been stable since Ignition 2.7.0 (2020-10, coreos/ignition docs/release-notes.md), so the
// same config also boots older RHCOS 4.6+ ISOs, and nothing here needs a newer spec.

import { parseDataUrl, toDataUrl } from './data-url.js';
import { ignitionDigest } from './ignition-digest.js';
import { checkIgnitionConfig } from './ignition-schema.js';
import { keyfilePath, renderKeyfile, type LiveNetworkInterface } from './live-network.js';

export type LiveSpecVersion = '3.2.0' | '3.3.0' | '3.4.0';

export interface LiveIgnitionInput {
  /** The run's public key line(s) for `core` ("ssh-ed25519 AAAA... comment"). At least one. */
  authorizedKeys: readonly string[];
  /** The host key fleetboot generated for this host (see host-keys.ts). */
  hostKey: { privateKey: string; publicKey: string };
  network?: readonly LiveNetworkInterface[];
  specVersion?: LiveSpecVersion;
}

export interface LiveIgnition {
  config: Record<string, unknown>;
  /** The exact bytes to serve and embed (compact JSON). */
  bytes: Buffer;
  /** `sha512-<hex>` of `bytes`. */
  digest: string;
  /**
   * Strings to register with the run's SecretSet before the config or its bytes go anywhere
   * near an event: the host private key as text and as it appears inside the config (base64).
   */
  secrets: string[];
}

export const HOST_KEY_PATH = '/etc/ssh/ssh_host_ed25519_key';

export class LiveIgnitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveIgnitionError';
  }
}

function file(path: string, mode: number, content: string): Record<string, unknown> {
  return { path, mode, overwrite: true, contents: { source: toDataUrl(content) } }; // owner: root, Ignition's default
}

/**
 * Builds, renders and checks the live Ignition. Throws a LiveIgnitionError (one line per
 * problem, joined with '; ') when the result would not pass its own check: nothing invalid is
 * ever served.
 */
export function buildLiveIgnition(input: LiveIgnitionInput): LiveIgnition {
  const keys = input.authorizedKeys.map((k) => k.trim()).filter((k) => k !== '');
  if (keys.length === 0) throw new LiveIgnitionError('live ignition needs at least one authorized key for core (the run\'s SSH public key)');
  const priv = input.hostKey.privateKey.endsWith('\n') ? input.hostKey.privateKey : `${input.hostKey.privateKey}\n`;
  const privFile = file(HOST_KEY_PATH, 0o600, priv);
  const files = [
    // sshd refuses private host keys readable by others; the .pub is world-readable as usual.
    privFile,
    file(`${HOST_KEY_PATH}.pub`, 0o644, `${input.hostKey.publicKey.trim()}\n`),
    // NetworkManager ignores keyfiles that others can read.
    ...(input.network ?? []).map((net) => file(keyfilePath(net), 0o600, renderKeyfile(net))),
  ];
  const config: Record<string, unknown> = {
    ignition: { version: input.specVersion ?? '3.2.0' },
    passwd: { users: [{ name: 'core', sshAuthorizedKeys: keys }] },
    storage: { files },
  };
  const check = checkIgnitionConfig(config);
  if (check.errors.length > 0) throw new LiveIgnitionError(`live ignition failed its check: ${check.errors.join('; ')}`);
  const bytes = Buffer.from(JSON.stringify(config), 'utf8');
  const source = (privFile['contents'] as { source: string }).source;
  return { config, bytes, digest: ignitionDigest(bytes), secrets: [input.hostKey.privateKey.trim(), source, source.slice(source.indexOf(',') + 1)] };
}

export interface LiveIgnitionContents {
  authorizedKeys: string[];
  /** The host private key written to /etc/ssh/ssh_host_ed25519_key, if the config has one. */
  hostPrivateKey?: string;
  /** Every storage file with a `data:` source, decoded. */
  files: Map<string, { mode?: number; data: Buffer }>;
}

/**
 * Reads back what a live Ignition gives the live system (the `core` user's keys, the host key,
 * the files): for the lab's live system, which takes its keys from the config embedded in the
 * ISO it booted, and for tests. Throws when the bytes are not an Ignition config.
 */
export function readLiveIgnition(bytes: Buffer | string): LiveIgnitionContents {
  const value: unknown = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  if (typeof value !== 'object' || value === null || !('ignition' in value)) throw new LiveIgnitionError('not an Ignition config: no "ignition" key');
  const cfg = value as { passwd?: { users?: Array<{ name?: unknown; sshAuthorizedKeys?: unknown }> }; storage?: { files?: Array<{ path?: unknown; mode?: unknown; contents?: { source?: unknown } }> } };
  const core = (cfg.passwd?.users ?? []).find((u) => u.name === 'core');
  const authorizedKeys = Array.isArray(core?.sshAuthorizedKeys) ? core.sshAuthorizedKeys.filter((k): k is string => typeof k === 'string') : [];
  const files = new Map<string, { mode?: number; data: Buffer }>();
  for (const f of cfg.storage?.files ?? []) {
    const source = f.contents?.source;
    if (typeof f.path !== 'string' || typeof source !== 'string' || !source.startsWith('data:')) continue;
    files.set(f.path, { ...(typeof f.mode === 'number' ? { mode: f.mode } : {}), data: parseDataUrl(source).data });
  }
  const key = files.get(HOST_KEY_PATH);
  return { authorizedKeys, ...(key ? { hostPrivateKey: key.data.toString('utf8') } : {}), files };
}
