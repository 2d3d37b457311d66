// Private key files, read and parsed once per path for the whole run (hundreds of hosts share
// one key). Passphrase-protected keys cannot be used directly: fleetboot never prompts.

import { readFile } from 'node:fs/promises';
import ssh2, { type ParsedKey } from 'ssh2';

export type LoadedKey = { ok: true; key: ParsedKey } | { ok: false; reason: string };

const cache = new Map<string, Promise<LoadedKey>>();

export function loadPrivateKey(path: string): Promise<LoadedKey> {
  let loaded = cache.get(path);
  if (!loaded) {
    loaded = readAndParse(path);
    cache.set(path, loaded);
    // A read error may be temporary (the file is being written): try again next time.
    void loaded.then((k) => {
      if (!k.ok && k.reason.startsWith('cannot read')) cache.delete(path);
    });
  }
  return loaded;
}

async function readAndParse(path: string): Promise<LoadedKey> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    return { ok: false, reason: `cannot read private key ${path} (${code})` };
  }
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) {
      return { ok: false, reason: `private key ${path} is passphrase-protected: load it into ssh-agent (ssh-add ${path}) and give fleetboot the agent` };
    }
    return { ok: false, reason: `private key ${path} cannot be parsed: ${parsed.message}` };
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key || !key.isPrivateKey()) return { ok: false, reason: `${path} holds no private key` };
  return { ok: true, key };
}
