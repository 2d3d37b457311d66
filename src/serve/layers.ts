// A served artifact is a file with byte overlays on top (a live ISO with a host's Ignition in its
// embed area). This plans, for any byte range, which spans come from the file and which from
// overlay buffers, so the server can stream the file and splice the overlays in. Pure.

import type { ByteRange } from './range.js';

/** Bytes that replace the file's bytes from `offset` on; the total size never changes. */
export interface Overlay {
  offset: number;
  bytes: Uint8Array;
}

export type Span =
  /** File bytes `start..end` (inclusive, file offsets). */
  | { from: 'file'; start: number; end: number }
  /** Bytes `start..end` (inclusive, offsets within the overlay) of overlay `index`. */
  | { from: 'overlay'; index: number; start: number; end: number };

/**
 * Checks that overlays are sorted, do not overlap and lie within a file of `size` bytes; returns
 * a one-line reason when they do not. Empty overlays are refused: they would only hide mistakes.
 */
export function checkOverlays(size: number, overlays: readonly Overlay[]): string | undefined {
  let prevEnd = 0;
  for (const [i, o] of overlays.entries()) {
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) return `overlay ${i}: offset ${o.offset} is not a byte offset`;
    if (o.bytes.length === 0) return `overlay ${i} at ${o.offset} is empty`;
    if (o.offset < prevEnd) return `overlay ${i} at ${o.offset} overlaps or precedes the overlay before it (which ends at ${prevEnd})`;
    const end = o.offset + o.bytes.length;
    if (end > size) return `overlay ${i} at ${o.offset} (${o.bytes.length} B) runs past the end of the ${size} B file`;
    prevEnd = end;
  }
  return undefined;
}

/** Index of the first overlay that ends after `pos` (binary search: overlays are sorted). */
function firstEndingAfter(overlays: readonly Overlay[], pos: number): number {
  let lo = 0;
  let hi = overlays.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const o = overlays[mid]!;
    if (o.offset + o.bytes.length <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The spans that make up `range` of the composed artifact, in order. `overlays` must have passed
 * `checkOverlays` and `range` must lie within the file.
 */
export function planSpans(overlays: readonly Overlay[], range: ByteRange): Span[] {
  const spans: Span[] = [];
  let pos = range.start;
  for (let i = firstEndingAfter(overlays, pos); i < overlays.length && pos <= range.end; i++) {
    const o = overlays[i]!;
    if (o.offset > range.end) break;
    if (o.offset > pos) {
      spans.push({ from: 'file', start: pos, end: o.offset - 1 });
      pos = o.offset;
    }
    const stop = Math.min(range.end, o.offset + o.bytes.length - 1);
    spans.push({ from: 'overlay', index: i, start: pos - o.offset, end: stop - o.offset });
    pos = stop + 1;
  }
  if (pos <= range.end) spans.push({ from: 'file', start: pos, end: range.end });
  return spans;
}

/** Byte count of a span. */
export function spanLength(s: Span): number {
  return s.end - s.start + 1;
}
