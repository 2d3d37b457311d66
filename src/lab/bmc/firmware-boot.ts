// What the simulated firmware reads from a virtual CD before it would load a boot loader: the
// volume descriptors from sector 16 to the terminator, then the root directory. Any failure is
// a one-line reason the boot record keeps.

import { FIRST_DESCRIPTOR, parseDescriptor, parseDirectory, parsePrimary, SECTOR, type DirectoryEntry, type PrimaryVolume } from './iso9660.js';
import { MediaReadError, type MediaReader } from './media-reader.js';

/** Descriptors a sane image has before its terminator; more means garbage. */
const MAX_DESCRIPTORS = 32;

export interface CdBootResult {
  volume: PrimaryVolume;
  rootEntries: DirectoryEntry[];
}

export async function readBootCd(reader: MediaReader): Promise<CdBootResult> {
  await reader.open();
  let primary: PrimaryVolume | undefined;
  for (let i = 0; ; i++) {
    if (i >= MAX_DESCRIPTORS) throw new MediaReadError('not-iso', `no volume descriptor set terminator in the first ${MAX_DESCRIPTORS} descriptors`);
    const sector = await reader.read((FIRST_DESCRIPTOR + i) * SECTOR, SECTOR);
    let type: string;
    try {
      type = parseDescriptor(sector).type;
      if (type === 'primary') primary ??= parsePrimary(sector);
    } catch (err) {
      throw new MediaReadError('not-iso', `not an ISO 9660 image: sector ${FIRST_DESCRIPTOR + i}: ${(err as Error).message}`);
    }
    if (type === 'terminator') break;
  }
  if (!primary) throw new MediaReadError('not-iso', 'not an ISO 9660 image: no primary volume descriptor');
  if (reader.size !== undefined && primary.blocks * SECTOR > reader.size) {
    throw new MediaReadError('not-iso', `the image is ${reader.size} bytes but its volume is ${primary.blocks * SECTOR} (truncated download?)`);
  }
  const dir = await reader.read(primary.root.extent * SECTOR, primary.root.size);
  let rootEntries: DirectoryEntry[];
  try {
    rootEntries = parseDirectory(dir);
  } catch (err) {
    throw new MediaReadError('not-iso', `the root directory is unreadable: ${(err as Error).message}`);
  }
  return { volume: primary, rootEntries };
}
