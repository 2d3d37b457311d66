// A simulated host's filesystem: absolute paths to files and directories, held in memory.
// Writing a file creates its missing parent directories (they are implied by the path), so
// the lab forgives what a freshly booted host might already have.

import { posix } from 'node:path';

export type FsErrorCode = 'ENOENT' | 'EEXIST' | 'EISDIR' | 'ENOTDIR' | 'ENOTEMPTY' | 'EINVAL';

export class FsError extends Error {
  constructor(
    readonly code: FsErrorCode,
    readonly path: string,
  ) {
    super(`${code}: ${path}`);
    this.name = 'FsError';
  }
}

export interface FsStat {
  kind: 'file' | 'dir';
  size: number;
  /** Permission bits only (e.g. 0o644). */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  uid: number;
  gid: number;
}

interface Entry {
  kind: 'file' | 'dir';
  /** File bytes; may be longer than `size` so that sequential writes grow in amortised O(1). */
  buf: Buffer;
  size: number;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
}

const now = (): number => Math.floor(Date.now() / 1000);

export class MemFs {
  private readonly entries = new Map<string, Entry>();

  constructor(files: Record<string, string | Buffer> = {}) {
    this.entries.set('/', dirEntry(0o755, 0));
    for (const [path, data] of Object.entries(files)) this.writeFile(path, data);
  }

  /** Normalises `path` against `cwd` (default `/`). */
  static resolve(path: string, cwd = '/'): string {
    return posix.resolve(cwd, path);
  }

  stat(path: string): FsStat | undefined {
    const e = this.entries.get(MemFs.resolve(path));
    if (!e) return undefined;
    return { kind: e.kind, size: e.size, mode: e.mode, mtime: e.mtime, uid: e.uid, gid: e.gid };
  }

  readFile(path: string): Buffer {
    const e = this.file(path);
    return Buffer.from(e.buf.subarray(0, e.size));
  }

  /** Reads up to `len` bytes at `offset`; an empty buffer at or past the end. */
  read(path: string, offset: number, len: number): Buffer {
    const e = this.file(path);
    if (offset >= e.size) return Buffer.alloc(0);
    return Buffer.from(e.buf.subarray(offset, Math.min(e.size, offset + len)));
  }

  writeFile(path: string, data: string | Buffer, mode = 0o644, uid = 0): void {
    const p = MemFs.resolve(path);
    const old = this.entries.get(p);
    if (old?.kind === 'dir') throw new FsError('EISDIR', p);
    this.ensureParents(p, uid);
    const buf = Buffer.from(data);
    this.entries.set(p, { kind: 'file', buf, size: buf.length, mode: old?.mode ?? mode, mtime: now(), uid, gid: uid });
  }

  /** Creates an empty file if missing (mode for a new file only); truncates it when asked. */
  open(path: string, opts: { create: boolean; truncate: boolean; exclusive: boolean; mode?: number; uid?: number }): void {
    const p = MemFs.resolve(path);
    const e = this.entries.get(p);
    if (e?.kind === 'dir') throw new FsError('EISDIR', p);
    if (e && opts.exclusive) throw new FsError('EEXIST', p);
    if (!e) {
      if (!opts.create) throw new FsError('ENOENT', p);
      this.writeFile(p, Buffer.alloc(0), opts.mode ?? 0o644, opts.uid ?? 0);
      return;
    }
    if (opts.truncate) {
      e.size = 0;
      e.mtime = now();
    }
  }

  /** Writes `data` at `offset`, growing the file (with zeros in any gap). */
  writeAt(path: string, offset: number, data: Buffer): void {
    const e = this.file(path);
    const end = offset + data.length;
    if (end > e.buf.length) {
      const grown = Buffer.alloc(Math.max(end, e.buf.length * 2));
      e.buf.copy(grown, 0, 0, e.size);
      e.buf = grown;
    } else if (offset > e.size) {
      e.buf.fill(0, e.size, offset);
    }
    data.copy(e.buf, offset);
    e.size = Math.max(e.size, end);
    e.mtime = now();
  }

  /** Cuts or extends (with zeros) a file to `size` bytes. */
  truncate(path: string, size: number): void {
    const e = this.file(path);
    if (size > e.size) this.writeAt(path, size, Buffer.alloc(0));
    else e.size = size;
    e.mtime = now();
  }

  setMode(path: string, mode: number): void {
    const e = this.entry(path);
    e.mode = mode & 0o7777;
  }

  setTimes(path: string, mtime: number): void {
    this.entry(path).mtime = mtime;
  }

  /** Renames a file or directory, replacing an existing file at `to` (POSIX rename). */
  rename(from: string, to: string): void {
    const src = MemFs.resolve(from);
    const dst = MemFs.resolve(to);
    const e = this.entry(src);
    if (src === dst) return;
    const target = this.entries.get(dst);
    if (target?.kind === 'dir' && e.kind === 'file') throw new FsError('EISDIR', dst);
    if (target?.kind === 'dir' && this.children(dst).length > 0) throw new FsError('ENOTEMPTY', dst);
    if (target?.kind === 'file' && e.kind === 'dir') throw new FsError('ENOTDIR', dst);
    if (e.kind === 'dir' && dst.startsWith(src + '/')) throw new FsError('EINVAL', dst);
    this.ensureParents(dst, e.uid);
    const moved = [...this.entries.keys()].filter((k) => k === src || k.startsWith(src + '/'));
    for (const k of moved) {
      const v = this.entries.get(k);
      this.entries.delete(k);
      if (v) this.entries.set(dst + k.slice(src.length), v);
    }
  }

  /** Removes a file (never a directory). */
  unlink(path: string): void {
    const p = MemFs.resolve(path);
    const e = this.entry(p);
    if (e.kind === 'dir') throw new FsError('EISDIR', p);
    this.entries.delete(p);
  }

  mkdir(path: string, opts: { parents?: boolean; mode?: number; uid?: number } = {}): void {
    const p = MemFs.resolve(path);
    const e = this.entries.get(p);
    if (e) {
      if (e.kind === 'dir' && opts.parents) return;
      throw new FsError('EEXIST', p);
    }
    const parent = this.entries.get(posix.dirname(p));
    if (!opts.parents && !parent) throw new FsError('ENOENT', p);
    if (parent && parent.kind !== 'dir') throw new FsError('ENOTDIR', p);
    this.ensureParents(p, opts.uid ?? 0);
    this.entries.set(p, dirEntry(opts.mode ?? 0o755, opts.uid ?? 0));
  }

  rmdir(path: string, opts: { recursive?: boolean } = {}): void {
    const p = MemFs.resolve(path);
    const e = this.entry(p);
    if (e.kind !== 'dir') throw new FsError('ENOTDIR', p);
    if (p === '/') throw new FsError('EINVAL', p);
    const inside = [...this.entries.keys()].filter((k) => k.startsWith(p + '/'));
    if (inside.length > 0 && !opts.recursive) throw new FsError('ENOTEMPTY', p);
    for (const k of inside) this.entries.delete(k);
    this.entries.delete(p);
  }

  /** Names directly inside a directory, sorted. */
  readdir(path: string): string[] {
    const p = MemFs.resolve(path);
    const e = this.entry(p);
    if (e.kind !== 'dir') throw new FsError('ENOTDIR', p);
    return this.children(p).sort();
  }

  private children(dir: string): string[] {
    const prefix = dir === '/' ? '/' : dir + '/';
    const names: string[] = [];
    for (const k of this.entries.keys()) {
      if (k !== '/' && k.startsWith(prefix) && !k.slice(prefix.length).includes('/')) names.push(k.slice(prefix.length));
    }
    return names;
  }

  private ensureParents(p: string, uid: number): void {
    const missing: string[] = [];
    for (let d = posix.dirname(p); ; d = posix.dirname(d)) {
      const e = this.entries.get(d);
      if (e?.kind === 'dir') break;
      if (e) throw new FsError('ENOTDIR', d);
      missing.push(d);
    }
    for (const d of missing.reverse()) this.entries.set(d, dirEntry(0o755, uid));
  }

  private entry(path: string): Entry {
    const p = MemFs.resolve(path);
    const e = this.entries.get(p);
    if (!e) throw new FsError('ENOENT', p);
    return e;
  }

  private file(path: string): Entry {
    const e = this.entry(path);
    if (e.kind !== 'file') throw new FsError('EISDIR', MemFs.resolve(path));
    return e;
  }
}

function dirEntry(mode: number, uid: number): Entry {
  return { kind: 'dir', buf: Buffer.alloc(0), size: 0, mode, mtime: now(), uid, gid: uid };
}
