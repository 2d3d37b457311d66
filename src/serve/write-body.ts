// Streams a response body: literal text, file bytes read from the request's one open handle, and
// overlay bytes spliced in where the plan says. Never more than two read chunks per request are
// in memory (or one overlay piece), whatever the file size: writes wait for the socket.

import { once } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { planSpans, type Overlay } from './layers.js';
import type { BodyPiece } from './respond.js';

/** Read size from disk: large enough for few syscalls, small enough for 100s of readers. */
export const READ_CHUNK = 256 * 1024;

export interface BodySource {
  /** Absent for artifacts made of bytes only (then the overlays cover everything). */
  file: FileHandle | undefined;
  overlays: readonly Overlay[];
}

/** Writes `chunk`, then waits while the destination is full; rejects when the request is aborted. */
async function put(out: Writable, chunk: Uint8Array, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (!out.write(chunk)) await once(out, 'drain', { signal });
}

/** Resolves when the socket has taken `chunk` (its write callback), so its buffer may be reused. */
function written(out: Writable, chunk: Uint8Array, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    out.write(chunk, (err) => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    });
  });
}

/**
 * File bytes `start..end` from the request's handle, double-buffered: the next chunk is read while
 * the socket takes the previous one, and a buffer is refilled only after the socket is done with
 * it, so a request holds at most two chunks. A read loop rather than a ReadStream: destroy() closes
 * a ReadStream's descriptor whatever `autoClose` says, and this handle is shared by every span of
 * the request and closed once, by its owner.
 */
async function copyFile(file: FileHandle, start: number, end: number, out: Writable, signal: AbortSignal, counted: (n: number) => void): Promise<void> {
  const size = Math.min(READ_CHUNK, end - start + 1);
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] as const;
  const flushed: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  const read = (i: 0 | 1, pos: number) => file.read(bufs[i], 0, Math.min(size, end - pos + 1), pos);
  let i: 0 | 1 = 0;
  let pos = start;
  let next = read(0, pos);
  try {
    while (pos <= end) {
      const { bytesRead } = await next;
      signal.throwIfAborted();
      if (bytesRead === 0) throw new Error(`the file ended at byte ${pos}, before ${end}: it was truncated while served`);
      const chunk = bufs[i].subarray(0, bytesRead);
      pos += bytesRead;
      const other: 0 | 1 = i === 0 ? 1 : 0;
      if (pos <= end) {
        await flushed[other];
        next = read(other, pos);
      }
      const w = written(out, chunk, signal);
      // Handled now, awaited later: a write cut by an abort must not count as an unhandled rejection.
      w.catch(() => undefined);
      flushed[i] = w;
      counted(bytesRead);
      i = other;
    }
    await Promise.all(flushed);
  } finally {
    // A read still in flight must finish before the caller closes the handle.
    await next.catch(() => undefined);
  }
}

/** Writes every piece in order; `counted` hears each body byte handed to the socket. */
export async function writeBody(
  out: Writable,
  pieces: readonly BodyPiece[],
  src: BodySource,
  signal: AbortSignal,
  counted: (n: number) => void,
): Promise<void> {
  for (const piece of pieces) {
    if ('text' in piece) {
      const b = Buffer.from(piece.text, 'latin1');
      await put(out, b, signal);
      counted(b.length);
      continue;
    }
    for (const span of planSpans(src.overlays, piece.range)) {
      if (span.from === 'overlay') {
        const part = src.overlays[span.index]!.bytes.subarray(span.start, span.end + 1);
        await put(out, part, signal);
        counted(part.length);
      } else {
        if (!src.file) throw new Error(`bytes ${span.start}-${span.end} lie outside the artifact's overlays and it has no file`);
        await copyFile(src.file, span.start, span.end, out, signal, counted);
      }
    }
  }
}
