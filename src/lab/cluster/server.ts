// The simulated cluster's HTTPS front: bearer-token authentication, the URL layout of the
// Kubernetes API (core group under /api/v1, others under /apis/GROUP/VERSION, namespaced paths),
// discovery, JSON bodies, Status objects on errors, Tables for kubectl, and watch streams of
// newline-delimited JSON events.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, statusObject } from './api-error.js';
import { CSR, type ClusterApi } from './api.js';
import type { Identity, TokenBook } from './auth.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, findResource, versionInfo, type ResourceDef } from './resources.js';
import { toTable, wantsTable } from './table.js';
import type { KubeObject } from './store.js';

const MAX_BODY = 3 << 20;
const PUBLIC = new Set(['/version', '/healthz', '/livez', '/readyz']);

interface Route {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The resource a path names, or undefined when it names none of ours. */
export function parseResourcePath(segments: readonly string[]): Route | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) [group, version, rest] = ['', segments[1] ?? '', segments.slice(2)];
  else if (segments[0] === 'apis' && segments.length >= 4) [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const def = findResource(group, version, rest[0] ?? '');
  if (!def || rest.length > 3 || def.namespaced !== (namespace !== undefined)) return undefined;
  return { def, ...(namespace !== undefined ? { namespace } : {}), ...(rest[1] !== undefined ? { name: rest[1] } : {}), ...(rest[2] !== undefined ? { subresource: rest[2] } : {}) };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  send(res, e.code, e.toStatus());
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY) return reject(new ApiError(413, 'BadRequest', `the request body is larger than ${MAX_BODY} bytes`));
      const type = req.headers['content-type'] ?? 'application/json';
      if (!/json/.test(type)) return reject(new ApiError(415, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json`));
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(new ApiError(400, 'BadRequest', `the body of the request could not be decoded as JSON: ${(err as Error).message}`));
      }
    });
  });
}

export interface ClusterServerOptions {
  address: string;
  api: ClusterApi;
  tokens: TokenBook;
  tls: { key: string; cert: string };
  /** The lab's own POST /lab/v1/<action> endpoints (admin only). */
  labAction?: (action: string, body: unknown) => Promise<unknown>;
}

export class ClusterServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<ServerResponse>();
  port = 0;

  constructor(private readonly opts: ClusterServerOptions) {
    this.server = createServer({ key: opts.tls.key, cert: opts.tls.cert, minVersion: 'TLSv1.2' }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, err);
        else res.destroy();
      });
    });
    this.server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => undefined);
  }

  get url(): string {
    return `https://${this.opts.address}:${this.port}`;
  }

  get address(): string {
    return this.opts.address;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.opts.address, port, exclusive: true }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.port = typeof a === 'object' && a ? a.port : port;
        resolve();
      });
    });
  }

  /** Ends every open watch as a dropped connection would (clients must resume). */
  dropWatches(): number {
    const n = this.watches.size;
    for (const res of this.watches) res.destroy();
    this.watches.clear();
    return n;
  }

  close(): Promise<void> {
    this.dropWatches();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://lab');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (PUBLIC.has(path) && method === 'GET') {
      if (path === '/version') send(res, 200, versionInfo());
      else {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      }
      return;
    }
    const who = this.opts.tokens.authenticate(req.headers.authorization);
    if (!who) {
      send(res, 401, statusObject(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (segments[0] === 'lab' && segments[1] === 'v1' && segments.length === 3 && this.opts.labAction) {
      if (!who.groups.includes('system:masters')) throw new ApiError(403, 'Forbidden', `User "${who.username}" cannot use the lab's own endpoints`);
      if (method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', 'the lab endpoints take POST');
      send(res, 200, await this.opts.labAction(segments[2] ?? '', await readBody(req)));
      return;
    }
    const discovery = this.discovery(segments);
    if (discovery !== undefined) {
      if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      send(res, 200, discovery);
      return;
    }
    const route = parseResourcePath(segments);
    if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    await this.resource(who, route, method, url.searchParams, req, res);
  }

  private discovery(segments: readonly string[]): Record<string, unknown> | undefined {
    const p = segments.join('/');
    if (p === 'api') return apiVersions(`${this.opts.address}:${this.port}`);
    if (p === 'apis') return apiGroupList();
    if (segments[0] === 'api' && segments.length === 2) return apiResourceList('', segments[1] ?? '');
    if (segments[0] === 'apis' && segments.length === 2) return apiGroup(segments[1] ?? '');
    if (segments[0] === 'apis' && segments.length === 3) return apiResourceList(segments[1] ?? '', segments[2] ?? '');
    return undefined;
  }

  private async resource(who: Identity, r: Route, method: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { api } = this.opts;
    const query = { fieldSelector: q.get('fieldSelector'), labelSelector: q.get('labelSelector') };
    const notAllowed = (): ApiError => new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    if (r.subresource !== undefined) {
      if (r.def !== CSR || r.subresource !== 'approval' || r.name === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      if (method === 'GET') return send(res, 200, api.get(who, r.def, undefined, r.name));
      if (method !== 'PUT') throw notAllowed();
      return send(res, 200, api.updateApproval(who, r.name, await readBody(req)));
    }
    if (r.name !== undefined) {
      if (method === 'GET') return this.sendObjects(req, res, r.def, [api.get(who, r.def, r.namespace, r.name)], undefined);
      if (method === 'DELETE') return send(res, 200, api.delete(who, r.def, r.namespace, r.name));
      throw notAllowed();
    }
    if (method === 'POST') {
      if (r.def !== CSR) throw notAllowed();
      return send(res, 201, await api.createCsr(who, await readBody(req)));
    }
    if (method !== 'GET') throw notAllowed();
    if (q.get('watch') === 'true' || q.get('watch') === '1') return this.watch(who, r, query, q, res);
    const list = api.list(who, r.def, r.namespace, query);
    if (wantsTable(req.headers.accept)) return send(res, 200, toTable(r.def, list.items as KubeObject[], String(list.metadata.resourceVersion)));
    send(res, 200, list);
  }

  private sendObjects(req: IncomingMessage, res: ServerResponse, def: ResourceDef, items: KubeObject[], rv: string | undefined): void {
    if (wantsTable(req.headers.accept)) send(res, 200, toTable(def, items, rv ?? items[0]?.metadata.resourceVersion ?? ''));
    else send(res, 200, items[0]);
  }

  private watch(who: Identity, r: Route, query: { fieldSelector: string | null; labelSelector: string | null }, q: URLSearchParams, res: ServerResponse): void {
    const rvText = q.get('resourceVersion');
    const fromRv = rvText === null || rvText === '' ? undefined : Number(rvText);
    if (fromRv !== undefined && !(Number.isInteger(fromRv) && fromRv >= 0)) throw new ApiError(400, 'BadRequest', `resourceVersion: Invalid value: "${rvText}": must be a whole number`);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const head = (): void => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
      res.flushHeaders();
    };
    // Events replayed while subscribing wait for the headers, which wait for authorization.
    const pending: unknown[] = [];
    let open = false;
    const write = (e: unknown): void => {
      if (!open) pending.push(e);
      else if (!res.destroyed) res.write(`${JSON.stringify(e)}\n`);
    };
    let stop: () => void;
    try {
      stop = this.opts.api.watch(who, r.def, r.namespace, query, fromRv, write);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 410) throw err;
      // A resourceVersion too old is reported within the stream, as an ERROR event carrying the Status.
      head();
      res.end(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
      return;
    }
    head();
    open = true;
    for (const e of pending) write(e);
    this.watches.add(res);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      stop();
      if (timer) clearTimeout(timer);
      this.watches.delete(res);
    });
  }
}
