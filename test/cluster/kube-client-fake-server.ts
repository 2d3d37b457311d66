// A small Kubernetes API for the cluster client's tests, over HTTPS on 127.0.0.1 with a bearer
// token: list with resourceVersion, watch streams of newline-delimited JSON events, 410 on
// compacted resourceVersions, the CSR /approval subresource with optimistic concurrency, and
// knobs to drop watches and break things.

import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSelfSignedTls } from '../../src/serve/self-signed.js';

export type Kind = 'csrs' | 'nodes';
type Obj = { metadata: { name: string; resourceVersion?: string; uid?: string; [k: string]: unknown }; [k: string]: unknown };

interface LogEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: Obj;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
}

const PATHS: Record<Kind, string> = {
  csrs: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
  nodes: '/api/v1/nodes',
};
const TYPE: Record<Kind, { apiVersion: string; kind: string }> = {
  csrs: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest' },
  nodes: { apiVersion: 'v1', kind: 'Node' },
};

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

export class FakeApiServer {
  readonly token = 'fake-bearer-token-0123456789';
  readonly requests: RequestRecord[] = [];
  /** TLS connections accepted, to show keep-alive reuse. */
  connections = 0;
  /** Watch requests that got a stream, per kind. */
  readonly watchOpens: Record<Kind, number> = { csrs: 0, nodes: 0 };
  /** Paths answered 403 (exact path match). */
  readonly forbidden = new Set<string>();
  /** Secrets/configmaps by `ns/name`, ClusterVersions by name. */
  readonly secrets = new Map<string, Obj>();
  readonly configMaps = new Map<string, Obj>();
  readonly clusterVersions = new Map<string, Obj>();
  /** Next approval PUTs answered 409 regardless (a concurrent writer). */
  conflictsToInject = 0;
  /** The next watch of a kind answered with HTTP 410 instead of an ERROR event in a stream. */
  readonly http410Next: Record<Kind, boolean> = { csrs: false, nodes: false };

  private rv = 100;
  private readonly objects: Record<Kind, Map<string, Obj>> = { csrs: new Map(), nodes: new Map() };
  private readonly log: Record<Kind, LogEntry[]> = { csrs: [], nodes: [] };
  /** resourceVersions at or below this are gone (410). */
  private readonly compactedAt: Record<Kind, number> = { csrs: 0, nodes: 0 };
  private readonly watchers: Record<Kind, Set<{ res: ServerResponse; from: number }>> = { csrs: new Set(), nodes: new Set() };
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  private uidSeq = 0;
  private openWaiters: { kind: Kind; n: number; ok: () => void }[] = [];
  url = '';
  caPem = '';
  dir = '';

  static async start(): Promise<FakeApiServer> {
    const s = new FakeApiServer();
    const tls = await makeSelfSignedTls(['127.0.0.1']);
    s.caPem = tls.caPem;
    s.server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => s.handle(req, res));
    s.server.on('secureConnection', (sock: Socket) => {
      s.connections++;
      s.sockets.add(sock);
      sock.on('close', () => s.sockets.delete(sock));
    });
    await new Promise<void>((ok) => s.server.listen(0, '127.0.0.1', ok));
    s.url = `https://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    s.dir = await mkdtemp(join(tmpdir(), 'fleetboot-kube-'));
    return s;
  }

  /** Writes a kubeconfig for this server and returns its path. */
  async kubeconfig(token = this.token): Promise<string> {
    const file = join(this.dir, `kubeconfig-${token.length}`);
    const ca = Buffer.from(this.caPem).toString('base64');
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${this.url}\n    certificate-authority-data: ${ca}`,
        'users:',
        `- name: admin\n  user:\n    token: ${token}`,
        'contexts:',
        '- name: fake\n  context:\n    cluster: fake\n    user: admin',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
  }

  async close(): Promise<void> {
    for (const k of ['csrs', 'nodes'] as const) for (const w of this.watchers[k]) w.res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  /** Resolves once `n` watches of `kind` have been opened (streams started). */
  watchOpened(kind: Kind, n: number): Promise<void> {
    if (this.watchOpens[kind] >= n) return Promise.resolve();
    return new Promise((ok) => this.openWaiters.push({ kind, n, ok }));
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get(kind: Kind, name: string): Obj | undefined {
    return this.objects[kind].get(name);
  }

  /** Creates or replaces an object, as an ADDED or MODIFIED event. */
  put(kind: Kind, obj: Obj): Obj {
    const existing = this.objects[kind].get(obj.metadata.name);
    const stored: Obj = {
      ...TYPE[kind],
      ...obj,
      metadata: {
        creationTimestamp: '2026-11-25T10:00:00Z',
        ...obj.metadata,
        uid: existing?.metadata.uid ?? obj.metadata.uid ?? `uid-${++this.uidSeq}`,
        resourceVersion: String(++this.rv),
      },
    };
    this.objects[kind].set(stored.metadata.name, stored);
    this.record(kind, existing ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  delete(kind: Kind, name: string): void {
    const existing = this.objects[kind].get(name);
    if (!existing) return;
    this.objects[kind].delete(name);
    const gone: Obj = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rv) } };
    this.record(kind, 'DELETED', gone);
  }

  /** Cuts every open watch of `kind` mid-stream (the TCP connection is destroyed). */
  dropWatches(kind: Kind): void {
    for (const w of this.watchers[kind]) w.res.socket?.destroy();
    this.watchers[kind].clear();
  }

  /** Forgets history: watches from any resourceVersion before now get 410; open ones get an ERROR 410 event and end. */
  compact(kind: Kind): void {
    this.compactedAt[kind] = this.rv;
    for (const w of this.watchers[kind]) {
      w.res.end(`${JSON.stringify({ type: 'ERROR', object: JSON.parse(status(410, 'Expired', 'too old resource version')) })}\n`);
    }
    this.watchers[kind].clear();
  }

  /** Watch requests of `kind` with the resourceVersion each asked for. */
  watchRequests(kind: Kind): string[] {
    return this.requests.filter((r) => r.path === PATHS[kind] && r.query.watch === 'true').map((r) => r.query.resourceVersion ?? '');
  }

  listRequests(kind: Kind): number {
    return this.requests.filter((r) => r.path === PATHS[kind] && r.query.watch !== 'true').length;
  }

  private record(kind: Kind, type: LogEntry['type'], obj: Obj): void {
    const rv = Number(obj.metadata.resourceVersion);
    this.log[kind].push({ rv, type, obj });
    for (const w of this.watchers[kind]) w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query });
    const send = (code: number, body: string): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (this.forbidden.has(url.pathname)) {
      return send(403, status(403, 'Forbidden', `User "admin" cannot ${req.method?.toLowerCase()} ${url.pathname} at the cluster scope`));
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const p = url.pathname;
      let m: RegExpMatchArray | null;
      for (const kind of ['csrs', 'nodes'] as const) {
        if (p === PATHS[kind]) return query.watch === 'true' ? this.watch(kind, query, req, res) : this.list(kind, res);
        if ((m = p.match(new RegExp(`^${PATHS[kind]}/([^/]+)$`))) && req.method === 'GET') {
          const o = this.objects[kind].get(decodeURIComponent(m[1] ?? ''));
          return o ? send(200, JSON.stringify(o)) : send(404, status(404, 'NotFound', `${TYPE[kind].kind.toLowerCase()}s "${m[1]}" not found`));
        }
      }
      if ((m = p.match(/^\/apis\/certificates\.k8s\.io\/v1\/certificatesigningrequests\/([^/]+)\/approval$/)) && req.method === 'PUT') {
        return this.approval(decodeURIComponent(m[1] ?? ''), body, send);
      }
      if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/(secrets|configmaps)\/([^/]+)$/))) {
        const store = m[2] === 'secrets' ? this.secrets : this.configMaps;
        const o = store.get(`${m[1]}/${m[3]}`);
        return o ? send(200, JSON.stringify(o)) : send(404, status(404, 'NotFound', `${m[2]} "${m[3]}" not found`));
      }
      if ((m = p.match(/^\/apis\/config\.openshift\.io\/v1\/clusterversions\/([^/]+)$/))) {
        const o = this.clusterVersions.get(m[1] ?? '');
        return o ? send(200, JSON.stringify(o)) : send(404, status(404, 'NotFound', `clusterversions.config.openshift.io "${m[1]}" not found`));
      }
      send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    });
  }

  private list(kind: Kind, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: `${TYPE[kind].kind}List`,
        apiVersion: TYPE[kind].apiVersion,
        metadata: { resourceVersion: String(this.rv) },
        items: [...this.objects[kind].values()],
      }),
    );
  }

  private watch(kind: Kind, query: Record<string, string>, req: IncomingMessage, res: ServerResponse): void {
    const from = Number(query.resourceVersion ?? '0');
    if (this.http410Next[kind]) {
      this.http410Next[kind] = false;
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(status(410, 'Expired', 'too old resource version'));
      return;
    }
    this.watchOpens[kind]++;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders(); // as the API server does: the client sees the watch open before any event
    if (from < this.compactedAt[kind]) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: JSON.parse(status(410, 'Expired', `too old resource version: ${from} (${this.compactedAt[kind]})`)) })}\n`);
      return;
    }
    for (const e of this.log[kind]) if (e.rv > from) res.write(`${JSON.stringify({ type: e.type, object: e.obj })}\n`);
    const w = { res, from };
    this.watchers[kind].add(w);
    this.openWaiters = this.openWaiters.filter((x) => (x.kind === kind && this.watchOpens[kind] >= x.n ? (x.ok(), false) : true));
    res.on('close', () => this.watchers[kind].delete(w));
  }

  private approval(name: string, body: string, send: (code: number, body: string) => void): void {
    const current = this.objects.csrs.get(name);
    if (!current) return send(404, status(404, 'NotFound', `certificatesigningrequests.certificates.k8s.io "${name}" not found`));
    const sent = JSON.parse(body) as Obj & { status?: { conditions?: unknown[] } };
    if (this.conflictsToInject > 0) {
      this.conflictsToInject--;
      // Someone else wrote it meanwhile: the stored object moves on.
      this.put('csrs', { ...current, metadata: { ...current.metadata, labels: { touched: String(this.rv) } } });
      return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`));
    }
    if (sent.metadata.resourceVersion !== current.metadata.resourceVersion) {
      return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`));
    }
    const updated = this.put('csrs', { ...current, status: { ...(current.status as object), conditions: sent.status?.conditions ?? [] } });
    send(200, JSON.stringify(updated));
  }
}
