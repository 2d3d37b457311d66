// Random access to a virtual CD image over HTTP(S), as a BMC reads it: a HEAD for the size, then
// `Range: bytes=a-b` GETs of at most one chunk each, paced by a token bucket at the lab's rate.
// A server that ignores Range, an image that is gone, or an eject ends the reads with a reason.

import http from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { TokenBucket, type Clock } from './token-bucket.js';

export type MediaFailure = 'unreachable' | 'http-status' | 'no-range' | 'bad-range' | 'not-iso' | 'ejected' | 'out-of-bounds';

export class MediaReadError extends Error {
  constructor(
    readonly failure: MediaFailure,
    message: string,
  ) {
    super(message);
    this.name = 'MediaReadError';
  }
}

export interface MediaReaderOptions {
  /** Bytes per second; 0 = unpaced (default 50 MB/s). */
  rateBytesPerSec?: number;
  /** Largest Range request (default 256 KiB). */
  chunkBytes?: number;
  /** Verify the image server's certificate (profile data: most BMCs do not). */
  verifyTls?: boolean;
  /** CA bundle for a verifying BMC. */
  ca?: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Aborted when the image is ejected or the machine powers off. */
  signal?: AbortSignal;
  /** Injected by tests to count pacing without waiting. */
  clock?: Clock;
}

export interface MediaReaderStats {
  requests: number;
  bytes: number;
}

export const DEFAULT_MEDIA_RATE = 50 * 1024 * 1024;
const DEFAULT_CHUNK = 256 * 1024;

const realClock: Clock = { now: () => Date.now(), sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}) };

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class MediaReader {
  readonly url: string;
  /** The image's size in bytes, once known (HEAD's Content-Length or a Content-Range total). */
  size: number | undefined;
  readonly stats: MediaReaderStats = { requests: 0, bytes: 0 };
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly bucket: TokenBucket;
  private readonly chunk: number;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;
  private opened: Promise<void> | undefined;

  constructor(url: string, opts: MediaReaderOptions = {}) {
    this.url = url;
    try {
      this.target = new URL(url);
    } catch {
      throw new MediaReadError('unreachable', `the image URL ${url} is not a URL`);
    }
    if (this.target.protocol !== 'http:' && this.target.protocol !== 'https:') {
      throw new MediaReadError('unreachable', `the image URL ${url} is not http:// or https://; the firmware reads only those`);
    }
    this.chunk = opts.chunkBytes ?? DEFAULT_CHUNK;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.signal = opts.signal;
    const rate = opts.rateBytesPerSec ?? DEFAULT_MEDIA_RATE;
    this.bucket = new TokenBucket(rate, Math.max(this.chunk, rate / 10), opts.clock ?? realClock);
    // One connection, kept open, as a BMC's virtual media client holds it.
    this.agent =
      this.target.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: opts.verifyTls ?? false, ...(opts.ca ? { ca: opts.ca } : {}) })
        : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** Learns the size with a HEAD; a server that says it takes no ranges is refused here. */
  open(): Promise<void> {
    this.opened ??= this.head();
    return this.opened;
  }

  /** `length` bytes from `offset`, in Range requests of at most one chunk each. */
  async read(offset: number, length: number): Promise<Buffer> {
    await this.open();
    if (offset < 0 || length < 0 || (this.size !== undefined && offset + length > this.size)) {
      throw new MediaReadError('out-of-bounds', `read of ${length} bytes at ${offset} is outside the image (${this.size ?? '?'} bytes)`);
    }
    const parts: Buffer[] = [];
    for (let at = offset; at < offset + length; at += this.chunk) {
      const n = Math.min(this.chunk, offset + length - at);
      this.checkAttached();
      await this.bucket.take(n, this.signal).catch((err: unknown) => {
        this.checkAttached();
        throw err;
      });
      parts.push(await this.range(at, n));
    }
    return Buffer.concat(parts);
  }

  close(): void {
    this.agent.destroy();
  }

  private checkAttached(): void {
    if (this.signal?.aborted) throw new MediaReadError('ejected', `the image ${this.url} was ejected (or the machine powered off) during the read`);
  }

  private async head(): Promise<void> {
    const res = await this.send('HEAD', {});
    // A server without HEAD still may serve ranges: the first Range answer then gives the size.
    if (res.status === 405 || res.status === 501) return;
    if (res.status >= 400) throw this.statusError(res.status);
    const accept = String(res.headers['accept-ranges'] ?? '').toLowerCase();
    if (accept === 'none') throw new MediaReadError('no-range', `the server of ${this.url} says Accept-Ranges: none; a BMC reads images with Range requests`);
    const len = Number(res.headers['content-length']);
    if (Number.isSafeInteger(len) && len >= 0) this.size = len;
  }

  private async range(start: number, length: number): Promise<Buffer> {
    const end = start + length - 1;
    const res = await this.send('GET', { Range: `bytes=${start}-${end}` });
    if (res.status === 200) {
      throw new MediaReadError('no-range', `the server of ${this.url} answered 200 with the whole file to a Range request; it must answer 206 Partial Content`);
    }
    if (res.status !== 206) throw this.statusError(res.status);
    const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? '').trim());
    if (!cr) throw new MediaReadError('no-range', `the server of ${this.url} answered 206 without a valid Content-Range`);
    if (Number(cr[1]) !== start || Number(cr[2]) !== end || res.body.length !== length) {
      throw new MediaReadError('bad-range', `the server of ${this.url} answered bytes ${cr[1]}-${cr[2]} (${res.body.length} bytes) to a request for ${start}-${end}`);
    }
    if (cr[3] !== '*' && this.size === undefined) this.size = Number(cr[3]);
    return res.body;
  }

  private statusError(status: number): MediaReadError {
    return new MediaReadError('http-status', `the server of ${this.url} answered HTTP ${status}`);
  }

  private send(method: string, headers: Record<string, string>): Promise<Answer> {
    this.checkAttached();
    this.stats.requests++;
    const mod = this.target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        this.target,
        { method, headers: { 'User-Agent': 'fleetboot-lab-bmc virtual-media', ...headers }, agent: this.agent, timeout: this.timeoutMs, ...(this.signal ? { signal: this.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            this.stats.bytes += c.length;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (err) => reject(this.failure(err)));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.failure(err)));
      req.end();
    });
  }

  private failure(err: Error): MediaReadError {
    if (this.signal?.aborted) return new MediaReadError('ejected', `the image ${this.url} was ejected (or the machine powered off) during the read`);
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    return new MediaReadError('unreachable', `cannot fetch ${this.url}: ${code}`);
  }
}
