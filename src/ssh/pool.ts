// One SSH connection per host for the whole run: callers asking for a host at the same time
// share one connect; a connection that closes or fails is forgotten so the next caller
// reconnects. Connection life is reported as transport events, never printed.

import type { TransportEvent } from '../core/events.js';
import { connectSsh } from './connect.js';
import type { ClosedInfo } from './connection.js';
import { unreachable } from './errors.js';
import { SshUnreachableError, type SshConnection, type SshPool, type SshTarget } from './types.js';

export type SshTransportEvent = TransportEvent & {
  transport: 'ssh';
  action: 'connect' | 'connected' | 'closed' | 'error';
};

/** What the pool needs of a connection (SshClientConnection is one). */
export interface PoolableConnection extends SshConnection {
  readonly isOpen: boolean;
  readonly note?: string | undefined;
  onClose(listener: (info: ClosedInfo) => void): void;
}

export interface SshPoolOptions {
  onEvent?: (event: SshTransportEvent) => void;
  /** Opens a connection; replaced in tests. */
  connect?: (target: SshTarget) => Promise<PoolableConnection>;
}

interface Entry {
  /** What the connection was opened with: another target for the same host reconnects. */
  key: string;
  connecting: Promise<PoolableConnection>;
  connection?: PoolableConnection;
}

function targetKey(t: SshTarget): string {
  return JSON.stringify([t.address, t.port, t.user, t.privateKeyFile, t.agent, t.knownHostsFile, t.hostKeyPolicy, t.pinnedHostKey]);
}

export class SshConnectionPool implements SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly onEvent: (event: SshTransportEvent) => void;
  private readonly connect: (target: SshTarget) => Promise<PoolableConnection>;

  constructor(options: SshPoolOptions = {}) {
    this.onEvent = options.onEvent ?? (() => undefined);
    this.connect = options.connect ?? ((target) => connectSsh(target));
  }

  async get(target: SshTarget, signal?: AbortSignal): Promise<SshConnection> {
    signal?.throwIfAborted();
    let entry = this.entries.get(target.host);
    const stale = entry && (entry.key !== targetKey(target) || (entry.connection && !entry.connection.isOpen));
    if (entry && stale) {
      await this.drop(target.host);
      entry = this.entries.get(target.host); // another caller may have reconnected meanwhile
    }
    entry ??= this.start(target);
    return signal ? abortable(entry.connecting, signal) : entry.connecting;
  }

  private start(target: SshTarget): Entry {
    const { host } = target;
    const started = Date.now();
    this.emit(host, 'connect', `${target.user}@${target.address}:${target.port}`);
    const entry: Entry = { key: targetKey(target), connecting: this.connect(target) };
    this.entries.set(host, entry);
    entry.connecting.then(
      (connection) => {
        entry.connection = connection;
        this.emit(host, 'connected', connection.note, Date.now() - started);
        const opened = Date.now();
        connection.onClose((info) => {
          if (this.entries.get(host) === entry) this.entries.delete(host);
          this.emit(host, 'closed', info.reason, Date.now() - opened);
        });
        if (this.entries.get(host) !== entry) void connection.close(); // dropped while connecting
      },
      (err: unknown) => {
        if (this.entries.get(host) === entry) this.entries.delete(host);
        this.emit(host, 'error', err instanceof Error ? err.message : String(err), Date.now() - started);
      },
    );
    entry.connecting = entry.connecting.catch((err: unknown) => {
      throw err instanceof SshUnreachableError ? err : unreachable(target, err instanceof Error ? err.message : String(err), err);
    });
    // Failures of a connect nobody waits for any more must not be unhandled rejections.
    entry.connecting.catch(() => undefined);
    return entry;
  }

  async drop(host: string): Promise<void> {
    const entry = this.entries.get(host);
    if (!entry) return;
    this.entries.delete(host);
    await closeEntry(entry);
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(closeEntry));
  }

  private emit(host: string, action: SshTransportEvent['action'], detail?: string, durationMs?: number): void {
    const event: SshTransportEvent = { kind: 'transport', host, transport: 'ssh', action };
    if (detail !== undefined) event.detail = detail;
    if (durationMs !== undefined) event.durationMs = durationMs;
    this.onEvent(event);
  }
}

async function closeEntry(entry: Entry): Promise<void> {
  const connection = await entry.connecting.catch(() => undefined);
  await connection?.close();
}

/** The caller stops waiting on abort; the shared connect goes on for the others. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
