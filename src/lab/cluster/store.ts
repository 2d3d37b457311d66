// The simulated cluster's storage: objects by resource, one global resourceVersion counter as etcd
// keeps, and a bounded history of changes that watches replay from. A watch that asks for a
// resourceVersion older than the history holds gets 410 Expired, as from a compacted etcd.

import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

interface Logged {
  rv: number;
  resource: string;
  event: WatchEvent;
}

export type WatchListener = (event: WatchEvent) => void;

/** Default number of changes kept for watches to resume from. */
export const DEFAULT_HISTORY = 1000;

/** Freezes `v` and everything in it: one copy of an event is shared by every watch and the history. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function objectKey(meta: { name: string; namespace?: string | undefined }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

export class ClusterStore {
  private rv = 0;
  /** The newest resourceVersion no longer in the history (0: nothing dropped yet). */
  private dropped = 0;
  private readonly history: Logged[] = [];
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<{ resource: string; fn: WatchListener }>();

  constructor(private readonly historySize = DEFAULT_HISTORY) {
    if (!(historySize >= 1)) throw new Error('the watch history must keep at least one change');
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get(resource: string, key: string): KubeObject | undefined {
    const o = this.objects.get(resource)?.get(key);
    return o ? structuredClone(o) : undefined;
  }

  list(resource: string): { items: KubeObject[]; resourceVersion: number } {
    const items = [...(this.objects.get(resource)?.values() ?? [])].map((o) => structuredClone(o));
    items.sort((a, b) => objectKey(a.metadata).localeCompare(objectKey(b.metadata)));
    return { items, resourceVersion: this.rv };
  }

  /** Stores `obj` as the new state of its key under the next resourceVersion, and tells the watches. */
  put(resource: string, obj: KubeObject): KubeObject {
    const key = objectKey(obj.metadata);
    let byKey = this.objects.get(resource);
    if (!byKey) this.objects.set(resource, (byKey = new Map()));
    const existed = byKey.has(key);
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    if (!existed) {
      stored.metadata.uid ??= randomUUID();
      stored.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    }
    byKey.set(key, stored);
    this.log(resource, { type: existed ? 'MODIFIED' : 'ADDED', object: stored });
    return structuredClone(stored);
  }

  delete(resource: string, key: string): KubeObject | undefined {
    const byKey = this.objects.get(resource);
    const old = byKey?.get(key);
    if (!byKey || !old) return undefined;
    byKey.delete(key);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.log(resource, { type: 'DELETED', object: gone });
    return structuredClone(gone);
  }

  /**
   * Follows `resource` from `fromRv` on: the changes after it (or, with none given or "0", an ADDED
   * per current object), then every new change as it happens. Throws 410 when the history no
   * longer reaches back to `fromRv`. Returns the unsubscription.
   */
  /** Events handed to `fn` are frozen and shared: read them, never change them. */
  watch(resource: string, fromRv: number | undefined, fn: WatchListener): () => void {
    let replay: WatchEvent[];
    if (fromRv === undefined || fromRv === 0) {
      replay = this.list(resource).items.map((object) => ({ type: 'ADDED' as const, object }));
    } else {
      if (fromRv < this.dropped) throw new ApiError(410, 'Expired', `too old resource version: ${fromRv} (${this.dropped + 1})`);
      replay = this.history.filter((l) => l.resource === resource && l.rv > fromRv).map((l) => l.event);
    }
    const entry = { resource, fn };
    this.listeners.add(entry);
    for (const e of replay) fn(e);
    return () => this.listeners.delete(entry);
  }

  private log(resource: string, event: WatchEvent): void {
    // One frozen copy per change, however many watch it (500 kubelets waiting at once).
    const shared = deepFreeze(structuredClone(event));
    this.history.push({ rv: this.rv, resource, event: shared });
    while (this.history.length > this.historySize) this.dropped = this.history.shift()?.rv ?? this.dropped;
    for (const l of [...this.listeners]) if (l.resource === resource) l.fn(shared);
  }
}
