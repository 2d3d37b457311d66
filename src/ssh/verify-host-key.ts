// Applies the host-key policy to a live connection: reads the target's known_hosts file,
// decides, and under accept-new records the new key (re-checked under the file lock, so two
// connections racing to record keys for one host cannot both win with different keys).

import { decideHostKey, type HostKeyDecision, type PresentedKey } from './host-key-policy.js';
import { appendKnownHostsLine, readKnownHostsFile, withKnownHostsLock } from './known-hosts-file.js';
import { keyTypeOfBlob } from './known-hosts.js';
import type { SshTarget } from './types.js';

/** The type and base64 of a raw key blob as ssh2's `hostVerifier` receives it. */
export function presentedKey(blob: Buffer): PresentedKey | undefined {
  const keyType = keyTypeOfBlob(blob);
  return keyType ? { keyType, keyBase64: blob.toString('base64') } : undefined;
}

export async function decidePresentedKey(target: SshTarget, blob: Buffer): Promise<HostKeyDecision & { key?: PresentedKey }> {
  const key = presentedKey(blob);
  if (!key) return { accept: false, message: 'server sent a host key fleetboot cannot read; refusing to connect' };
  try {
    const entries = await readKnownHostsFile(target.knownHostsFile);
    return { ...decideHostKey(target, entries, key), key };
  } catch (err) {
    const what = err instanceof Error ? err.message : String(err);
    return { accept: false, message: `cannot read known_hosts file ${target.knownHostsFile}: ${what}` };
  }
}

/**
 * Appends the accepted new key unless, meanwhile, the file learned this host's key. Returns
 * the refusal message when the file now disagrees, undefined when all is well.
 */
export function recordNewHostKey(target: SshTarget, key: PresentedKey): Promise<string | undefined> {
  return withKnownHostsLock(target.knownHostsFile, async () => {
    const entries = await readKnownHostsFile(target.knownHostsFile);
    const decision = decideHostKey(target, entries, key);
    if (!decision.accept) return decision.message;
    if (decision.reason === 'new') await appendKnownHostsLine(target.knownHostsFile, decision.line);
    return undefined;
  });
}
