// CoreOS stream metadata (the published `streams/<name>.json` and the `coreos-bootimages`
// configmap's `data.stream` share one shape, coreos/stream-metadata-go `stream/stream.go`):
//   { stream, metadata: {last-modified}, architectures: { <arch>: { artifacts: { <platform>: {
//     release, formats: { <format>: { disk|kernel|initramfs|rootfs: {location, sha256, signature?,
//     uncompressed-sha256?} } } } } } } }
// Pure parsing: callers fetch the text. Errors name the missing key path, on one line.

import { requireCoreosArch, type CoreosArch } from './architecture.js';

export interface StreamArtifact {
  location: string;
  /** Lower-case hex SHA-256 of the file as downloaded. */
  sha256: string;
  signature?: string;
  uncompressedSha256?: string;
}

export interface LiveIsoArtifact extends StreamArtifact {
  arch: CoreosArch;
  /** The OS release the artifact belongs to (`artifacts.metal.release`), when given. */
  release?: string;
}

export interface PxeArtifacts {
  arch: CoreosArch;
  release?: string;
  kernel: StreamArtifact;
  initramfs: StreamArtifact;
  rootfs: StreamArtifact;
}

export class StreamMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamMetadataError';
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses stream metadata text (JSON); the result is checked lazily by the pickers below. */
export function parseStreamMetadata(text: string, source = 'stream metadata'): Obj {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StreamMetadataError(`${source} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObj(value)) throw new StreamMetadataError(`${source} is not a JSON object`);
  if (!isObj(value['architectures'])) throw new StreamMetadataError(`${source} has no architectures`);
  return value;
}

/**
 * The stream JSON inside a `coreos-bootimages` ConfigMap (`data.stream`, a string), given the
 * ConfigMap object as read from the API.
 */
export function streamFromConfigMap(configMap: unknown): Obj {
  const data = isObj(configMap) ? configMap['data'] : undefined;
  const text = isObj(data) ? data['stream'] : undefined;
  if (typeof text !== 'string') throw new StreamMetadataError('configmap coreos-bootimages has no data.stream');
  return parseStreamMetadata(text, 'configmap coreos-bootimages data.stream');
}

/** Walks `path` from `root`; fails naming the first key that is missing. */
function walk(root: Obj, path: readonly string[], source: string): Obj {
  let node: Obj = root;
  for (let i = 0; i < path.length; i++) {
    const next = node[path[i]!];
    if (!isObj(next)) throw new StreamMetadataError(`${source} has no ${path.slice(0, i + 1).join('.')}`);
    node = next;
  }
  return node;
}

const SHA256 = /^[0-9a-f]{64}$/;

function artifact(root: Obj, path: readonly string[], source: string): StreamArtifact {
  const node = walk(root, path, source);
  const where = path.join('.');
  const location = node['location'];
  const sha256 = node['sha256'];
  if (typeof location !== 'string' || location === '') throw new StreamMetadataError(`${source} has no ${where}.location`);
  if (typeof sha256 !== 'string') throw new StreamMetadataError(`${source} has no ${where}.sha256`);
  const digest = sha256.toLowerCase();
  if (!SHA256.test(digest)) throw new StreamMetadataError(`${source}: ${where}.sha256 is not a 64-digit hex SHA-256: '${sha256}'`);
  const out: StreamArtifact = { location, sha256: digest };
  if (typeof node['signature'] === 'string') out.signature = node['signature'];
  if (typeof node['uncompressed-sha256'] === 'string') out.uncompressedSha256 = node['uncompressed-sha256'].toLowerCase();
  return out;
}

function release(root: Obj, arch: string): string | undefined {
  const metal = walk(root, ['architectures', arch, 'artifacts', 'metal'], 'stream metadata');
  return typeof metal['release'] === 'string' ? metal['release'] : undefined;
}

/** The live ISO for an architecture (`aarch64` or `arm64` alike): `...metal.formats.iso.disk`. */
export function pickLiveIso(stream: Obj, archName: string, source = 'stream metadata'): LiveIsoArtifact {
  const arch = requireCoreosArch(archName);
  const iso = artifact(stream, ['architectures', arch, 'artifacts', 'metal', 'formats', 'iso', 'disk'], source);
  const rel = release(stream, arch);
  return { ...iso, arch, ...(rel ? { release: rel } : {}) };
}

/** The PXE kernel, initramfs and rootfs for an architecture: `...metal.formats.pxe.{kernel,initramfs,rootfs}`. */
export function pickPxe(stream: Obj, archName: string, source = 'stream metadata'): PxeArtifacts {
  const arch = requireCoreosArch(archName);
  const base = ['architectures', arch, 'artifacts', 'metal', 'formats', 'pxe'];
  const rel = release(stream, arch);
  return {
    arch,
    ...(rel ? { release: rel } : {}),
    kernel: artifact(stream, [...base, 'kernel'], source),
    initramfs: artifact(stream, [...base, 'initramfs'], source),
    rootfs: artifact(stream, [...base, 'rootfs'], source),
  };
}

/** The architectures the stream describes, as named there. */
export function streamArchitectures(stream: Obj): string[] {
  const archs = stream['architectures'];
  return isObj(archs) ? Object.keys(archs) : [];
}
