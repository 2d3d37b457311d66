// What `copy` and `template` share: compare the wanted content and mode with the host's file
// as read now, write it (SFTP, temp file then rename) only when it differs.

import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { errorMessage } from '../core/errors.js';
import type { TaskResult } from '../core/result.js';
import { SshUnreachableError, type RemoteStat, type SshConnection } from '../ssh/types.js';
import { ModuleFailure, type ModuleContext } from './contract.js';

/** `mode` as Ansible takes it: an octal string ('0644', '644') or a number of mode bits. */
export function parseMode(mode: string | number | undefined): number | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode === 'number') return mode;
  if (/^0?[0-7]{3,4}$/.test(mode)) return parseInt(mode, 8);
  throw new ModuleFailure(`mode: '${mode}' is not an octal mode such as '0644'`);
}

const octal = (mode: number): string => '0' + mode.toString(8).padStart(3, '0');

export interface PutDecision {
  changed: boolean;
  /** Write the file (content and mode) even when nothing is known to change: the mode could not be read. */
  write: boolean;
  reason: string;
}

/**
 * The pure decision. `currentMode` undefined means it could not be read; then a wanted mode
 * is set again (harmless: same content) without claiming a change.
 */
export function decidePut(current: Buffer | null, wanted: Buffer, currentMode?: number, wantedMode?: number): PutDecision {
  if (current === null) return { changed: true, write: true, reason: 'file does not exist' };
  if (!current.equals(wanted)) return { changed: true, write: true, reason: 'content differs' };
  if (wantedMode === undefined) return { changed: false, write: false, reason: 'content is already as wanted' };
  if (currentMode === undefined) return { changed: false, write: true, reason: 'content is already as wanted; mode could not be read, so it is set again' };
  const [have, want] = [currentMode & 0o7777, wantedMode & 0o7777];
  if (have !== want) return { changed: true, write: true, reason: `mode is ${octal(have)}, wanted ${octal(want)}` };
  return { changed: false, write: false, reason: 'content and mode are already as wanted' };
}

export interface PutRequest {
  dest: string;
  content: Buffer;
  mode?: number | undefined;
  /** The name the file takes when dest is a directory (the source's base name); none: dest must name a file. */
  nameInDir?: string;
}

export async function putFile(req: PutRequest, ctx: ModuleContext): Promise<TaskResult> {
  const conn = await ctx.ssh();
  const intoDir = (dir: string): string => {
    if (!req.nameInDir) throw new ModuleFailure(`dest: ${dir} is a directory; with content, dest must name a file`);
    return posix.join(dir, req.nameInDir);
  };
  let dest = req.dest.endsWith('/') ? intoDir(req.dest) : req.dest;
  let st = await statOf(conn, dest);
  if (st?.kind === 'dir') {
    dest = intoDir(dest);
    st = await statOf(conn, dest);
    if (st?.kind === 'dir') throw new ModuleFailure(`dest: ${dest} is a directory`);
  }
  const current = st === null ? null : await readCurrent(conn, dest);
  const { changed, write, reason } = decidePut(current, req.content, st?.mode, req.mode);
  if (write && !ctx.check) await writeDest(conn, dest, req.content, req.mode);
  const checksum = createHash('sha1').update(req.content).digest('hex');
  const result: TaskResult = { changed, failed: false, dest, checksum, size: req.content.length, reason };
  if (req.mode !== undefined) result.mode = octal(req.mode);
  return result;
}

async function statOf(conn: SshConnection, path: string): Promise<RemoteStat | null> {
  try {
    return await conn.stat(path);
  } catch (err) {
    if (err instanceof SshUnreachableError) throw err;
    throw new ModuleFailure(`dest: cannot look at ${path}: ${errorMessage(err)}`);
  }
}

async function readCurrent(conn: SshConnection, path: string): Promise<Buffer | null> {
  try {
    return await conn.readFile(path);
  } catch (err) {
    if (err instanceof SshUnreachableError) throw err;
    throw new ModuleFailure(`dest: cannot read ${path}: ${errorMessage(err)}`);
  }
}

async function writeDest(conn: SshConnection, dest: string, content: Buffer, mode: number | undefined): Promise<void> {
  try {
    await conn.writeFile(dest, content, mode);
  } catch (err) {
    if (err instanceof SshUnreachableError) throw err;
    const dir = posix.dirname(dest);
    if (!(await conn.exists(dir).catch(() => true))) throw new ModuleFailure(`Destination directory ${dir} does not exist`);
    throw new ModuleFailure(`dest: cannot write ${dest}: ${errorMessage(err)}`);
  }
}
