// The calls fleetboot makes to the cluster, behind a small interface so the engine and modules can
// be tested with fakes. The real one is @kubernetes/client-node's generated APIs and Watch over one
// keep-alive agent (the library would open a new TLS connection per request).

import http from 'node:http';
import https from 'node:https';
import type { RequestOptions } from 'node:https';
import {
  CertificatesV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ServerConfiguration,
  Watch,
  createConfiguration,
} from '@kubernetes/client-node';
import type {
  RequestContext,
  V1CertificateSigningRequest,
  V1CertificateSigningRequestCondition,
  V1ConfigMap,
  V1Node,
  V1Secret,
} from '@kubernetes/client-node';
// The watch stream carries the wire form; this turns it into the same model objects the list
// returns (Dates for timestamps). The library does not re-export it from its index.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import type { TransportEvent } from '../core/events.js';
import { KubeApiError, kubeError, parseStatus, statusError } from './kube-error.js';
import type { KubeTarget } from './kube-error.js';

export type { V1CertificateSigningRequest, V1ConfigMap, V1Node, V1Secret } from '@kubernetes/client-node';

/** config.openshift.io/v1 ClusterVersion, the fields fleetboot reads (the rest passes through). */
export interface ClusterVersion {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; resourceVersion?: string };
  spec?: { channel?: string; desiredUpdate?: { architecture?: string; version?: string; image?: string } };
  status?: {
    desired?: { version?: string; image?: string; architecture?: string };
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The kinds fleetboot lists and watches for a whole run. */
export type WatchedKind = 'csrs' | 'nodes';
export type WatchedObject<K extends WatchedKind> = K extends 'csrs' ? V1CertificateSigningRequest : V1Node;

export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
}

/** What an `approveCsr`/`denyCsr` writes in the condition. */
export interface CsrDecision {
  reason: string;
  message: string;
}

export interface CallOptions {
  /** The inventory host a call is made for, for its transport event (default: `cluster`). */
  host?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandlers<T> {
  /** Objects are models for ADDED/MODIFIED/DELETED, a bare `{metadata}` for BOOKMARK, a Status for ERROR. */
  event(type: WatchEventType, obj: T | Record<string, unknown>): void;
  /** The stream ended: `err` undefined when the server closed it cleanly. Called at most once, never after abort(). */
  done(err?: unknown): void;
}

export interface WatchHandle {
  abort(): void;
}

export interface KubeClient {
  /** The API server URL, for messages. */
  readonly server: string;
  getSecret(namespace: string, name: string, o?: CallOptions): Promise<V1Secret>;
  getConfigMap(namespace: string, name: string, o?: CallOptions): Promise<V1ConfigMap>;
  /** The cluster-scoped ClusterVersion (`version` on every OpenShift cluster). */
  getClusterVersion(name?: string, o?: CallOptions): Promise<ClusterVersion>;
  getCsr(name: string, o?: CallOptions): Promise<V1CertificateSigningRequest>;
  list<K extends WatchedKind>(kind: K, o?: CallOptions): Promise<ObjectList<WatchedObject<K>>>;
  /**
   * Approves the CSR the caller checked: PUT /approval with its resourceVersion; on 409 reads it
   * again and retries (bounded) as long as it is the same object (same uid) and still undecided.
   * Resolves with the CSR as the server returned it (already Approved counts as done).
   */
  approveCsr(csr: V1CertificateSigningRequest, decision: CsrDecision, o?: CallOptions): Promise<V1CertificateSigningRequest>;
  /** Denies it the same way (already Denied counts as done; an Approved one is an error). */
  denyCsr(csr: V1CertificateSigningRequest, decision: CsrDecision, o?: CallOptions): Promise<V1CertificateSigningRequest>;
  /** One watch stream of `kind` from `resourceVersion` (with bookmarks). */
  watch<K extends WatchedKind>(kind: K, resourceVersion: string, handlers: WatchHandlers<WatchedObject<K>>): Promise<WatchHandle>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export interface KubeClientOptions {
  onEvent?: (e: TransportEvent) => void;
  /** Per-request timeout (watches excluded); default 30 s. */
  requestTimeoutMs?: number;
  /** Attempts of an approval PUT that meets 409 Conflict; default 5. */
  conflictRetries?: number;
  /** Concurrent connections to the API server; default 32. */
  maxSockets?: number;
}

const WATCH_PATH: Record<WatchedKind, string> = {
  csrs: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
  nodes: '/api/v1/nodes',
};
const MODEL: Record<WatchedKind, string> = { csrs: 'V1CertificateSigningRequest', nodes: 'V1Node' };
const CSR: Omit<KubeTarget, 'verb' | 'name'> = { kind: 'certificatesigningrequest', resource: 'certificatesigningrequests' };

/** The CSR's condition of `type` with status True, if any. */
export function csrCondition(csr: V1CertificateSigningRequest, type: 'Approved' | 'Denied' | 'Failed'): V1CertificateSigningRequestCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

function is409(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

/** A real client for the kubeconfig's current context. */
export async function createKubeClient(kc: KubeConfig, opts: KubeClientOptions = {}): Promise<KubeClient> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError('cluster: the kubeconfig has no current cluster; pass --context', undefined, undefined);
  const server = cluster.server.replace(/\/+$/, '');
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;

  // TLS material read once for a shared agent; the Authorization header is still computed per request
  // by the library (tokens from files, exec plugins and OIDC refresh there).
  const tls: RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const agentOpts = {
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 32,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
  const agent = server.startsWith('http:') ? new http.Agent(agentOpts) : new https.Agent(agentOpts);
  const auth = {
    getName: () => 'fleetboot kubeconfig',
    async applySecurityAuthentication(ctx: RequestContext): Promise<void> {
      await kc.applySecurityAuthentication(ctx);
      if (!cluster.proxyUrl) ctx.setAgent(agent); // a proxy needs the library's own agent
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
    },
  };
  const config = createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: auth } });
  const core = new CoreV1Api(config);
  const certs = new CertificatesV1Api(config);
  const custom = new CustomObjectsApi(config);
  const watcher = new Watch(kc);

  async function call<T>(t: KubeTarget, o: CallOptions | undefined, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const shown = `${t.verb} ${t.kind}${t.name ? ` ${t.namespace ? `${t.namespace}/` : ''}${t.name}` : ''}`;
    try {
      const out = await fn();
      opts.onEvent?.({ kind: 'transport', host: o?.host ?? 'cluster', transport: 'kube', action: shown, durationMs: Math.round(performance.now() - started) });
      return out;
    } catch (err) {
      const e = kubeError(t, server, err);
      opts.onEvent?.({ kind: 'transport', host: o?.host ?? 'cluster', transport: 'kube', action: shown, detail: e.message, durationMs: Math.round(performance.now() - started) });
      throw e;
    }
  }

  const getCsr = (name: string, o?: CallOptions): Promise<V1CertificateSigningRequest> =>
    call({ ...CSR, verb: 'GET', name }, o, () => certs.readCertificateSigningRequest({ name }));

  async function decide(csr: V1CertificateSigningRequest, type: 'Approved' | 'Denied', d: CsrDecision, o?: CallOptions): Promise<V1CertificateSigningRequest> {
    const name = csr.metadata?.name ?? '';
    const uid = csr.metadata?.uid;
    const t: KubeTarget = { ...CSR, resource: 'certificatesigningrequests/approval', verb: 'PUT', name };
    const other = type === 'Approved' ? 'Denied' : 'Approved';
    let current = csr;
    const attempts = opts.conflictRetries ?? 5;
    for (let attempt = 1; ; attempt++) {
      if (uid && current.metadata?.uid !== uid) {
        // Deleted and created again under the same name: not the CSR the caller checked.
        throw new KubeApiError(`cluster: PUT certificatesigningrequest ${name}/approval: it was replaced by another CSR of that name (uid ${current.metadata?.uid ?? '?'}, checked ${uid}); not ${type.toLowerCase()}`, 409, 'Conflict');
      }
      if (csrCondition(current, type)) return current;
      if (csrCondition(current, other)) {
        throw new KubeApiError(`cluster: PUT certificatesigningrequest ${name}/approval: it is already ${other.toLowerCase()}; a CSR cannot be both`, 409, 'Conflict');
      }
      const now = new Date();
      const condition: V1CertificateSigningRequestCondition = { type, status: 'True', reason: d.reason, message: d.message, lastUpdateTime: now, lastTransitionTime: now };
      const body: V1CertificateSigningRequest = { ...current, status: { ...current.status, conditions: [...(current.status?.conditions ?? []), condition] } };
      try {
        return await call(t, o, () => certs.replaceCertificateSigningRequestApproval({ name, body }));
      } catch (err) {
        if (!is409(err) || attempt >= attempts) throw err;
        current = await getCsr(name, o);
      }
    }
  }

  return {
    server,
    getSecret: (namespace, name, o) =>
      call({ verb: 'GET', kind: 'secret', resource: 'secrets', namespace, name }, o, () => core.readNamespacedSecret({ namespace, name })),
    getConfigMap: (namespace, name, o) =>
      call({ verb: 'GET', kind: 'configmap', resource: 'configmaps', namespace, name }, o, () => core.readNamespacedConfigMap({ namespace, name })),
    getClusterVersion: (name = 'version', o) =>
      call({ verb: 'GET', kind: 'clusterversion', resource: 'clusterversions.config.openshift.io', name }, o, async () => {
        const v: unknown = await custom.getClusterCustomObject({ group: 'config.openshift.io', version: 'v1', plural: 'clusterversions', name });
        return v as ClusterVersion;
      }),
    getCsr,
    async list<K extends WatchedKind>(kind: K, o?: CallOptions): Promise<ObjectList<WatchedObject<K>>> {
      if (kind === 'csrs') {
        const l = await call({ ...CSR, verb: 'LIST' }, o, () => certs.listCertificateSigningRequest());
        return { items: l.items as WatchedObject<K>[], resourceVersion: l.metadata?.resourceVersion ?? '' };
      }
      const l = await call({ verb: 'LIST', kind: 'node', resource: 'nodes' }, o, () => core.listNode());
      return { items: l.items as WatchedObject<K>[], resourceVersion: l.metadata?.resourceVersion ?? '' };
    },
    approveCsr: (csr, d, o) => decide(csr, 'Approved', d, o),
    denyCsr: (csr, d, o) => decide(csr, 'Denied', d, o),
    async watch<K extends WatchedKind>(kind: K, resourceVersion: string, h: WatchHandlers<WatchedObject<K>>): Promise<WatchHandle> {
      let ended = false;
      const done = (err?: unknown): void => {
        if (ended) return;
        ended = true;
        h.done(err ?? undefined);
      };
      const query = { resourceVersion: resourceVersion || undefined, allowWatchBookmarks: true };
      const t: KubeTarget = { verb: 'WATCH', kind: kind === 'csrs' ? 'certificatesigningrequest' : 'node', resource: kind === 'csrs' ? 'certificatesigningrequests' : 'nodes' };
      const ctl = await watcher.watch(
        WATCH_PATH[kind],
        query,
        (type: string, obj: unknown) => {
          if (ended) return;
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            h.event(type, ObjectSerializer.deserialize(obj, MODEL[kind], '') as WatchedObject<K>);
          } else if (type === 'BOOKMARK' || type === 'ERROR') {
            h.event(type, (obj ?? {}) as Record<string, unknown>);
          }
        },
        (err: unknown) => {
          if (!err) return done();
          const code = (err as { statusCode?: unknown }).statusCode;
          done(typeof code === 'number' ? statusError(t, code, undefined, err) : kubeError(t, server, err));
        },
      );
      // After abort() the caller hears nothing more: no events, no done.
      return {
        abort: () => {
          ended = true;
          ctl.abort();
        },
      };
    },
    close: () => agent.destroy(),
  };
}

/** A watch ERROR event's Status code (410 means the resourceVersion expired). */
export function watchErrorCode(obj: unknown): number | undefined {
  return parseStatus(obj).code;
}
