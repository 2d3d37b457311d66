// The artifact server: serves published files (with per-host overlays spliced in) and small byte
// artifacts over HTTP and HTTPS at unguessable URLs, with Range support as BMCs need it. Every
// request becomes one transport event naming the host the artifact was published for.

import { once } from 'node:events';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { extname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TransportEvent } from '../core/events.js';
import { bytesEtag, fileEtag, sameFile, type FileIdentity } from './identity.js';
import { checkOverlays, type Overlay } from './layers.js';
import type { ByteRange } from './range.js';
import { checkName, newToken, parseArtifactPath, shownPath, shownUnknownPath } from './request-path.js';
import { planResponse, type ResponsePlan } from './respond.js';
import { makeSelfSignedTls } from './self-signed.js';
import { writeBody } from './write-body.js';

export type Protocol = 'http' | 'https';

export interface BindAddress {
  protocol: Protocol;
  host: string;
  /** 0 picks a free port; see `addresses` for the one chosen. */
  port: number;
}

export interface ArtifactServerOptions {
  bind: BindAddress[];
  /**
   * Base URLs as the BMC and host networks reach this server (`http://10.0.0.5:8080`); they may
   * differ from the bind address (NAT, a wildcard bind). Default: the first bound address of each
   * protocol.
   */
  advertise?: { http?: string; https?: string };
  /** The operator's certificate chain and key (PEM). Without it, HTTPS uses a CA made at start. */
  tls?: { cert: string; key: string };
  /** Must not throw. Gets one event per request. */
  onEvent?: (event: TransportEvent) => void;
  /** A connection idle this long (a reader that stopped reading) is closed. Default 60 s. */
  idleTimeoutMs?: number;
}

export interface PublishFileOptions {
  host: string;
  name: string;
  /** Path on this machine; opened per request, never named in a URL. */
  file: string;
  /** Sorted, non-overlapping, within the file. Copied at publish. */
  overlays?: Overlay[];
  contentType?: string;
}

export interface PublishBytesOptions {
  host: string;
  name: string;
  bytes: Uint8Array;
  contentType?: string;
}

export interface Published {
  /** The HTTP URL when the server speaks HTTP, else the HTTPS one. */
  url: string;
  httpsUrl?: string;
  token: string;
  etag: string;
  size: number;
}

export interface BoundAddress {
  protocol: Protocol;
  host: string;
  port: number;
}

export interface HostCounters {
  requests: number;
  /** Body bytes handed to sockets. */
  bytes: number;
}

export interface ServerStats {
  /** Per host the artifacts were published for; `-` counts requests for unknown tokens. */
  hosts: Record<string, HostCounters>;
  /** File handles open for requests in flight (0 when idle). */
  openFiles: number;
  activeRequests: number;
  artifacts: number;
}

interface Artifact {
  host: string;
  name: string;
  contentType: string;
  size: number;
  etag: string;
  lastModifiedSec: number;
  overlays: Overlay[];
  file?: { path: string; identity: FileIdentity };
}

/** Bind hosts that mean every address: no URL can be derived from them. */
const WILDCARD = new Set(['0.0.0.0', '::', '']);

const CONTENT_TYPES: Record<string, string> = {
  '.iso': 'application/x-iso9660-image',
  '.ign': 'application/vnd.coreos.ignition+json',
  '.json': 'application/json',
  '.ipxe': 'text/plain; charset=utf-8',
  '.cfg': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function contentTypeOf(name: string, given: string | undefined): string {
  return given ?? CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function baseUrl(text: string, protocol: Protocol): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`advertised ${protocol} URL ${JSON.stringify(text)} is not a URL; give one like ${protocol}://10.0.0.5:8080`);
  }
  if (u.protocol !== `${protocol}:`) throw new Error(`advertised ${protocol} URL ${text} must start with ${protocol}://`);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) {
    throw new Error(`advertised ${protocol} URL ${text} must be scheme, host and port only (artifacts live under /a/)`);
  }
  return u.origin;
}

function remoteOf(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '?';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** A repeated field (an array) is not a valid If-Range: '' makes the condition false. */
function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? '' : v;
}

function rangeText(ranges: ByteRange[] | undefined): string {
  if (!ranges) return '';
  const shown = ranges.slice(0, 3).map((r) => `${r.start}-${r.end}`);
  return ` bytes=${shown.join(',')}${ranges.length > 3 ? `,…(${ranges.length})` : ''}`;
}

/** Listens, or rejects with the listen error; leaves no listener behind either way. */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function identityOf(s: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint }): FileIdentity {
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeNs: s.mtimeNs };
}

export class ArtifactServer {
  private readonly artifacts = new Map<string, Artifact>();
  private readonly counters = new Map<string, HostCounters>();
  private readonly inFlight = new Set<Promise<void>>();
  private openFiles = 0;
  private activeRequests = 0;

  private constructor(
    private readonly servers: Server[],
    readonly addresses: BoundAddress[],
    readonly baseUrls: { http?: string; https?: string },
    /** The generated CA's PEM when HTTPS runs on a self-signed certificate. */
    readonly caPem: string | undefined,
    private readonly onEvent: ((event: TransportEvent) => void) | undefined,
  ) {}

  static async start(opts: ArtifactServerOptions): Promise<ArtifactServer> {
    if (opts.bind.length === 0) throw new Error('the artifact server needs at least one bind address');
    const advertise = {
      http: opts.advertise?.http === undefined ? undefined : baseUrl(opts.advertise.http, 'http'),
      https: opts.advertise?.https === undefined ? undefined : baseUrl(opts.advertise.https, 'https'),
    };
    const wild = opts.bind.find((b) => WILDCARD.has(b.host) && !advertise[b.protocol]);
    if (wild) throw new Error(`the artifact server would listen on every address (${wild.host || 'empty host'}): give the ${wild.protocol} URL that BMCs and hosts reach it at (advertise)`);
    const wantsHttps = opts.bind.some((b) => b.protocol === 'https');
    let tls = opts.tls;
    let caPem: string | undefined;
    if (wantsHttps && !tls) {
      const hosts = opts.bind.filter((b) => b.protocol === 'https' && !WILDCARD.has(b.host)).map((b) => b.host);
      if (advertise.https) hosts.unshift(new URL(advertise.https).hostname);
      const made = await makeSelfSignedTls(hosts);
      tls = { cert: made.cert, key: made.key };
      caPem = made.caPem;
    }
    // The handler is bound after construction; servers are created first so start can fail cleanly.
    let self: ArtifactServer | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => self?.handle(req, res);
    const servers: Server[] = [];
    const addresses: BoundAddress[] = [];
    try {
      for (const b of opts.bind) {
        const server = b.protocol === 'https' ? createHttpsServer({ cert: tls!.cert, key: tls!.key }, handler) : createHttpServer(handler);
        server.setTimeout(opts.idleTimeoutMs ?? 60_000, (socket: Socket) => socket.destroy());
        servers.push(server);
        await listen(server, b.host, b.port);
        const a = server.address() as AddressInfo;
        addresses.push({ protocol: b.protocol, host: a.address, port: a.port });
      }
    } catch (err) {
      await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
      throw new Error(`artifact server could not listen: ${(err as Error).message}; choose another address or port`);
    }
    const first = (p: Protocol) => addresses.find((a) => a.protocol === p);
    const h = first('http');
    const s = first('https');
    const baseUrls = {
      http: advertise.http ?? (h ? `http://${urlHost(h.host)}:${h.port}` : undefined),
      https: advertise.https ?? (s ? `https://${urlHost(s.host)}:${s.port}` : undefined),
    };
    self = new ArtifactServer(servers, addresses, baseUrls, caPem, opts.onEvent);
    return self;
  }

  /** Publishes `file` (with `overlays` applied as it streams) for `host` at a fresh unguessable URL. */
  async publish(opts: PublishFileOptions): Promise<Published> {
    const bad = checkName(opts.name);
    if (bad) throw new Error(bad);
    let st;
    try {
      st = await stat(opts.file, { bigint: true });
    } catch (err) {
      throw new Error(`cannot publish ${opts.file} for ${opts.host}: ${(err as Error).message}`);
    }
    if (!st.isFile()) throw new Error(`cannot publish ${opts.file} for ${opts.host}: not a regular file`);
    const size = Number(st.size);
    const overlays = (opts.overlays ?? []).map((o) => ({ offset: o.offset, bytes: Buffer.from(o.bytes) }));
    const wrong = checkOverlays(size, overlays);
    if (wrong) throw new Error(`cannot publish ${opts.file} for ${opts.host}: ${wrong}`);
    const identity = identityOf(st);
    return this.add({
      host: opts.host,
      name: opts.name,
      contentType: contentTypeOf(opts.name, opts.contentType),
      size,
      etag: fileEtag(identity, overlays),
      lastModifiedSec: Math.floor(Number(st.mtimeNs / 1_000_000_000n)),
      overlays,
      file: { path: opts.file, identity },
    });
  }

  /** Publishes a small artifact held in memory (an Ignition config) for `host`. */
  publishBytes(opts: PublishBytesOptions): Published {
    const bad = checkName(opts.name);
    if (bad) throw new Error(bad);
    const bytes = Buffer.from(opts.bytes);
    return this.add({
      host: opts.host,
      name: opts.name,
      contentType: contentTypeOf(opts.name, opts.contentType),
      size: bytes.length,
      etag: bytesEtag(bytes),
      lastModifiedSec: Math.floor(Date.now() / 1000),
      overlays: bytes.length ? [{ offset: 0, bytes }] : [],
    });
  }

  /** Stops serving `token` (requests in flight finish); false when it was not published. */
  unpublish(token: string): boolean {
    return this.artifacts.delete(token);
  }

  stats(): ServerStats {
    const hosts: Record<string, HostCounters> = {};
    for (const [h, c] of this.counters) hosts[h] = { ...c };
    return { hosts, openFiles: this.openFiles, activeRequests: this.activeRequests, artifacts: this.artifacts.size };
  }

  /** Stops listening, cuts open connections and waits until every request has released its file. */
  async close(): Promise<void> {
    const closed = this.servers.map((s) => new Promise<void>((ok) => s.close(() => ok())));
    for (const s of this.servers) s.closeAllConnections();
    await Promise.all(closed);
    await Promise.all([...this.inFlight]);
    this.artifacts.clear();
  }

  private add(a: Artifact): Published {
    let token = newToken();
    while (this.artifacts.has(token)) token = newToken();
    this.artifacts.set(token, a);
    const path = `/a/${token}/${a.name}`;
    const http = this.baseUrls.http && `${this.baseUrls.http}${path}`;
    const https = this.baseUrls.https && `${this.baseUrls.https}${path}`;
    return { url: (http || https)!, ...(https ? { httpsUrl: https } : {}), token, etag: a.etag, size: a.size };
  }

  private count(host: string, bytes: number): void {
    const c = this.counters.get(host) ?? { requests: 0, bytes: 0 };
    c.requests += 1;
    c.bytes += bytes;
    this.counters.set(host, c);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const target = req.url ?? '';
    const path = parseArtifactPath(target);
    const known = path ? this.artifacts.get(path.token) : undefined;
    const artifact = known && known.name === path!.name ? known : undefined;
    const host = known?.host ?? '-';
    const shown = known ? shownPath(path!.name) : shownUnknownPath(target);
    const method = req.method ?? '?';
    // Read now: a destroyed socket no longer knows its peer.
    const peer = remoteOf(req);
    let bytes = 0;
    let plan: ResponsePlan | undefined;
    let note = '';
    this.activeRequests++;
    const ac = new AbortController();
    const resClosed = once(res, 'close').then(() => {
      if (!res.writableFinished) ac.abort();
    });
    const work = this.respond(req, res, method, artifact, ac.signal, {
      planned: (p) => (plan = p),
      counted: (n) => (bytes += n),
      note: (n) => (note = n),
    });
    // The event goes out once the response is over and its file handle is closed.
    const done = Promise.all([work, resClosed]).then(() => {
      this.activeRequests--;
      this.count(host, bytes);
      const aborted = !res.writableFinished;
      const status = res.statusCode;
      const how = aborted ? `aborted after ${bytes} B` : `${bytes} B`;
      this.onEvent?.({
        kind: 'transport',
        host,
        transport: 'http',
        action: `${method.slice(0, 16)} ${shown}`,
        detail: `${status}${rangeText(plan?.ranges)}${note ? ` ${note}` : ''} ${how} to ${peer}`,
        durationMs: Math.round(performance.now() - started),
      });
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async respond(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    artifact: Artifact | undefined,
    signal: AbortSignal,
    hooks: { planned(p: ResponsePlan): void; counted(n: number): void; note(n: string): void },
  ): Promise<void> {
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' }).end();
      return;
    }
    if (!artifact) {
      const text = 'no artifact is published at this URL\n';
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(method === 'GET' ? text : undefined);
      return;
    }
    let file: FileHandle | undefined;
    try {
      if (artifact.file) {
        // Opened once per request: a file replaced meanwhile is either this one throughout or refused.
        try {
          file = await open(artifact.file.path, 'r');
        } catch {
          file = undefined;
        }
        if (file) this.openFiles++;
        const now = file && identityOf(await file.stat({ bigint: true }));
        if (!now || !sameFile(now, artifact.file.identity)) {
          hooks.note('file changed or removed since publish');
          res.writeHead(410, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '0' }).end();
          return;
        }
      }
      const boundary = randomBytes(12).toString('hex');
      const plan = planResponse(
        { method, range: req.headers.range, ifRange: single(req.headers['if-range']) },
        artifact,
        boundary,
      );
      hooks.planned(plan);
      res.writeHead(plan.status, plan.headers);
      if (plan.body.length) await writeBody(res, plan.body, { file, overlays: artifact.overlays }, signal, hooks.counted);
      res.end();
    } catch (err) {
      if (!signal.aborted) {
        hooks.note(`failed: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Length': '0' }).end();
        else res.destroy();
      }
    } finally {
      if (file) {
        await file.close();
        this.openFiles--;
      }
    }
  }
}
