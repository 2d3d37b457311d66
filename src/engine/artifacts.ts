// The run's artifact server, started the first time a step publishes something, and a per-host
// view of it: a host's tokens are secrets from the moment they exist, and what a host published
// is withdrawn as soon as the host is done (a URL that still answers is a URL that can leak).

import type { TransportEvent } from '../core/events.js';
import type { ArtifactPublisher, PublishedArtifact } from '../modules/contract.js';
import { ArtifactServer, type ArtifactServerOptions, type Published } from '../serve/server.js';

export interface ArtifactServiceOptions extends Omit<ArtifactServerOptions, 'onEvent'> {
  onEvent: (event: TransportEvent) => void;
  /** Every token as it is made, so it is redacted everywhere. */
  onSecret: (secret: string) => void;
  /** Called once the server listens, with its base URLs (for a message to the operator). */
  onStarted?: (server: ArtifactServer) => void;
}

export class ArtifactService {
  private server: Promise<ArtifactServer> | undefined;
  private readonly tokens = new Map<string, string[]>();

  constructor(private readonly opts: ArtifactServiceOptions) {}

  private start(): Promise<ArtifactServer> {
    this.server ??= ArtifactServer.start(this.opts).then((s) => {
      this.opts.onStarted?.(s);
      return s;
    });
    return this.server;
  }

  async forHost(host: string): Promise<ArtifactPublisher> {
    const server = await this.start();
    const keep = (p: Published): PublishedArtifact => {
      this.opts.onSecret(p.token);
      const list = this.tokens.get(host) ?? [];
      list.push(p.token);
      this.tokens.set(host, list);
      return { url: p.url, token: p.token, size: p.size, ...(p.httpsUrl ? { httpsUrl: p.httpsUrl } : {}) };
    };
    return {
      publishFile: async (o) => keep(await server.publish({ host, name: o.name, file: o.file, ...(o.overlays ? { overlays: o.overlays } : {}) })),
      publishBytes: async (o) => keep(server.publishBytes({ host, name: o.name, bytes: o.bytes })),
      ...(server.caPem ? { caPem: server.caPem } : {}),
    };
  }

  /** Withdraws what `host` published (its run is over, whatever the outcome). */
  async release(host: string): Promise<void> {
    const list = this.tokens.get(host);
    if (!list || !this.server) return;
    this.tokens.delete(host);
    const server = await this.server;
    for (const t of list) server.unpublish(t);
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const server = await this.server.catch(() => undefined);
    this.tokens.clear();
    await server?.close();
  }
}
