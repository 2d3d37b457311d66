// Just enough ISO 9660 to find a file in the primary tree, read as coreos-installer's `iso9660.rs` reads it:
// volume descriptors from sector 16, the primary descriptor's root, level-1 names with `;1` and a trailing `.`
// removed, exact case-sensitive lookup. Rock Ridge and Joliet are ignored, as coreos-installer ignores them.

import { ExitCode, FleetbootError } from '../core/errors.js';
import type { ByteSource } from './byte-source.js';

export const SECTOR_SIZE = 2048;
const DESCRIPTORS_START = 16 * SECTOR_SIZE;

/** A malformed or unsuitable image; the message is coreos-installer's where it has words for it. */
export class IsoError extends FleetbootError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.ERROR, options);
  }

  /** Prefixes `context: ` as coreos-installer's error chain reads, keeping the error's kind. */
  withContext(context: string): IsoError {
    const Ctor = this.constructor as new (message: string, options?: { cause?: unknown }) => IsoError;
    return new Ctor(`${context}: ${this.message}`, { cause: this.cause });
  }
}

/** The path asked for is not in the image (coreos-installer's `NotFound`, on which it falls back). */
export class IsoNotFoundError extends IsoError {}

/** Runs `fn`, prefixing `context` to what it throws (other errors become IsoErrors). */
export async function withContext<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof IsoError) throw err.withContext(context);
    throw new IsoError(`${context}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export interface IsoRecord {
  /** Name as coreos-installer sees it: `IGNINFO.JSO`, `IMAGES`. */
  name: string;
  directory: boolean;
  /** First logical block (2048 bytes each). */
  extent: number;
  /** Data length in bytes. */
  size: number;
}

export interface IsoVolume {
  systemId: string;
  volumeId: string;
  /** Volume space size in logical blocks. */
  blocks: number;
  root: IsoRecord;
}

export function recordOffset(rec: IsoRecord): number {
  return rec.extent * SECTOR_SIZE;
}

/** Reads the volume descriptors and returns the primary volume; checks that the image is complete. */
export async function readIsoVolume(source: ByteSource): Promise<IsoVolume> {
  let primary: IsoVolume | undefined;
  for (let n = 1; ; n++) {
    const offset = DESCRIPTORS_START + (n - 1) * SECTOR_SIZE;
    if (offset + SECTOR_SIZE > source.size) {
      throw new IsoError(`getting volume descriptor #${n}: reading volume descriptor: failed to fill whole buffer`);
    }
    const d = await source.read(offset, SECTOR_SIZE);
    const type = d[0];
    if (type === 255) break;
    if (type === 0) verifyDescriptorHeader(d, 'parsing boot descriptor', n);
    else if (type === 1) {
      verifyDescriptorHeader(d, 'parsing primary descriptor', n);
      // coreos-installer uses the first primary descriptor.
      primary ??= {
        systemId: isoString(d.subarray(8, 40)),
        volumeId: isoString(d.subarray(40, 72)),
        blocks: d.readUInt32LE(80),
        root: rootRecord(d.subarray(156, 190)),
      };
    }
  }
  if (!primary) throw new IsoError('no primary volume descriptor found in ISO');
  if (primary.blocks * SECTOR_SIZE > source.size) throw new IsoError('ISO image is incomplete');
  return primary;
}

function verifyDescriptorHeader(d: Buffer, what: string, n: number): void {
  const where = `getting volume descriptor #${n}: ${what}`;
  if (d.toString('latin1', 1, 6) !== 'CD001') throw new IsoError(`${where}: unknown descriptor ID: ${JSON.stringify(d.toString('latin1', 1, 6))}`);
  if (d[6] !== 1) throw new IsoError(`${where}: unknown descriptor version: ${d[6]}`);
}

/** A-string: printable, space-padded. */
function isoString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul < 0 ? b.length : nul).replace(/ +$/, '');
}

function rootRecord(b: Buffer): IsoRecord {
  const recs = parseDirectory(b, true);
  const root = recs[0];
  if (!root || !root.directory) throw new IsoError('failed to parse root directory record from primary descriptor');
  return root;
}

/** Lists a directory's records, without `.` and `..`. */
export async function listDirectory(source: ByteSource, dir: IsoRecord): Promise<IsoRecord[]> {
  const at = recordOffset(dir);
  if (at + dir.size > source.size) {
    throw new IsoError(`listing directory ${dir.name}: reading directory ${dir.name}: failed to fill whole buffer`);
  }
  try {
    return parseDirectory(await source.read(at, dir.size), false);
  } catch (err) {
    if (err instanceof IsoError) throw err.withContext(`listing directory ${dir.name}: reading next record`);
    throw err;
  }
}

/** Parses the records of a directory extent; a zero length byte skips to the next sector, as in the standard. */
function parseDirectory(buf: Buffer, isRoot: boolean): IsoRecord[] {
  const out: IsoRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const len = buf[pos]!;
    if (len === 0) {
      pos = Math.floor(pos / SECTOR_SIZE + 1) * SECTOR_SIZE;
      continue;
    }
    if (len > buf.length - pos || len < 34) throw new IsoError('incomplete directory record; corrupt ISO?');
    const extent = buf.readUInt32LE(pos + 2);
    const size = buf.readUInt32LE(pos + 10);
    const flags = buf[pos + 25]!;
    const nameLen = buf[pos + 32]!;
    if (33 + nameLen > len) throw new IsoError('incomplete string name; corrupt ISO?');
    const raw = buf.subarray(pos + 33, pos + 33 + nameLen);
    let name: string | undefined;
    if (nameLen === 1 && (raw[0] === 0 || raw[0] === 1)) {
      // `.` and `..`; the root record in the volume descriptor is the one `.` that counts.
      if (isRoot && raw[0] === 0) name = '.';
    } else {
      name = fileName(raw);
    }
    if (name !== undefined) out.push({ name, directory: (flags & 2) !== 0, extent, size });
    pos += len;
  }
  return out;
}

const FILE_CHARS = new Set(Buffer.from('!"%&\'()*+,-.:<=>?'));

/** A file identifier as coreos-installer decodes it: `;1`, then a trailing `.`, removed; `;` and `/` read as `.`. */
export function fileName(raw: Buffer): string {
  let end = raw.length;
  if (end >= 2 && raw[end - 2] === 0x3b && raw[end - 1] === 0x31) end -= 2;
  if (end >= 1 && raw[end - 1] === 0x2e) end -= 1;
  let s = '';
  for (let i = 0; i < end; i++) {
    const c = raw[i]!;
    const ch = String.fromCharCode(c);
    if (/[A-Za-z0-9_ ]/.test(ch) || FILE_CHARS.has(c)) s += ch;
    else if (c === 0x3b || c === 0x2f) s += '.';
    else if (c === 0) break;
    else throw new IsoError(`invalid string name ${JSON.stringify(raw.toString('latin1'))}`);
  }
  return s;
}

/** Splits a path as coreos-installer does: empty, `.` components ignored, `..` goes up. */
function pathComponents(path: string): string[] {
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

/** Finds a record by its exact (level-1, case-sensitive) path, e.g. `COREOS/IGNINFO.JSO`. */
export async function lookupPath(source: ByteSource, volume: IsoVolume, path: string): Promise<IsoRecord> {
  const components = pathComponents(path);
  const last = components.pop();
  let dir = volume.root;
  if (last === undefined) return dir;
  for (const c of components) {
    const rec = (await listDirectory(source, dir)).find((r) => r.name === c);
    if (!rec) throw new IsoNotFoundError(`intermediate directory ${c} does not exist`);
    if (!rec.directory) throw new IsoNotFoundError(`component ${JSON.stringify(c)} in path ${path} is not a directory`);
    dir = rec;
  }
  const rec = (await listDirectory(source, dir)).find((r) => r.name === last);
  if (!rec) throw new IsoNotFoundError(`no record for ${last} in directory ${components.join('/')}`);
  return rec;
}

/** The whole content of a (small) file. */
export async function readIsoFile(source: ByteSource, rec: IsoRecord): Promise<Buffer> {
  return source.read(recordOffset(rec), rec.size);
}
