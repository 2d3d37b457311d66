// File access over one SFTP session: exists, read, and an atomic write (temp file beside the
// target, mode set, then renamed over it, keeping an existing file's mode and owner as
// Ansible's atomic_move does).

import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { RemoteStat } from './types.js';

const NO_SUCH_FILE = 2;

export class SftpError extends Error {
  constructor(
    op: string,
    path: string,
    cause: unknown,
  ) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super(`sftp ${op} ${path}: ${what}`, { cause });
    this.name = 'SftpError';
  }
}

function isNoSuchFile(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === NO_SUCH_FILE;
}

function call<T>(op: string, path: string, fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, value) => (err ? reject(new SftpError(op, path, err)) : resolve(value)));
  });
}

async function statOrNull(sftp: SFTPWrapper, path: string): Promise<Stats | null> {
  try {
    return await call<Stats>('stat', path, (cb) => sftp.stat(path, cb));
  } catch (err) {
    if (err instanceof SftpError && isNoSuchFile(err.cause)) return null;
    throw err;
  }
}

export async function sftpStat(sftp: SFTPWrapper, path: string): Promise<RemoteStat | null> {
  const st = await statOrNull(sftp, path);
  if (st === null) return null;
  const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
  return { kind, mode: st.mode & 0o7777, size: st.size };
}

export async function sftpExists(sftp: SFTPWrapper, path: string): Promise<boolean> {
  return (await statOrNull(sftp, path)) !== null;
}

export async function sftpReadFile(sftp: SFTPWrapper, path: string): Promise<Buffer | null> {
  try {
    return await call<Buffer>('read', path, (cb) => sftp.readFile(path, cb));
  } catch (err) {
    if (err instanceof SftpError && isNoSuchFile(err.cause)) return null;
    throw err;
  }
}

export async function sftpWriteFileAtomic(sftp: SFTPWrapper, path: string, data: Buffer, mode?: number): Promise<void> {
  const temp = posix.join(posix.dirname(path), `.${posix.basename(path)}.fleetboot-${randomBytes(6).toString('hex')}.tmp`);
  const existing = await statOrNull(sftp, path);
  const finalMode = mode ?? (existing ? existing.mode & 0o7777 : undefined);
  try {
    await call<void>('write', temp, (cb) => sftp.writeFile(temp, data, { mode: finalMode ?? 0o644 }, (e) => cb(e, undefined)));
    // The server's umask applies at open; set the mode explicitly.
    if (finalMode !== undefined) await call<void>('chmod', temp, (cb) => sftp.chmod(temp, finalMode, (e) => cb(e, undefined)));
    if (existing) {
      // Keep the owner of the file being replaced; only root may, so a refusal is fine.
      await call<void>('chown', temp, (cb) => sftp.chown(temp, existing.uid, existing.gid, (e) => cb(e, undefined))).catch(() => undefined);
    }
    await renameOver(sftp, temp, path, existing !== null);
  } catch (err) {
    await call<void>('remove', temp, (cb) => sftp.unlink(temp, (e) => cb(e, undefined))).catch(() => undefined);
    throw err;
  }
}

async function renameOver(sftp: SFTPWrapper, from: string, to: string, targetExists: boolean): Promise<void> {
  try {
    await call<void>('rename', to, (cb) => sftp.ext_openssh_rename(from, to, (e) => cb(e, undefined)));
    return;
  } catch (err) {
    // ssh2 refuses at once when the server does not offer posix-rename@openssh.com.
    if (!/does not support/i.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  // Plain SFTP rename refuses to replace a file: remove it first (not atomic, but the best there is).
  if (targetExists) await call<void>('remove', to, (cb) => sftp.unlink(to, (e) => cb(e, undefined)));
  await call<void>('rename', to, (cb) => sftp.rename(from, to, (e) => cb(e, undefined)));
}
