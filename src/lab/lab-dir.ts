// The files of a lab directory, and reading lab.json back.

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LabFile } from './types.js';

export function labPaths(dir: string) {
  const d = resolve(dir);
  return {
    dir: d,
    labJson: join(d, 'lab.json'),
    log: join(d, 'lab.log'),
    privateKey: join(d, 'id_ed25519'),
    publicKey: join(d, 'id_ed25519.pub'),
    inventory: join(d, 'inventory.yml'),
    knownHosts: join(d, 'known_hosts'),
    sshConfig: join(d, 'ssh_config'),
    bmcCa: join(d, 'bmc-ca.pem'),
    bmcPasswords: join(d, 'bmc-passwords'),
    bmcStats: join(d, 'bmc-stats.json'),
    kubeconfig: join(d, 'kubeconfig'),
  };
}

function isLabFile(v: unknown): v is LabFile {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.pid === 'number' && typeof o.port === 'number' && Array.isArray(o.hosts);
}

/** lab.json of DIR, or undefined when there is none (or it is not one of ours). */
export async function readLabFile(dir: string): Promise<LabFile | undefined> {
  let text: string;
  try {
    text = await readFile(labPaths(dir).labJson, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    return isLabFile(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
