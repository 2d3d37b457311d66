// The SFTP subsystem of a lab host, over its in-memory filesystem. RENAME replaces an existing
// target (as posix-rename@openssh.com does), so a client's "temp file + rename" works either way.

import ssh2, { type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2';
import { posix } from 'node:path';
import { FsError, MemFs, type FsStat } from './memfs.js';
import type { LabUser } from './host-profile.js';

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

type Handle =
  | { kind: 'file'; path: string; append: boolean }
  | { kind: 'dir'; path: string; listed: boolean };

function toAttrs(st: FsStat): Attributes {
  const type = st.kind === 'dir' ? S_IFDIR : S_IFREG;
  return { mode: type | st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: st.mtime, mtime: st.mtime };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An `ls -l` line, as OpenSSH's sftp shows for `ls -l`. */
function longname(name: string, st: FsStat): string {
  const bits = 'rwxrwxrwx'.replace(/./g, (ch, i: number) => ((st.mode >> (8 - i)) & 1 ? ch : '-'));
  const owner = st.uid === 0 ? 'root' : 'core';
  const d = new Date(st.mtime * 1000);
  const date = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${d.toISOString().slice(11, 16)}`;
  return `${st.kind === 'dir' ? 'd' : '-'}${bits}    1 ${owner.padEnd(8)} ${owner.padEnd(8)} ${String(st.size).padStart(8)} ${date} ${name}`;
}

/** Two SSH strings (old path, new path) from an extended request's data. */
function twoStrings(data: Buffer | undefined): [string, string] | undefined {
  if (!data || data.length < 8) return undefined;
  const n1 = data.readUInt32BE(0);
  if (data.length < 8 + n1) return undefined;
  const n2 = data.readUInt32BE(4 + n1);
  if (data.length < 8 + n1 + n2) return undefined;
  return [data.toString('utf8', 4, 4 + n1), data.toString('utf8', 8 + n1, 8 + n1 + n2)];
}

export function serveSftp(sftp: SFTPWrapper, fs: MemFs, user: LabUser): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const abs = (p: string): string => MemFs.resolve(p || '.', user.home);

  const open = (h: Handle): Buffer => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const lookup = (buf: Buffer): Handle | undefined => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);

  /** Runs a filesystem operation and answers with a status: OK, or the failure it met. */
  const answer = (reqId: number, op: () => void): void => {
    try {
      op();
      sftp.status(reqId, STATUS_CODE.OK);
    } catch (err) {
      fail(reqId, err);
    }
  };
  const fail = (reqId: number, err: unknown): void => {
    if (!(err instanceof FsError)) return sftp.status(reqId, STATUS_CODE.FAILURE, String(err));
    if (err.code === 'ENOENT') sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    else sftp.status(reqId, STATUS_CODE.FAILURE, `${err.code}: ${err.path}`);
  };
  const statOf = (reqId: number, path: string): void => {
    const st = fs.stat(path);
    if (st) sftp.attrs(reqId, toAttrs(st));
    else sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such file');
  };
  const applyAttrs = (path: string, attrs: Partial<Attributes>): void => {
    if (typeof attrs.size === 'number') fs.truncate(path, attrs.size);
    if (typeof attrs.mode === 'number') fs.setMode(path, attrs.mode);
    if (typeof attrs.mtime === 'number') fs.setTimes(path, attrs.mtime);
    if (!fs.stat(path)) throw new FsError('ENOENT', path);
  };

  // The client's EOF ends the subsystem; ssh2 leaves closing the channel to us.
  sftp.once('end', () => sftp.end());

  sftp.on('OPEN', (reqId: number, filename: string, flags: number, attrs: Partial<Attributes>) => {
    const path = abs(filename);
    try {
      const writing = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT)) !== 0;
      if (writing) {
        fs.open(path, {
          create: (flags & OPEN_MODE.CREAT) !== 0,
          truncate: (flags & OPEN_MODE.TRUNC) !== 0,
          exclusive: (flags & OPEN_MODE.EXCL) !== 0,
          mode: typeof attrs.mode === 'number' ? attrs.mode & 0o7777 : 0o644,
          uid: user.uid,
        });
      } else if (fs.stat(path)?.kind !== 'file') {
        throw new FsError(fs.stat(path) ? 'EISDIR' : 'ENOENT', path);
      }
      sftp.handle(reqId, open({ kind: 'file', path, append: (flags & OPEN_MODE.APPEND) !== 0 }));
    } catch (err) {
      fail(reqId, err);
    }
  });

  sftp.on('READ', (reqId: number, handle: Buffer, offset: number, len: number) => {
    const h = lookup(handle);
    if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Invalid handle');
    try {
      const data = fs.read(h.path, offset, len);
      if (data.length === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.data(reqId, data);
    } catch (err) {
      fail(reqId, err);
    }
  });

  sftp.on('WRITE', (reqId: number, handle: Buffer, offset: number, data: Buffer) => {
    const h = lookup(handle);
    if (h?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Invalid handle');
    answer(reqId, () => fs.writeAt(h.path, h.append ? (fs.stat(h.path)?.size ?? 0) : offset, data));
  });

  sftp.on('CLOSE', (reqId: number, handle: Buffer) => {
    if (!lookup(handle)) return sftp.status(reqId, STATUS_CODE.FAILURE, 'Invalid handle');
    handles.delete(handle.readUInt32BE(0));
    sftp.status(reqId, STATUS_CODE.OK);
  });

  sftp.on('STAT', (reqId: number, path: string) => statOf(reqId, abs(path)));
  sftp.on('LSTAT', (reqId: number, path: string) => statOf(reqId, abs(path)));
  sftp.on('FSTAT', (reqId: number, handle: Buffer) => {
    const h = lookup(handle);
    if (!h) return sftp.status(reqId, STATUS_CODE.FAILURE, 'Invalid handle');
    statOf(reqId, h.path);
  });

  sftp.on('SETSTAT', (reqId: number, path: string, attrs: Partial<Attributes>) => answer(reqId, () => applyAttrs(abs(path), attrs)));
  sftp.on('FSETSTAT', (reqId: number, handle: Buffer, attrs: Partial<Attributes>) => {
    const h = lookup(handle);
    if (!h) return sftp.status(reqId, STATUS_CODE.FAILURE, 'Invalid handle');
    answer(reqId, () => applyAttrs(h.path, attrs));
  });

  sftp.on('OPENDIR', (reqId: number, path: string) => {
    const p = abs(path);
    const st = fs.stat(p);
    if (!st) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    if (st.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Not a directory');
    sftp.handle(reqId, open({ kind: 'dir', path: p, listed: false }));
  });

  sftp.on('READDIR', (reqId: number, handle: Buffer) => {
    const h = lookup(handle);
    if (h?.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE, 'Invalid handle');
    if (h.listed) return sftp.status(reqId, STATUS_CODE.EOF);
    h.listed = true;
    try {
      const entries: FileEntry[] = [];
      for (const name of ['.', '..', ...fs.readdir(h.path)]) {
        const st = fs.stat(posix.join(h.path, name));
        if (st) entries.push({ filename: name, longname: longname(name, st), attrs: toAttrs(st) });
      }
      sftp.name(reqId, entries);
    } catch (err) {
      fail(reqId, err);
    }
  });

  sftp.on('REMOVE', (reqId: number, path: string) => answer(reqId, () => fs.unlink(abs(path))));
  sftp.on('RMDIR', (reqId: number, path: string) => answer(reqId, () => fs.rmdir(abs(path))));
  sftp.on('MKDIR', (reqId: number, path: string, attrs: Partial<Attributes>) =>
    answer(reqId, () =>
      fs.mkdir(abs(path), { mode: typeof attrs.mode === 'number' ? attrs.mode & 0o7777 : 0o755, uid: user.uid }),
    ),
  );
  sftp.on('REALPATH', (reqId: number, path: string) => {
    const p = abs(path);
    sftp.name(reqId, [{ filename: p, longname: p, attrs: {} as Attributes }]);
  });
  sftp.on('RENAME', (reqId: number, from: string, to: string) => answer(reqId, () => fs.rename(abs(from), abs(to))));
  sftp.on('EXTENDED', (reqId: number, name: string, data: Buffer | undefined) => {
    const paths = name === 'posix-rename@openssh.com' ? twoStrings(data) : undefined;
    if (!paths) return sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED, `${name} is not supported`);
    answer(reqId, () => fs.rename(abs(paths[0]), abs(paths[1])));
  });
}
