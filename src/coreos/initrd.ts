// The embed area's content as coreos-installer's `Initrd` sees it: a map of path → bytes (regular files only),
// read from a sequence of archives (xz, gzip, zstd or plain newc cpio, zero bytes between them) and written back
// as one xz-compressed newc cpio followed by zeros to the end of the area.

import * as zlib from 'node:zlib';
import { CpioError, readNewc, S_IFDIR, S_IFMT, S_IFREG, writeNewc, type CpioEntry } from './cpio.js';
import { IsoError } from './iso9660.js';
import { xzCompress, xzDecompressOne } from './xz.js';

/** path → contents; the order of a Map is irrelevant, writing sorts bytewise as coreos-installer's BTreeMap does. */
export type Initrd = Map<string, Buffer>;

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const ZSTD_MAGIC = 0xfd2fb528;

function isZero(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Decodes an embed area; an all-zero area is an empty initrd. When a path repeats, the last copy wins, as in the kernel. */
export function decodeInitrd(area: Buffer): Initrd {
  const members: Initrd = new Map();
  if (isZero(area)) return members;
  let pos = 0;
  try {
    while (pos < area.length) {
      pos = readArchive(area, pos, members);
      while (pos < area.length && area[pos] === 0) pos++;
    }
  } catch (err) {
    if (err instanceof CpioError || err instanceof IsoError) throw new IsoError(err.message);
    throw new IsoError(`reading compressed archive: ${err instanceof Error ? err.message : String(err)}`);
  }
  return members;
}

/** Reads one archive at `pos` into `members`; returns the offset just past it. */
function readArchive(area: Buffer, pos: number, members: Initrd): number {
  const rest = area.subarray(pos);
  let decompressed: { data: Buffer; consumed: number } | undefined;
  if (rest.length >= 2 && rest[0] === 0x1f && rest[1] === 0x8b) decompressed = gunzipOne(rest);
  else if (rest.length >= 6 && rest.subarray(0, 6).equals(XZ_MAGIC)) decompressed = xzDecompressOne(rest);
  else if (rest.length > 4 && isZstdMagic(rest.readUInt32LE(0))) decompressed = unzstd(rest);

  if (!decompressed) {
    const archive = readNewc(area, pos);
    addMembers(members, archive.entries);
    return archive.end;
  }
  const archive = readNewc(decompressed.data, 0);
  addMembers(members, archive.entries);
  if (!isZero(decompressed.data.subarray(archive.end))) throw new IsoError('found trailing garbage inside compressed archive');
  return pos + decompressed.consumed;
}

function addMembers(members: Initrd, entries: CpioEntry[]): void {
  for (const e of entries) {
    if ((e.mode & S_IFMT) === S_IFREG) {
      members.delete(e.name);
      members.set(e.name, e.data);
    }
  }
}

function isZstdMagic(v: number): boolean {
  return v === ZSTD_MAGIC || (v & 0xfffffff0) >>> 0 === 0x184d2a50;
}

/** One gzip member (a later member is a separate archive for coreos-installer, as for the kernel). */
function gunzipOne(buf: Buffer): { data: Buffer; consumed: number } {
  const truncated = (): never => {
    throw new Error('unexpected end of file');
  };
  if (buf.length < 10) truncated();
  const flags = buf[3]!;
  let hdr = 10;
  if (flags & 0x04) {
    if (hdr + 2 > buf.length) truncated();
    hdr += 2 + buf.readUInt16LE(hdr);
  }
  for (const bit of [0x08, 0x10]) {
    if (flags & bit) {
      const nul = buf.indexOf(0, hdr);
      if (nul < 0) truncated();
      hdr = nul + 1;
    }
  }
  if (flags & 0x02) hdr += 2;
  if (hdr > buf.length) truncated();
  const inflated: unknown = zlib.inflateRawSync(buf.subarray(hdr), { info: true });
  const deflateLen = bytesWritten(inflated);
  const consumed = hdr + deflateLen + 8;
  if (consumed > buf.length) truncated();
  // gunzip the member alone: checks its CRC32 and length trailer.
  return { data: zlib.gunzipSync(buf.subarray(0, consumed)), consumed };
}

function bytesWritten(info: unknown): number {
  if (typeof info === 'object' && info !== null && 'engine' in info) {
    const engine: unknown = info.engine;
    if (typeof engine === 'object' && engine !== null && 'bytesWritten' in engine && typeof engine.bytesWritten === 'number') {
      return engine.bytesWritten;
    }
  }
  throw new Error('node:zlib did not report how much input it used');
}

/** zstd needs node:zlib's zstd support (Node ≥ 22.15 / 23.8); older Node cannot read such an area. */
function unzstd(buf: Buffer): { data: Buffer; consumed: number } {
  const z: unknown = zlib;
  const fn = typeof z === 'object' && z !== null && 'zstdDecompressSync' in z ? z.zstdDecompressSync : undefined;
  if (typeof fn !== 'function') {
    throw new Error(`the embed area holds a zstd-compressed archive, which this Node.js ${process.version} cannot decompress (needs Node ≥ 22.15); rewrite it with -f or use a newer Node.js`);
  }
  const info: unknown = fn.call(zlib, buf, { info: true });
  const consumed = bytesWritten(info);
  const data: unknown = typeof info === 'object' && info !== null && 'buffer' in info ? info.buffer : undefined;
  if (!Buffer.isBuffer(data)) throw new Error('node:zlib returned no zstd output');
  return { data, consumed };
}

/**
 * The cpio coreos-installer writes for an initrd: members sorted bytewise by path, each missing parent directory
 * (040755) emitted before the first file in it, files 0100600.
 */
export function initrdCpio(members: Initrd): Buffer {
  const paths = [...members.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const entries: CpioEntry[] = [];
  let cwd: string[] = [];
  for (const path of paths) {
    const parent = path.split('/');
    parent.pop();
    let common = 0;
    while (common < cwd.length && common < parent.length && cwd[common] === parent[common]) common++;
    cwd = cwd.slice(0, common);
    for (const component of parent.slice(common)) {
      cwd.push(component);
      entries.push({ name: cwd.join('/'), mode: S_IFDIR | 0o755, data: Buffer.alloc(0) });
    }
    entries.push({ name: path, mode: S_IFREG | 0o600, data: members.get(path)! });
  }
  return writeNewc(entries);
}

/**
 * The area's new bytes: the xz-compressed cpio, then zeros to `capacity`; all zeros for an empty initrd.
 * Never longer than the area: a partial area would break every later read of the image, and its boot.
 */
export async function encodeEmbedArea(members: Initrd, capacity: number): Promise<Buffer> {
  const area = Buffer.alloc(capacity);
  if (members.size === 0) return area;
  const xz = await xzCompress(initrdCpio(members));
  if (xz.length > capacity) throw new IsoError(`Compressed initramfs is too large: ${xz.length} > ${capacity}`);
  xz.copy(area);
  return area;
}
