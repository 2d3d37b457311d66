// What system a lab host runs after a boot, from the Ignition it booted with: the logins (each
// user's authorized keys), the SSH host key, and the files Ignition writes. For a live boot the
// Ignition is the one embedded in the ISO bytes the BMC actually read (through its Range reader);
// for a disk boot, the one coreos-installer wrote. No config, a config without keys, or an
// unreadable image all mean a system nobody can log in to, as on a real machine.

import type { ByteSource } from '../coreos/byte-source.js';
import { parseDataUrl } from '../coreos/data-url.js';
import { embeddedIgnition, readIsoIgnition } from '../coreos/iso-ignition.js';

export interface IgnitionFile {
  path: string;
  mode: number;
  data: Buffer;
}

/** The parts of an Ignition config the lab's systems apply. */
export interface SystemSpec {
  /** User name → authorized key lines. */
  logins: Map<string, string[]>;
  /** The private SSH host key Ignition wrote to /etc/ssh/ssh_host_ed25519_key, if any. */
  hostKey?: string;
  files: IgnitionFile[];
  /** Why nobody will get in, when that is so (one line). */
  problem?: string;
}

export const HOST_KEY_FILE = '/etc/ssh/ssh_host_ed25519_key';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads an Ignition config's users and files; never throws (a bad config is a system with a problem). */
export function systemFromIgnition(bytes: Buffer | undefined): SystemSpec {
  const logins = new Map<string, string[]>();
  if (!bytes) return { logins, files: [], problem: 'no Ignition config: no authorized keys' };
  let config: unknown;
  try {
    config = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { logins, files: [], problem: 'the Ignition config is not JSON: Ignition failed, the boot stopped' };
  }
  if (!isObj(config)) return { logins, files: [], problem: 'the Ignition config is not an object' };
  const passwd = isObj(config.passwd) ? config.passwd : {};
  for (const u of Array.isArray(passwd.users) ? passwd.users : []) {
    if (!isObj(u) || typeof u.name !== 'string') continue;
    const keys = Array.isArray(u.sshAuthorizedKeys) ? u.sshAuthorizedKeys.filter((k): k is string => typeof k === 'string') : [];
    logins.set(u.name, [...(logins.get(u.name) ?? []), ...keys]);
  }
  const files: IgnitionFile[] = [];
  const storage = isObj(config.storage) ? config.storage : {};
  for (const f of Array.isArray(storage.files) ? storage.files : []) {
    if (!isObj(f) || typeof f.path !== 'string') continue;
    const contents = isObj(f.contents) ? f.contents : {};
    if (typeof contents.source !== 'string') continue;
    try {
      files.push({ path: f.path, mode: typeof f.mode === 'number' ? f.mode : 0o644, data: parseDataUrl(contents.source).data });
    } catch {
      // Only data: URLs are applied; the lab fetches nothing at boot.
    }
  }
  const hostKey = files.find((f) => f.path === HOST_KEY_FILE)?.data.toString('utf8');
  const spec: SystemSpec = { logins, files, ...(hostKey ? { hostKey } : {}) };
  if (![...logins.values()].some((k) => k.length > 0)) spec.problem = 'the Ignition config gives no user an authorized key';
  return spec;
}

export type LiveBoot = { ok: true; spec: SystemSpec; volumeId: string; size: number } | { ok: false; reason: string };

/**
 * The live system a virtual CD boot brings up: the Ignition embedded in the image as read through
 * `source`. An image that cannot be read (not a CoreOS ISO, ejected mid-read) boots nothing.
 */
export async function liveSystemFromImage(source: ByteSource): Promise<LiveBoot> {
  try {
    const state = await readIsoIgnition(source);
    return { ok: true, spec: systemFromIgnition(embeddedIgnition(state)), volumeId: state.volume.volumeId, size: source.size };
  } catch (err) {
    return { ok: false, reason: `the live image could not be read: ${(err as Error).message}` };
  }
}
