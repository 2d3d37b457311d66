// Per-host waiters on a stream of objects: each waits for the first object that matches its
// predicate. Waiters are indexed by a key (a node name), so an event costs only the waiters under
// its own keys plus the unkeyed ones, however many hosts wait.

import { FleetbootError } from '../core/errors.js';

export interface WaitOptions {
  /** Index key (e.g. the node name): only objects carrying this key are offered to the predicate. */
  key?: string;
  signal?: AbortSignal;
  /** Absolute time (Date.now() ms) by which it must resolve. */
  deadline?: number;
  /** Relative alternative to `deadline` (the earlier of both wins). */
  timeoutMs?: number;
  /** What is waited for, for the timeout message ("client CSR of node worker-3"). */
  what?: string;
}

export class WaitTimeoutError extends FleetbootError {}
export class WaitAbortedError extends FleetbootError {}

interface Waiter<T> {
  key: string | undefined;
  predicate: (obj: T) => boolean;
  resolve: (obj: T) => void;
  reject: (err: unknown) => void;
}

export class WaiterSet<T> {
  private readonly byKey = new Map<string, Set<Waiter<T>>>();
  private readonly unkeyed = new Set<Waiter<T>>();
  private count = 0;

  /** Waiters now registered (for tests and stats). */
  get size(): number {
    return this.count;
  }

  /**
   * Waits for the first object offered that matches. `lastError` adds the transport's latest
   * trouble to a timeout message, so a deadline caused by a broken watch says so.
   */
  wait(predicate: (obj: T) => boolean, o: WaitOptions = {}, lastError?: () => string | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(abortError(o.signal, o.what));
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        this.remove(w);
      };
      const w: Waiter<T> = {
        key: o.key,
        predicate,
        resolve: (obj) => {
          cleanup();
          resolve(obj);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const onAbort = (): void => w.reject(abortError(o.signal, o.what));
      const limits = [o.deadline !== undefined ? o.deadline - Date.now() : Infinity, o.timeoutMs ?? Infinity];
      const ms = Math.min(...limits);
      if (ms !== Infinity) {
        const waitedMs = Math.max(0, ms);
        timer = setTimeout(() => {
          const last = lastError?.();
          w.reject(
            new WaitTimeoutError(
              `timed out after ${formatMs(waitedMs)} waiting for ${o.what ?? 'a matching object'}${last ? ` (last cluster error: ${last})` : ''}`,
            ),
          );
        }, waitedMs);
      }
      o.signal?.addEventListener('abort', onAbort, { once: true });
      this.add(w);
    });
  }

  /** Offers an object carrying `keys` to the waiters under those keys and the unkeyed ones. */
  offer(obj: T, keys: readonly string[]): void {
    if (this.count === 0) return;
    for (const key of keys) {
      const set = this.byKey.get(key);
      if (set) for (const w of [...set]) this.test(w, obj);
    }
    for (const w of [...this.unkeyed]) this.test(w, obj);
  }

  /** Rejects every waiter (the informer stopped). */
  rejectAll(err: unknown): void {
    for (const set of [...this.byKey.values()]) for (const w of [...set]) w.reject(err);
    for (const w of [...this.unkeyed]) w.reject(err);
  }

  private test(w: Waiter<T>, obj: T): void {
    let ok: boolean;
    try {
      ok = w.predicate(obj);
    } catch (err) {
      w.reject(err);
      return;
    }
    if (ok) w.resolve(obj);
  }

  private add(w: Waiter<T>): void {
    this.count++;
    if (w.key === undefined) {
      this.unkeyed.add(w);
      return;
    }
    let set = this.byKey.get(w.key);
    if (!set) this.byKey.set(w.key, (set = new Set()));
    set.add(w);
  }

  private remove(w: Waiter<T>): void {
    if (w.key === undefined) {
      if (this.unkeyed.delete(w)) this.count--;
      return;
    }
    const set = this.byKey.get(w.key);
    if (set?.delete(w)) {
      this.count--;
      if (set.size === 0) this.byKey.delete(w.key);
    }
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

function abortError(signal: AbortSignal | undefined, what: string | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof FleetbootError) return reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new WaitAbortedError(`stopped waiting for ${what ?? 'a matching object'}${why}`);
}
