// What the simulated firmware reads from a virtual CD before it would load a boot loader: the
// volume descriptors from sector 16 to the terminator, then the root directory, through the same
// ISO 9660 reader fleetboot uses (the format is the protocol the lab shares). Any failure is a
// one-line reason the boot record keeps.

import type { ByteSource } from '../../coreos/byte-source.js';
import { IsoError, listDirectory, readIsoVolume, SECTOR_SIZE, type IsoRecord, type IsoVolume } from '../../coreos/iso9660.js';
import { MediaReadError, type MediaReader } from './media-reader.js';

export interface CdBootResult {
  volume: IsoVolume;
  rootEntries: IsoRecord[];
}

export async function readBootCd(reader: MediaReader): Promise<CdBootResult> {
  await reader.open();
  // The first descriptor is read first, as firmware does; a server that sent no size on HEAD
  // gives it with this first Range answer.
  const first = await reader.read(16 * SECTOR_SIZE, SECTOR_SIZE);
  // Firmware gives up at once on a first descriptor without the standard identifier (the reader
  // below, like coreos-installer's, only checks the descriptor types it uses).
  if (first.toString('latin1', 1, 6) !== 'CD001') throw new MediaReadError('not-iso', 'not an ISO 9660 image: sector 16 has no CD001 identifier');
  const size = reader.size;
  if (size === undefined) throw new MediaReadError('bad-range', 'the server gave no size for the image');
  const source: ByteSource = { size, read: (offset, length) => reader.read(offset, length) };
  try {
    const volume = await readIsoVolume(source);
    return { volume, rootEntries: await listDirectory(source, volume.root) };
  } catch (err) {
    if (err instanceof IsoError) throw new MediaReadError('not-iso', `not an ISO 9660 image: ${err.message}`);
    throw err;
  }
}
