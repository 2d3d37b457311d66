// The parts of ISO 9660 (ECMA-119) a firmware reads before it loads a boot loader from a CD:
// the volume descriptors from sector 16 on and the root directory's extent. Pure parsers.

export const SECTOR = 2048;
/** The first volume descriptor's sector (the 32 KiB before it are the system area). */
export const FIRST_DESCRIPTOR = 16;

export type DescriptorType = 'boot' | 'primary' | 'supplementary' | 'partition' | 'terminator' | 'other';

export interface VolumeDescriptor {
  type: DescriptorType;
  /** The type byte (0 boot record, 1 primary, 2 supplementary, 3 partition, 255 terminator). */
  code: number;
}

export interface PrimaryVolume {
  volumeId: string;
  /** Volume space size in logical blocks (both-endian u32 at +80; the little-endian half). */
  blocks: number;
  blockSize: number;
  root: { extent: number; size: number };
}

export interface DirectoryEntry {
  name: string;
  extent: number;
  size: number;
  directory: boolean;
}

const TYPES: Record<number, DescriptorType> = { 0: 'boot', 1: 'primary', 2: 'supplementary', 3: 'partition', 255: 'terminator' };

/** A volume descriptor's type, or an error naming what is wrong with the sector. */
export function parseDescriptor(sector: Buffer): VolumeDescriptor {
  if (sector.length < SECTOR) throw new Error(`a volume descriptor is ${SECTOR} bytes, got ${sector.length}`);
  const id = sector.subarray(1, 6).toString('latin1');
  if (id !== 'CD001') throw new Error(`no ISO 9660 identifier (CD001) at byte 1 of the descriptor, found ${JSON.stringify(id)}`);
  const code = sector[0] ?? 0;
  return { type: TYPES[code] ?? 'other', code };
}

/** The primary volume descriptor's size, block size and root directory record (at +156). */
export function parsePrimary(sector: Buffer): PrimaryVolume {
  const d = parseDescriptor(sector);
  if (d.type !== 'primary') throw new Error(`descriptor type ${d.code} is not a primary volume descriptor`);
  const blockSize = sector.readUInt16LE(128);
  if (blockSize !== SECTOR) throw new Error(`logical block size ${blockSize}, expected ${SECTOR}`);
  const root = parseRecord(sector.subarray(156, 156 + 34));
  if (!root) throw new Error('the root directory record is empty');
  return {
    volumeId: sector.subarray(40, 72).toString('latin1').trimEnd(),
    blocks: sector.readUInt32LE(80),
    blockSize,
    root: { extent: root.extent, size: root.size },
  };
}

function parseRecord(rec: Buffer): DirectoryEntry | undefined {
  const len = rec[0] ?? 0;
  if (len === 0 || rec.length < 33) return undefined;
  const nameLen = rec[32] ?? 0;
  const raw = rec.subarray(33, 33 + nameLen);
  const name = nameLen === 1 && raw[0] === 0 ? '.' : nameLen === 1 && raw[0] === 1 ? '..' : raw.toString('latin1');
  return { name, extent: rec.readUInt32LE(2), size: rec.readUInt32LE(10), directory: ((rec[25] ?? 0) & 2) !== 0 };
}

/** The records of a directory extent; records do not cross sector boundaries (zero padding). */
export function parseDirectory(extent: Buffer): DirectoryEntry[] {
  const out: DirectoryEntry[] = [];
  let at = 0;
  while (at < extent.length) {
    const len = extent[at] ?? 0;
    if (len === 0) {
      at = (Math.floor(at / SECTOR) + 1) * SECTOR;
      continue;
    }
    if (len < 34 || at + len > extent.length) throw new Error(`directory record at byte ${at} has a bad length ${len}`);
    const rec = parseRecord(extent.subarray(at, at + len));
    if (rec) out.push(rec);
    at += len;
  }
  return out;
}
