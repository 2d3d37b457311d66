// Where the Ignition embed area of a CoreOS live ISO lies, found as coreos-installer ≥ 0.17 finds it
// (`InitrdEmbedArea::for_iso`): `coreos/igninfo.json` in the primary tree names the file and, optionally, an
// offset and length inside it; images without it use `images/ignition.img` whole.

import type { ByteSource } from './byte-source.js';
import { IsoError, IsoNotFoundError, lookupPath, readIsoFile, recordOffset, withContext, type IsoVolume } from './iso9660.js';

const IGNINFO_PATH = 'COREOS/IGNINFO.JSO';
const DEFAULT_EMBED_PATH = 'IMAGES/IGNITION.IMG';

export interface IgnInfo {
  file: string;
  offset?: number;
  length?: number;
}

export interface EmbedArea {
  /** Byte offset of the area in the image. */
  offset: number;
  /** Length of the area in bytes (its capacity for the compressed initrd). */
  length: number;
  /** The ISO 9660 path of the file holding it, e.g. `IMAGES/IGNITION.IMG`. */
  file: string;
}

/** Locates the area; errors carry coreos-installer's context words (the caller adds "Unrecognized CoreOS ISO image."). */
export async function locateEmbedArea(source: ByteSource, volume: IsoVolume): Promise<EmbedArea> {
  let info: IgnInfo;
  try {
    const rec = await lookupPath(source, volume, IGNINFO_PATH);
    if (rec.directory) throw new IsoError(`entry ${rec.name} is a directory`);
    const text = await withContext('reading igninfo', () => readIsoFile(source, rec));
    info = parseIgnInfo(text);
  } catch (err) {
    // An older image without igninfo.json: the area is all of images/ignition.img.
    if (!(err instanceof IsoNotFoundError)) throw err;
    info = { file: DEFAULT_EMBED_PATH };
  }

  const path = info.file.toUpperCase();
  const rec = await withContext('finding initrd embed area', () => lookupPath(source, volume, path));
  if (rec.directory) throw new IsoError(`entry ${rec.name} is a directory`);
  const fileOffset = info.offset ?? 0;
  const length = info.length ?? rec.size - fileOffset;
  const offset = recordOffset(rec) + fileOffset;
  if (length < 0) throw new IsoError(`reading initrd embed area: offset ${fileOffset} is past the end of ${path} (${rec.size} bytes)`);
  if (offset + length > source.size) {
    throw new IsoError(`reading initrd embed area: reading ${length} bytes at ${offset}: failed to fill whole buffer (the image has ${source.size} bytes)`);
  }
  return { offset, length, file: path };
}

/** `{"file": str, "offset"?: u64, "length"?: usize}`; unknown fields ignored and null taken as absent, as serde does. */
export function parseIgnInfo(text: Buffer): IgnInfo {
  let v: unknown;
  try {
    v = JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw new IsoError(`decoding igninfo: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IsoError('decoding igninfo: expected a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.file !== 'string') throw new IsoError('decoding igninfo: missing field `file`');
  const info: IgnInfo = { file: o.file };
  for (const key of ['offset', 'length'] as const) {
    const n = o[key];
    if (n === undefined || n === null) continue;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new IsoError(`decoding igninfo: ${key} must be a non-negative integer`);
    }
    info[key] = n;
  }
  return info;
}
