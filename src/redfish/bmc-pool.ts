// One Redfish client per BMC for the whole run, shared by a host's tasks: logged in on first
// use, discovered once, logged out at the end of the run (also after a failure or Ctrl-C).

import type { TransportEvent } from '../core/events.js';
import { RedfishClient } from './client.js';
import { discover, type Discovery } from './discovery.js';
import { createAxiosTransport, type RedfishTransport } from './transport.js';
import { bmcEndpointFromVars, type BmcEndpoint } from './types.js';

export interface BmcHandle {
  client: RedfishClient;
  endpoint: BmcEndpoint;
  /** What the BMC offers, read once per run (modules re-read what they change). */
  discovery: Discovery;
  /** Reads the BMC again (after a change that discovery describes, such as the CD slot). */
  rediscover(): Promise<Discovery>;
}

export interface BmcPoolOptions {
  onEvent?: (event: TransportEvent) => void;
  /** Each BMC password, as soon as it is read, so that it is redacted everywhere. */
  onSecret?: (secret: string) => void;
  /** Aborts Redfish waits and requests (the second Ctrl-C). */
  signal?: AbortSignal;
  /** For tests: a transport per endpoint instead of axios. */
  transport?: (endpoint: BmcEndpoint) => RedfishTransport;
  /** Client options for tests (no real waiting). */
  clientOptions?: Partial<ConstructorParameters<typeof RedfishClient>[0]>;
}

export class BmcPool {
  private readonly handles = new Map<string, Promise<BmcHandle>>();
  constructor(private readonly opts: BmcPoolOptions = {}) {}

  /** The host's BMC, from its `bmc` inventory variable. */
  get(host: string, bmcVar: unknown): Promise<BmcHandle> {
    let h = this.handles.get(host);
    if (!h) {
      h = this.open(host, bmcVar);
      this.handles.set(host, h);
      // A failed open is not cached: the next task tries again.
      h.catch(() => this.handles.delete(host));
    }
    return h;
  }

  private async open(host: string, bmcVar: unknown): Promise<BmcHandle> {
    const endpoint = bmcEndpointFromVars(host, bmcVar);
    this.opts.onSecret?.(endpoint.password);
    const client = new RedfishClient({
      host,
      endpoint,
      transport: (this.opts.transport ?? createAxiosTransport)(endpoint),
      ...(this.opts.onEvent ? { onEvent: this.opts.onEvent } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      ...this.opts.clientOptions,
    });
    try {
      let discovery = await discover(client, endpoint);
      return {
        client,
        endpoint,
        get discovery() {
          return discovery;
        },
        rediscover: async () => (discovery = await discover(client, endpoint)),
      };
    } catch (err) {
      await client.logout().catch(() => undefined);
      client.close();
      throw err;
    }
  }

  /** Logs the host's BMC out as soon as the host is done: sessions must not outlive their host. */
  async release(host: string): Promise<void> {
    const h = this.handles.get(host);
    if (!h) return;
    this.handles.delete(host);
    await this.logout(h);
  }

  private async logout(p: Promise<BmcHandle>): Promise<void> {
    const h = await p.catch(() => undefined);
    if (!h) return;
    await h.client.logout().catch((err: unknown) =>
      this.opts.onEvent?.({ kind: 'transport', host: h.client.host, transport: 'redfish', action: 'logout failed', detail: err instanceof Error ? err.message : String(err) }),
    );
    h.client.close();
  }

  /** Logs every client out; a failed logout is reported, never thrown. */
  async closeAll(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((p) => this.logout(p)));
  }
}
