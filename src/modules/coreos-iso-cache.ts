// The live ISO on this machine: stream metadata read once per location, the ISO downloaded once
// per location into a cache (temp file, sha256 checked, then renamed), and its embed area decoded
// once per file. All per process, keyed so that 1,000 hosts asking at once cause one of each.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { openFileSource } from '../coreos/byte-source.js';
import { readIsoIgnition, type IsoIgnitionState } from '../coreos/iso-ignition.js';
import { parseStreamMetadata } from '../coreos/stream-metadata.js';
import { httpFailure, httpGetBytes, onceByKey } from './coreos-fetch.js';

export class IsoCacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IsoCacheError';
  }
}

const streams = new Map<string, Promise<Record<string, unknown>>>();
const isos = new Map<string, Promise<string>>();
const states = new Map<string, Promise<IsoState>>();

export function clearIsoCaches(): void {
  streams.clear();
  isos.clear();
  states.clear();
}

export function isHttpUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** A local path for `file://` URLs and plain paths; undefined for http(s). */
export function localPath(location: string): string | undefined {
  if (isHttpUrl(location)) return undefined;
  if (location.startsWith('file:')) return fileURLToPath(location);
  return resolve(location);
}

/** `$FLEETBOOT_HOME/cache/iso`, else `~/.cache/fleetboot/iso`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['FLEETBOOT_HOME'] ? join(env['FLEETBOOT_HOME'], 'cache', 'iso') : join(homedir(), '.cache', 'fleetboot', 'iso');
}

/** Stream metadata from a path or http(s) URL, read and parsed once per location. */
export function loadStream(location: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
  return onceByKey(streams, location, async () => {
    const path = localPath(location);
    let text: string;
    try {
      text = path ? await readFile(path, 'utf8') : (await httpGetBytes(location, signal ? { signal } : {})).toString('utf8');
    } catch (err) {
      throw new IsoCacheError(`stream: cannot read stream metadata ${location}: ${path ? (err as Error).message : httpFailure(err)}`);
    }
    return parseStreamMetadata(text, `stream metadata ${location}`);
  });
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The ISO as a local file with the expected sha256. A local location is checked in place; a URL is
 * downloaded into `cacheDir` (a cached file whose sha256 matches is reused). Once per location per process.
 */
export function cachedIso(location: string, sha256: string, cacheDir: string, signal?: AbortSignal): Promise<string> {
  return onceByKey(isos, `${location}\0${sha256}`, async () => {
    const local = localPath(location);
    if (local) {
      let got: string;
      try {
        got = await sha256File(local);
      } catch (err) {
        throw new IsoCacheError(`live ISO ${local}: ${(err as Error).message}`);
      }
      if (got !== sha256) throw new IsoCacheError(`live ISO ${local}: sha256 is ${got}, the stream metadata says ${sha256}; the file is not the ISO the stream names`);
      return local;
    }
    const name = basename(new URL(location).pathname) || 'live.iso';
    const target = join(cacheDir, `${sha256.slice(0, 16)}-${name}`);
    if ((await exists(target)) && (await sha256File(target)) === sha256) return target;
    await mkdir(cacheDir, { recursive: true });
    const temp = join(cacheDir, `.download-${randomBytes(6).toString('hex')}-${name}`);
    try {
      const res = await axios.get<NodeJS.ReadableStream>(location, {
        responseType: 'stream',
        maxRedirects: 5,
        decompress: false,
        validateStatus: (s) => s === 200,
        ...(signal ? { signal } : {}),
      });
      const h = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          h.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(res.data, hashing, createWriteStream(temp, { flags: 'wx' }));
      const got = h.digest('hex');
      if (got !== sha256) throw new IsoCacheError(`live ISO ${location}: downloaded file has sha256 ${got}, the stream metadata says ${sha256}; the download is damaged or the stream is stale`);
      await rename(temp, target);
      return target;
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      if (err instanceof IsoCacheError) throw err;
      throw new IsoCacheError(`live ISO ${location}: download failed: ${httpFailure(err)}`);
    }
  });
}

export interface IsoState {
  state: IsoIgnitionState;
  /** Bytes of the original embed area up to its last non-zero byte (0: the area is all zeros). */
  usedLength: number;
}

/** The decoded embed area of a local ISO, once per file. */
export function isoState(path: string): Promise<IsoState> {
  return onceByKey(states, path, async () => {
    const source = await openFileSource(path);
    try {
      const state = await readIsoIgnition(source);
      const area = await source.read(state.area.offset, state.area.length);
      return { state, usedLength: nonZeroLength(area) };
    } finally {
      await source.close();
    }
  });
}

/** Length up to and including the last non-zero byte. */
export function nonZeroLength(buf: Uint8Array): number {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  return end;
}

/**
 * The overlay to serve for a new embed area: the area is 256 KiB, mostly zeros after the compressed
 * config, so only the bytes that differ from the file are kept (up to the last non-zero byte of the
 * new area or of the original, whichever is later). 1,000 hosts then hold a few KiB each.
 */
export function servedOverlays(area: { offset: number; bytes: Buffer }, originalUsed: number): { offset: number; bytes: Buffer }[] {
  const length = Math.max(nonZeroLength(area.bytes), originalUsed);
  return length === 0 ? [] : [{ offset: area.offset, bytes: area.bytes.subarray(0, length) }];
}
