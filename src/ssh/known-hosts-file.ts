// Reading and appending known_hosts files. Reads are cached per file until it changes (hundreds
// of hosts connect at once against one file); appends to a file are serialized in-process so
// concurrent accept-new connections neither interleave nor lose lines.

import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseKnownHosts, type KnownHostEntry } from './known-hosts.js';

interface Cached {
  signature: string;
  entries: Promise<KnownHostEntry[]>;
}
const cache = new Map<string, Cached>();
const locks = new Map<string, Promise<unknown>>();

function isMissing(err: unknown): boolean {
  return err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'ENOTDIR');
}

/** The file's entries; a missing file has none. */
export async function readKnownHostsFile(file: string): Promise<KnownHostEntry[]> {
  let signature: string;
  try {
    const s = await stat(file);
    signature = `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const hit = cache.get(file);
  if (hit && hit.signature === signature) return hit.entries;
  const entries = readFile(file, 'utf8').then(parseKnownHosts, (err: unknown) => {
    if (isMissing(err)) return [];
    throw err;
  });
  cache.set(file, { signature, entries });
  entries.catch(() => cache.delete(file));
  return entries;
}

/** Runs `fn` while holding this process's lock on `file`; callers queue in order. */
export function withKnownHostsLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(file) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(file, tail);
  void tail.then(() => {
    if (locks.get(file) === tail) locks.delete(file);
  });
  return run;
}

/** Appends one line (call under `withKnownHostsLock`); creates the file and its folder if needed. */
export async function appendKnownHostsLine(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, 'a+', 0o644);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      // A file whose last line lacks its newline would glue our line onto it.
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.appendFile(`${prefix}${line}\n`);
  } finally {
    await handle.close();
  }
  cache.delete(file);
}
