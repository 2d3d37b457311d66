// `coreos-installer iso ignition embed|show|remove`, as functions over a byte source (what the artifact server
// needs to overlay a per-host config on a streamed ISO) and over files (the offline CLI).

import { randomBytes } from 'node:crypto';
import { copyFile, link, open, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FleetbootError } from '../core/errors.js';
import { openFileSource, overlaidSource, type ByteSource, type FileSource } from './byte-source.js';
import { locateEmbedArea, type EmbedArea } from './embed-area.js';
import { decodeInitrd, encodeEmbedArea, type Initrd } from './initrd.js';
import { IsoError, readIsoVolume, withContext, type IsoVolume } from './iso9660.js';

/** Where coreos-installer (and the live initramfs) expects the config: `/config.ign`, no `./`. */
export const IGNITION_MEMBER = 'config.ign';

export interface IsoIgnitionState {
  volume: IsoVolume;
  area: EmbedArea;
  /** The members of the area's initrd (config.ign, network keyfiles, ...). */
  initrd: Initrd;
}

/** New bytes for the whole embed area: splice `bytes` at `offset` over the original image. */
export interface AreaOverlay {
  offset: number;
  bytes: Buffer;
}

/** Parses the image and decodes its embed area; errors read as coreos-installer's do. */
export async function readIsoIgnition(source: ByteSource): Promise<IsoIgnitionState> {
  const volume = await withContext('parsing ISO9660 image', () => readIsoVolume(source));
  return withContext('Unrecognized CoreOS ISO image.', async () => {
    const area = await locateEmbedArea(source, volume);
    const bytes = await source.read(area.offset, area.length);
    const initrd = await withContext('decoding initrd embed area', () => Promise.resolve(decodeInitrd(bytes)));
    return { volume, area, initrd };
  });
}

/** The embedded config's exact bytes, or undefined when there is none. */
export function embeddedIgnition(state: IsoIgnitionState): Buffer | undefined {
  return state.initrd.get(IGNITION_MEMBER);
}

/** `iso ignition embed` on a decoded image: the area with config.ign set, other members kept. */
export async function embedOverlay(state: IsoIgnitionState, config: Buffer, opts: { force?: boolean } = {}): Promise<AreaOverlay> {
  if (!opts.force && state.initrd.has(IGNITION_MEMBER)) {
    throw new IsoError('This ISO image already has an embedded Ignition config; use -f to force.');
  }
  const initrd: Initrd = new Map(state.initrd);
  initrd.set(IGNITION_MEMBER, config);
  return { offset: state.area.offset, bytes: await encodeEmbedArea(initrd, state.area.length) };
}

/** `iso ignition remove` on a decoded image: the area without config.ign (all zeros if nothing else is left). */
export async function removeOverlay(state: IsoIgnitionState): Promise<AreaOverlay> {
  const initrd: Initrd = new Map(state.initrd);
  initrd.delete(IGNITION_MEMBER);
  return { offset: state.area.offset, bytes: await encodeEmbedArea(initrd, state.area.length) };
}

/**
 * The whole embed area of `source` with `config` as its Ignition config (any config already there replaced,
 * other members kept), for the artifact server to splice into the bytes it streams.
 */
export async function ignitionOverlay(source: ByteSource, config: Buffer): Promise<AreaOverlay> {
  return embedOverlay(await readIsoIgnition(source), config, { force: true });
}

/** `iso ignition show`: the embedded config's bytes; fails with coreos-installer's words when there is none. */
export async function showIgnition(source: ByteSource): Promise<Buffer> {
  const config = embeddedIgnition(await readIsoIgnition(source));
  if (config === undefined) throw new IsoError('No embedded Ignition config.');
  return config;
}

/** The bytes of `source` with `overlay` spliced in, start to end, in chunks (for `-o -`). */
export async function* readWithOverlay(source: ByteSource, overlay: AreaOverlay, chunkSize = 1 << 20): AsyncGenerator<Buffer> {
  const view = overlaidSource(source, overlay);
  for (let pos = 0; pos < view.size; pos += chunkSize) yield await view.read(pos, Math.min(chunkSize, view.size - pos));
}

/** Where an offline edit goes: back into the input file, a new file, or a stream (`-o -`) the caller writes. */
export type IsoOutput = { kind: 'in-place' } | { kind: 'file'; path: string };

/** Opens an ISO file as a byte source; the error names the file. */
export async function openIsoFile(path: string, writable = false): Promise<FileSource> {
  try {
    return await openFileSource(path, writable ? 'r+' : 'r');
  } catch (err) {
    throw new FleetbootError(`opening ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes the overlay in one positional write, so the area is never left half old, half new. */
async function writeArea(handle: FileHandle, overlay: AreaOverlay): Promise<void> {
  const { bytesWritten } = await handle.write(overlay.bytes, 0, overlay.bytes.length, overlay.offset);
  if (bytesWritten !== overlay.bytes.length) {
    throw new FleetbootError(`writing ${overlay.bytes.length} bytes at ${overlay.offset}: only ${bytesWritten} written; the image is damaged, restore it from a copy`);
  }
}

/**
 * Applies an edit to an ISO file: in place (only the area is written), or into a new file that must not exist yet
 * (a copy is edited under a temporary name next to it, then linked into place, as coreos-installer does).
 */
export async function editIsoFile(
  input: string,
  output: IsoOutput,
  edit: (state: IsoIgnitionState) => Promise<AreaOverlay>,
): Promise<void> {
  const inPlace = output.kind === 'in-place';
  const source = await openIsoFile(input, inPlace);
  try {
    const overlay = await edit(await readIsoIgnition(source));
    if (inPlace) return await writeArea(source.handle, overlay);
    await writeNewFile(input, output.path, overlay);
  } finally {
    await source.close();
  }
}

async function writeNewFile(input: string, path: string, overlay: AreaOverlay): Promise<void> {
  const temp = join(dirname(path), `.fleetboot-temp-${randomBytes(6).toString('hex')}-${basename(path)}`);
  try {
    await copyFile(input, temp);
    const handle = await open(temp, 'r+');
    try {
      await writeArea(handle, overlay);
    } finally {
      await handle.close();
    }
    await link(temp, path).catch((err: unknown) => {
      const code = err instanceof Error && 'code' in err ? err.code : undefined;
      const why = code === 'EEXIST' ? 'the file exists; remove it or choose another name' : err instanceof Error ? err.message : String(err);
      throw new FleetbootError(`persisting output file to ${path}: ${why}`);
    });
  } catch (err) {
    if (err instanceof FleetbootError) throw err;
    throw new FleetbootError(`writing ${path}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** `iso ignition embed -i CONFIG [-o OUTPUT] [-f] ISO`. */
export function embedIgnitionFile(input: string, config: Buffer, opts: { output?: IsoOutput; force?: boolean } = {}): Promise<void> {
  return editIsoFile(input, opts.output ?? { kind: 'in-place' }, (state) => embedOverlay(state, config, { force: opts.force }));
}

/** `iso ignition remove [-o OUTPUT] ISO`. */
export function removeIgnitionFile(input: string, opts: { output?: IsoOutput } = {}): Promise<void> {
  return editIsoFile(input, opts.output ?? { kind: 'in-place' }, removeOverlay);
}

/** `iso ignition show ISO`. */
export async function showIgnitionFile(input: string): Promise<Buffer> {
  const source = await openIsoFile(input, false);
  try {
    return await showIgnition(source);
  } finally {
    await source.close();
  }
}
