// Strong entity tags for published artifacts. A file-backed artifact's tag names the file's identity
// (device, inode, size, modification time) and the exact overlay bytes and offsets, so hosts whose
// overlays differ get different tags for the same file (coreos-iso-embed pitfall 10).

import { createHash } from 'node:crypto';
import type { Overlay } from './layers.js';

/** The parts of a file's `stat` (bigint form) that change when the file is replaced or rewritten. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

function tag(hash: ReturnType<typeof createHash>): string {
  return `"${hash.digest().subarray(0, 18).toString('base64url')}"`;
}

export function fileEtag(id: FileIdentity, overlays: readonly Overlay[]): string {
  const h = createHash('sha256').update(`file ${id.dev} ${id.ino} ${id.size} ${id.mtimeNs}\n`);
  for (const o of overlays) h.update(`overlay ${o.offset} ${o.bytes.length}\n`).update(o.bytes);
  return tag(h);
}

export function bytesEtag(bytes: Uint8Array): string {
  return tag(createHash('sha256').update('bytes\n').update(bytes));
}
