// newc cpio ("070701"), written byte for byte as coreos-installer's cpio crate (0.4.x) writes it, and read as
// its NewcReader reads it: header and name padded to 4 bytes, data padded to 4 bytes, `TRAILER!!!` at the end,
// no padding of the archive to 512 bytes (GNU cpio pads; coreos-installer does not).

export interface CpioEntry {
  name: string;
  mode: number;
  data: Buffer;
}

const HEADER_LEN = 110;
const TRAILER = 'TRAILER!!!';
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(name: string, fields: { ino: number; mode: number; nlink: number; size: number }): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const text =
    '070701' +
    hex(fields.ino) +
    hex(fields.mode) +
    hex(0) +
    hex(0) +
    hex(fields.nlink) +
    hex(0) +
    hex(fields.size) +
    hex(0) +
    hex(0) +
    hex(0) +
    hex(0) +
    hex(nameBytes.length + 1) +
    hex(0);
  const len = HEADER_LEN + nameBytes.length + 1;
  return Buffer.concat([Buffer.from(text, 'latin1'), nameBytes, Buffer.alloc(1 + pad4(len))]);
}

/** Writes the entries in order: ino = index, nlink 1, uid/gid/mtime/dev 0; then the trailer (ino 0, mode 0, nlink 1). */
export function writeNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, ino) => {
    parts.push(header(e.name, { ino, mode: e.mode, nlink: 1, size: e.data.length }), e.data, Buffer.alloc(pad4(e.data.length)));
  });
  parts.push(header(TRAILER, { ino: 0, mode: 0, nlink: 1, size: 0 }));
  return Buffer.concat(parts);
}

export interface NewcArchive {
  entries: CpioEntry[];
  /** Offset just past the trailer and its padding. */
  end: number;
}

export class CpioError extends Error {}

/** Reads one archive starting at `start`, up to and including its trailer. */
export function readNewc(buf: Buffer, start: number): NewcArchive {
  const entries: CpioEntry[] = [];
  let pos = start;
  for (;;) {
    if (pos + HEADER_LEN > buf.length) throw new CpioError('reading CPIO entry: failed to fill whole buffer');
    const magic = buf.toString('latin1', pos, pos + 6);
    if (magic !== '070701' && magic !== '070702') throw new CpioError('reading CPIO entry: Invalid magic number');
    const field = (i: number): number => {
      const s = buf.toString('latin1', pos + 6 + i * 8, pos + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(s)) throw new CpioError('reading CPIO entry: Invalid hexadecimal header field');
      return parseInt(s, 16);
    };
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = pos + HEADER_LEN;
    const dataStart = nameStart + nameSize + pad4(HEADER_LEN + nameSize);
    if (nameSize === 0 || dataStart > buf.length) throw new CpioError('reading CPIO entry: failed to fill whole buffer');
    const name = buf.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new CpioError('reading CPIO entry contents: failed to fill whole buffer');
    pos = Math.min(buf.length, dataEnd + pad4(size));
    if (name === TRAILER) return { entries, end: pos };
    entries.push({ name, mode, data: buf.subarray(dataStart, dataEnd) });
  }
}
