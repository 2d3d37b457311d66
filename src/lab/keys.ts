// The lab's one user key pair: made once per lab directory, then reused, in OpenSSH format
// (which both OpenSSH and ssh2 read).

import { readFile, writeFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { labPaths } from './lab-dir.js';

export interface UserKey {
  privateKeyFile: string;
  /** "ssh-ed25519 AAAA... comment". */
  publicKey: string;
}

export async function ensureUserKey(dir: string): Promise<UserKey> {
  const paths = labPaths(dir);
  try {
    const publicKey = (await readFile(paths.publicKey, 'utf8')).trim();
    await readFile(paths.privateKey);
    return { privateKeyFile: paths.privateKey, publicKey };
  } catch {
    const pair = generateEd25519('fleetboot-lab');
    await writeFile(paths.privateKey, pair.private, { mode: 0o600 });
    await writeFile(paths.publicKey, `${pair.public}\n`, { mode: 0o644 });
    return { privateKeyFile: paths.privateKey, publicKey: pair.public };
  }
}

/** A fresh host key pair: the private key for the server, the public line for known_hosts. */
export function newHostKey(): { privateKey: string; publicKey: string } {
  const pair = generateEd25519();
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}

/**
 * ssh2 (1.17) writes a malformed key when the public key starts with a zero byte (about one
 * key in 256): it drops that byte. Such a pair is thrown away and another one made.
 */
function generateEd25519(comment?: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment ? { comment } : undefined);
    const priv = ssh2.utils.parseKey(pair.private);
    const pub = ssh2.utils.parseKey(pair.public);
    if (!(priv instanceof Error) && !(pub instanceof Error) && pub.getPublicSSH().length === 51) return pair;
  }
}
