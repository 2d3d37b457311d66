// One list+watch per resource kind for the whole run, shared by every host that waits on it.
// @kubernetes/client-node's ListWatch keeps the cache and relists on 410 Gone (emitting deletes
// for what vanished and updates for what changed); this file feeds it through the KubeClient,
// reconnects dropped watches from the last resourceVersion with backoff, and fans events out to
// waiters indexed by node name.

import { commonNames, parseCsrRequest } from './csr-parse.js';
import { NODE_USER_PREFIX } from './types.js';
import { KubeConfig, ListWatch, Watch } from '@kubernetes/client-node';
import type { TransportEvent } from '../core/events.js';
import { errorMessage } from '../core/errors.js';
import type { KubeClient, WatchedKind, WatchedObject, WatchHandle } from './kube-client.js';
import { watchErrorCode } from './kube-client.js';
import { KubeApiError } from './kube-error.js';
import { WaitAbortedError, WaiterSet } from './waiters.js';
import type { WaitOptions } from './waiters.js';

export type ChangeType = 'add' | 'update' | 'delete';

export interface BackoffOptions {
  /** First reconnect delay; default 500 ms. */
  initialMs?: number;
  /** Ceiling of the doubling delay; default 30 s. */
  maxMs?: number;
}

export interface InformerOptions<K extends WatchedKind> {
  client: KubeClient;
  kind: K;
  /** Index keys of an object (node names); default `nodeNameKeys`. */
  keysOf?: (obj: WatchedObject<K>) => string[];
  onEvent?: (e: TransportEvent) => void;
  backoff?: BackoffOptions;
}


/** The node name a CSR claims: from its requester (`system:node:<name>`) and its PKCS#10 subject CN. For indexing only, never trust. */
export function csrNodeNames(csr: WatchedObject<'csrs'>): string[] {
  const out = new Set<string>();
  const user = csr.spec?.username;
  if (user?.startsWith(NODE_USER_PREFIX)) out.add(user.slice(NODE_USER_PREFIX.length));
  const request = csr.spec?.request;
  // The rules' own parser: unparseable gives no key, so only unkeyed waiters see it (the rules report it).
  const parsed = request ? parseCsrRequest(request) : undefined;
  if (parsed?.ok) for (const cn of commonNames(parsed.csr)) if (cn.startsWith(NODE_USER_PREFIX)) out.add(cn.slice(NODE_USER_PREFIX.length));
  return [...out];
}

export function nodeNameKeys<K extends WatchedKind>(kind: K): (obj: WatchedObject<K>) => string[] {
  if (kind === 'csrs') return csrNodeNames as (obj: WatchedObject<K>) => string[];
  return (obj) => (obj.metadata?.name ? [obj.metadata.name] : []);
}

/** Feeds ListWatch's watch calls through the KubeClient (it wants a Watch; only `watch()` is used). */
class ClientWatch<K extends WatchedKind> extends Watch {
  constructor(
    private readonly owner: ResourceInformer<K>,
  ) {
    super(new KubeConfig());
  }

  override async watch(
    _path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return this.owner.openWatch(String(query.resourceVersion ?? ''), callback, done);
  }
}

export class ResourceInformer<K extends WatchedKind> {
  readonly kind: K;
  private readonly client: KubeClient;
  private readonly keysOf: (obj: WatchedObject<K>) => string[];
  private readonly onEvent: ((e: TransportEvent) => void) | undefined;
  private readonly backoffInitial: number;
  private readonly backoffMax: number;
  private readonly lw: ListWatch<WatchedObject<K>>;
  private readonly waiters = new WaiterSet<WatchedObject<K>>();
  private readonly keysByName = new Map<string, string[]>();
  private readonly namesByKey = new Map<string, Set<string>>();
  private readonly listeners = new Set<(type: ChangeType, obj: WatchedObject<K>) => void>();
  private started: Promise<void> | undefined;
  private stopped = false;
  private delayMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private current: WatchHandle | undefined;
  private lastError: string | undefined;
  /** A first list refused for want of rights (401/403): waiting will not mend it. */
  private refused: KubeApiError | undefined;
  private listed = false;
  private markSynced: () => void = () => undefined;
  /**
   * Resolves once a list has succeeded and its objects are in the cache: until then the cache says
   * nothing (an empty Nodes cache is not "no Node exists"), and nothing may be judged from it.
   */
  readonly synced: Promise<void> = new Promise((resolve) => (this.markSynced = resolve));
  private syncedNow = false;
  /** Lists and watch connections made so far (one each per kind when nothing goes wrong). */
  readonly stats = { lists: 0, watches: 0, reconnects: 0, relists: 0 };

  constructor(o: InformerOptions<K>) {
    this.kind = o.kind;
    this.client = o.client;
    this.keysOf = o.keysOf ?? nodeNameKeys(o.kind);
    this.onEvent = o.onEvent;
    this.backoffInitial = o.backoff?.initialMs ?? 500;
    this.backoffMax = o.backoff?.maxMs ?? 30_000;
    this.delayMs = this.backoffInitial;
    this.lw = new ListWatch<WatchedObject<K>>(`/${o.kind}`, new ClientWatch(this), () => this.listAll(), false);
    this.lw.on('add', (obj) => this.changed('add', obj));
    this.lw.on('update', (obj) => this.changed('update', obj));
    this.lw.on('delete', (obj) => this.changed('delete', obj));
    this.lw.on('error', (err) => this.failed(err));
  }

  /**
   * Starts the list+watch once; resolves after the first list (or its first failure, retried),
   * rejects when the API refuses the first list for want of rights (401/403): no retry mends that.
   */
  start(): Promise<void> {
    this.started ??= this.lw.start().then(() => {
      if (this.refused) throw this.refused;
    });
    return this.started;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.current?.abort();
    await this.lw.stop();
    this.waiters.rejectAll(new WaitAbortedError(`the ${this.kind} watch stopped`));
  }

  get(name: string): WatchedObject<K> | undefined {
    return this.lw.get(name);
  }

  list(): readonly WatchedObject<K>[] {
    return this.lw.list();
  }

  /** The resourceVersion the next watch resumes from ('' before the first list and after a 410). */
  /** True once a list succeeded and its objects are in the cache (see `synced`). */
  get isSynced(): boolean {
    return this.syncedNow;
  }

  /** The last list or watch error, until something succeeds again. */
  get error(): string | undefined {
    return this.lastError;
  }

  get resourceVersion(): string {
    return this.lw.latestResourceVersion();
  }

  /** Waiters now registered. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Every change, for the long-running approver; returns the unsubscribe. */
  subscribe(cb: (type: ChangeType, obj: WatchedObject<K>) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** The first object, already cached or arriving, that matches; no polling. */
  waitFor(predicate: (obj: WatchedObject<K>) => boolean, o: WaitOptions = {}): Promise<WatchedObject<K>> {
    if (this.stopped) return Promise.reject(new WaitAbortedError(`the ${this.kind} watch stopped`));
    for (const obj of this.cached(o.key)) {
      if (predicate(obj)) return Promise.resolve(obj);
    }
    const p = this.waiters.wait(predicate, o, () => this.lastError);
    void this.start();
    return p;
  }

  private *cached(key: string | undefined): Iterable<WatchedObject<K>> {
    if (key === undefined) {
      yield* this.lw.list();
      return;
    }
    for (const name of this.namesByKey.get(key) ?? []) {
      const obj = this.lw.get(name);
      if (obj) yield obj;
    }
  }

  private changed(type: ChangeType, obj: WatchedObject<K>): void {
    const name = obj.metadata?.name ?? '';
    for (const key of this.keysByName.get(name) ?? []) {
      const set = this.namesByKey.get(key);
      set?.delete(name);
      if (set?.size === 0) this.namesByKey.delete(key);
    }
    this.keysByName.delete(name);
    let keys: string[] = [];
    if (type !== 'delete') {
      keys = this.keysOf(obj);
      this.keysByName.set(name, keys);
      for (const key of keys) {
        let set = this.namesByKey.get(key);
        if (!set) this.namesByKey.set(key, (set = new Set()));
        set.add(name);
      }
    }
    for (const cb of this.listeners) cb(type, obj);
    if (type !== 'delete') this.waiters.offer(obj, keys);
  }

  private async listAll(): Promise<{ items: WatchedObject<K>[]; metadata: { resourceVersion: string } }> {
    const relist = this.stats.lists > 0;
    this.stats.lists++;
    if (relist) this.stats.relists++;
    const l = await this.client.list(this.kind);
    this.lastError = undefined;
    if (!this.listed) {
      this.listed = true;
      // ListWatch fills its cache right after this returns: tell the waiting once that is done.
      setImmediate(() => {
        this.syncedNow = true;
        this.markSynced();
      });
    }
    this.emit(relist ? `relist ${this.kind}` : `list ${this.kind}`, `${l.items.length} at resourceVersion ${l.resourceVersion}`);
    return { items: l.items, metadata: { resourceVersion: l.resourceVersion } };
  }

  /** Called by ListWatch (through ClientWatch) for each watch connection. */
  async openWatch(
    resourceVersion: string,
    callback: (phase: string, obj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const ctl = new AbortController();
    if (this.stopped) {
      ctl.abort();
      return ctl;
    }
    this.stats.watches++;
    this.emit(`watch ${this.kind}`, `from resourceVersion ${resourceVersion}`);
    const opened = Date.now();
    let events = 0;
    let failure: Error | undefined;
    const handle = await this.client.watch(this.kind, resourceVersion, {
      event: (type, obj) => {
        events++;
        if (type === 'ERROR') {
          const code = watchErrorCode(obj);
          if (code === 410) this.emit(`watch ${this.kind} expired`, `410 Gone at resourceVersion ${resourceVersion}; relisting`);
          // Any other ERROR: the stream ends after it; reconnect with backoff rather than at once.
          else failure = new Error(`watch ${this.kind}: ERROR event ${code ?? ''} ${String((obj as { message?: unknown }).message ?? '')}`.trim());
        } else {
          this.delayMs = this.backoffInitial;
          this.lastError = undefined;
        }
        callback(type, obj);
      },
      done: (err) => {
        if (this.stopped) return;
        if (err instanceof KubeApiError && err.status === 410) {
          this.emit(`watch ${this.kind} expired`, `410 Gone at resourceVersion ${resourceVersion}; relisting`);
          done(Object.assign(new Error(err.message), { statusCode: 410 }));
          return;
        }
        // A stream that closes at once with nothing in it would otherwise be reopened in a tight loop.
        if (!err && !failure && events === 0 && Date.now() - opened < 1000) failure = new Error(`watch ${this.kind}: closed at once by the server`);
        if (err || failure) {
          done(err ?? failure);
          return;
        }
        this.emit(`watch ${this.kind} closed`, `by the server after ${events} events; resuming from resourceVersion ${this.lw.latestResourceVersion()}`);
        done(null);
      },
    });
    this.current = handle;
    ctl.signal.addEventListener('abort', () => handle.abort(), { once: true });
    return ctl;
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    this.lastError = errorMessage(err);
    // Only before any list succeeded: a refusal later (a token rotated, an RBAC change rolling out) is retried.
    if (!this.listed && err instanceof KubeApiError && (err.status === 401 || err.status === 403)) {
      this.refused = err;
      this.emit(`list ${this.kind} refused`, `${this.lastError}; not retrying`);
      this.waiters.rejectAll(err);
      return;
    }
    const delay = Math.round(this.delayMs * (0.8 + Math.random() * 0.4));
    this.delayMs = Math.min(this.delayMs * 2, this.backoffMax);
    this.stats.reconnects++;
    const from = this.lw.latestResourceVersion();
    this.emit(`watch ${this.kind} dropped`, `${this.lastError}; retrying in ${delay} ms ${from ? `from resourceVersion ${from}` : 'with a fresh list'}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.lw.start();
    }, delay);
  }

  private emit(action: string, detail: string): void {
    this.onEvent?.({ kind: 'transport', host: 'cluster', transport: 'kube', action, detail });
  }
}

export interface ClusterInformersOptions {
  onEvent?: (e: TransportEvent) => void;
  backoff?: BackoffOptions;
  csrKeys?: (csr: WatchedObject<'csrs'>) => string[];
}

/** The run's informers, one per kind, each started on first use. */
export class ClusterInformers {
  readonly csrs: ResourceInformer<'csrs'>;
  readonly nodes: ResourceInformer<'nodes'>;

  constructor(client: KubeClient, o: ClusterInformersOptions = {}) {
    const common = { client, ...(o.onEvent ? { onEvent: o.onEvent } : {}), ...(o.backoff ? { backoff: o.backoff } : {}) };
    this.csrs = new ResourceInformer({ ...common, kind: 'csrs', ...(o.csrKeys ? { keysOf: o.csrKeys } : {}) });
    this.nodes = new ResourceInformer({ ...common, kind: 'nodes' });
  }

  informer<K extends WatchedKind>(kind: K): ResourceInformer<K> {
    return (kind === 'csrs' ? this.csrs : this.nodes) as unknown as ResourceInformer<K>;
  }

  waitFor<K extends WatchedKind>(kind: K, predicate: (obj: WatchedObject<K>) => boolean, o: WaitOptions = {}): Promise<WatchedObject<K>> {
    return this.informer(kind).waitFor(predicate, o);
  }

  /** True once both kinds are listed and cached. */
  get isSynced(): boolean {
    return this.csrs.isSynced && this.nodes.isSynced;
  }

  /** Resolves once both kinds are listed and cached. */
  get synced(): Promise<void> {
    return Promise.all([this.csrs.synced, this.nodes.synced]).then(() => undefined);
  }

  async stop(): Promise<void> {
    await Promise.all([this.csrs.stop(), this.nodes.stop()]);
  }
}
