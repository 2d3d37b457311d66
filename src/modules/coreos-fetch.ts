// What the coreos modules share for HTTP: fetching a small source once per run, and fetching a
// published artifact back through its advertised URL as the operator's `curl` step would.

import { Agent as HttpsAgent } from 'node:https';
import axios from 'axios';
import type { ArtifactPublisher, PublishedArtifact } from './contract.js';

/** One promise per key for the whole process: 1,000 hosts asking at once cause one read. */
export function onceByKey<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
    // A failure is not cached: the next host (or run) tries again.
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** A one-line reason for an axios/HTTP failure. */
export function httpFailure(err: unknown): string {
  if (axios.isAxiosError(err)) {
    if (err.response) return `HTTP ${err.response.status}${err.response.statusText ? ` ${err.response.statusText}` : ''}`;
    return err.code ? `${err.code}: ${err.message}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** GETs a URL into memory (small things: stream metadata, an Ignition config). */
export async function httpGetBytes(url: string, opts: { signal?: AbortSignal; caPem?: string } = {}): Promise<Buffer> {
  const res = await axios.get<ArrayBuffer>(url, {
    responseType: 'arraybuffer',
    maxRedirects: 5,
    timeout: 60_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.caPem && url.startsWith('https:') ? { httpsAgent: new HttpsAgent({ ca: opts.caPem }) } : {}),
    // No decompression surprises: the digest is over the bytes as served.
    decompress: false,
    validateStatus: (s) => s === 200,
  });
  return Buffer.from(res.data);
}

/**
 * Fetches each advertised URL of `published` and hands the bytes to `check`; the first problem
 * as one line (the URL is a secret: it is named only by its scheme), or undefined.
 */
export async function fetchBack(
  published: PublishedArtifact,
  publisher: ArtifactPublisher,
  signal: AbortSignal,
  check: (bytes: Buffer) => string | undefined,
): Promise<string | undefined> {
  const urls = [published.url, ...(published.httpsUrl && published.httpsUrl !== published.url ? [published.httpsUrl] : [])];
  for (const url of urls) {
    const scheme = url.startsWith('https:') ? 'HTTPS' : 'HTTP';
    let bytes: Buffer;
    try {
      bytes = await httpGetBytes(url, { signal, ...(publisher.caPem ? { caPem: publisher.caPem } : {}) });
    } catch (err) {
      return `fetching it back through the advertised ${scheme} URL failed: ${httpFailure(err)}; check the artifact server's advertised address`;
    }
    const wrong = check(bytes);
    if (wrong) return `fetched back through the advertised ${scheme} URL: ${wrong}`;
  }
  return undefined;
}
