// Random access to the bytes of an image, wherever they live: a file read piecewise (an ISO is never read whole
// into memory), a Buffer, or (in the lab) an HTTP server answering Range requests.

import { open, type FileHandle } from 'node:fs/promises';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes starting at `offset`; rejects when the range does not lie inside [0, size).
   * The returned Buffer may share memory with the source: copy it before changing it.
   */
  read(offset: number, length: number): Promise<Buffer>;
}

/** Throws unless [offset, offset+length) lies inside a source of `size` bytes. */
export function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`bad read range: ${length} bytes at ${offset}`);
  }
  if (offset + length > size) {
    throw new RangeError(`reading ${length} bytes at ${offset}: past the end of the image (${size} bytes)`);
  }
}

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read(offset, length) {
      checkRange(buf.length, offset, length);
      return Promise.resolve(buf.subarray(offset, offset + length));
    },
  };
}

/** A byte source over an open file; `close()` closes the file. */
export interface FileSource extends ByteSource {
  readonly handle: FileHandle;
  close(): Promise<void>;
}

/** Wraps an already open handle (for example one opened read-write to edit the image in place). */
export async function fileHandleSource(handle: FileHandle): Promise<FileSource> {
  const { size } = await handle.stat();
  return {
    size,
    handle,
    async read(offset, length) {
      checkRange(size, offset, length);
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new RangeError(`reading ${length} bytes at ${offset}: the file shrank while being read`);
        done += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}

export async function openFileSource(path: string, flags: 'r' | 'r+' = 'r'): Promise<FileSource> {
  const handle = await open(path, flags);
  try {
    return await fileHandleSource(handle);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * `source` with `bytes` in place of its own at [offset, offset+bytes.length): the image as served with a
 * per-host embed area, without a copy of the image. Reads straddling the area's edges are stitched.
 */
export function overlaidSource(source: ByteSource, overlay: { offset: number; bytes: Buffer }): ByteSource {
  const start = overlay.offset;
  const end = start + overlay.bytes.length;
  checkRange(source.size, start, overlay.bytes.length);
  return {
    size: source.size,
    async read(offset, length) {
      checkRange(source.size, offset, length);
      const stop = offset + length;
      if (stop <= start || offset >= end) return source.read(offset, length);
      if (offset >= start && stop <= end) return overlay.bytes.subarray(offset - start, stop - start);
      const parts: Buffer[] = [];
      if (offset < start) parts.push(await source.read(offset, start - offset));
      parts.push(overlay.bytes.subarray(Math.max(offset, start) - start, Math.min(stop, end) - start));
      if (stop > end) parts.push(await source.read(end, stop - end));
      return Buffer.concat(parts);
    },
  };
}
