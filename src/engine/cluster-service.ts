// The run's cluster: on the first `ctx.cluster()` of a run, the kubeconfig is chosen (kubectl's
// order, with the host's `fleetboot_kubeconfig` before ~/.kube/config), its secrets registered,
// one KubeClient and one set of informers made, and the node identities of every host of the run
// computed; every host's steps share them until the run ends.

import { resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { TransportEvent } from '../core/events.js';
import { errorMessage } from '../core/errors.js';
import { ClusterInformers, type ClusterInformersOptions } from '../cluster/informer.js';
import { createKubeClient, type KubeClient, type KubeClientOptions } from '../cluster/kube-client.js';
import { loadKubeconfig, type KubeconfigOptions, type LoadedKubeconfig } from '../cluster/kubeconfig.js';
import { indexNodeIdentities, nodeIdentityFromVars } from '../cluster/node-identity.js';
import type { NodeIdentity } from '../cluster/types.js';
import { ModuleFailure, type ClusterAccess } from '../modules/contract.js';
import type { Vars } from './inventory-view.js';

/** The host variable naming a kubeconfig file (the lab writes it as a group var). */
export const KUBECONFIG_VAR = 'fleetboot_kubeconfig';

export interface ClusterServiceOptions {
  /** `--kubeconfig`. */
  kubeconfig?: string;
  /** `--context`. */
  context?: string;
  /** Where KUBECONFIG and the in-cluster variables are read (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Home holding `.kube/config` (default: os.homedir()). */
  homeDir?: string;
  serviceAccountDir?: string;
  /** Every host of the run (their identities are the CSR rules' allow-list). */
  hosts: readonly string[];
  /**
   * Every host of the inventory (default: the run's): checked against the run's hosts for a node
   * name, IP or DNS name two hosts claim, which `--limit` would otherwise hide.
   */
  allHosts?: readonly string[];
  /** A host's inventory variables. */
  hostVars: (host: string) => Vars;
  runId: string;
  onEvent: (e: TransportEvent) => void;
  onSecret: (secret: string) => void;
  /** Makes the client (tests count or fake it); default createKubeClient. */
  createClient?: (kc: KubeConfig, o: KubeClientOptions) => Promise<KubeClient>;
  informers?: Omit<ClusterInformersOptions, 'onEvent'>;
}

interface Chosen {
  /** What decided it, for messages: `--kubeconfig`, `KUBECONFIG`, `fleetboot_kubeconfig of HOST`, `default`. */
  how: string;
  /** The file (resolved), or undefined for kubectl's default search. */
  file?: string;
}

export class ClusterService {
  private access: Promise<ClusterAccess> | undefined;
  private chosen: Chosen | undefined;
  private client: KubeClient | undefined;
  private informers: ClusterInformers | undefined;
  private closed = false;

  constructor(private readonly o: ClusterServiceOptions) {}

  /** The run's cluster, for a step of `host` (whose `fleetboot_kubeconfig` is `hostKubeconfig`). */
  forHost(host: string, hostKubeconfig: unknown): Promise<ClusterAccess> {
    if (this.closed) return Promise.reject(new ModuleFailure('cluster: the run is over; no more cluster access'));
    let wanted: Chosen;
    try {
      wanted = this.choose(host, hostKubeconfig);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (this.chosen && this.chosen.file !== wanted.file) {
      return Promise.reject(
        new ModuleFailure(
          `cluster: one kubeconfig per run: ${host} would use ${wanted.file ?? "kubectl's default"} (${wanted.how}) but the run already uses ${this.chosen.file ?? "kubectl's default"} (${this.chosen.how}); give every host the same fleetboot_kubeconfig`,
        ),
      );
    }
    this.chosen ??= wanted;
    if (!this.access) {
      this.access = this.open(wanted);
      // A failed first attempt is not kept: the next step tries again (a fixed file, a cluster back up).
      this.access.catch(() => {
        this.access = undefined;
        this.chosen = undefined;
      });
    }
    return this.access;
  }

  /** Stops the informers and closes the client (run end). */
  async close(): Promise<void> {
    this.closed = true;
    await this.access?.catch(() => undefined);
    await this.informers?.stop().catch(() => undefined);
    this.client?.close();
  }

  private choose(host: string, hostKubeconfig: unknown): Chosen {
    if (this.o.kubeconfig) return { how: '--kubeconfig', file: resolve(this.o.kubeconfig) };
    const env = this.o.env ?? process.env;
    if (env.KUBECONFIG) return { how: 'KUBECONFIG', file: env.KUBECONFIG };
    if (hostKubeconfig !== undefined && hostKubeconfig !== null && hostKubeconfig !== '') {
      if (typeof hostKubeconfig !== 'string') throw new ModuleFailure(`cluster: ${host}: ${KUBECONFIG_VAR}: expected a file path`);
      this.checkOneFile();
      return { how: `${KUBECONFIG_VAR} of ${host}`, file: resolve(hostKubeconfig) };
    }
    return { how: 'default' };
  }

  /** Hosts of one run naming different kubeconfig files would join different clusters: refuse. */
  private checkOneFile(): void {
    let first: { host: string; file: string } | undefined;
    for (const h of this.o.hosts) {
      const v = this.o.hostVars(h)[KUBECONFIG_VAR];
      // A templated value is not comparable before rendering; the per-step check catches it.
      if (typeof v !== 'string' || v === '' || v.includes('{{')) continue;
      const file = resolve(v);
      if (!first) first = { host: h, file };
      else if (file !== first.file) {
        throw new ModuleFailure(
          `cluster: one kubeconfig per run: ${first.host} names ${first.file} and ${h} names ${file} in ${KUBECONFIG_VAR}; run each cluster's hosts separately or pass --kubeconfig`,
        );
      }
    }
  }

  private async open(chosen: Chosen): Promise<ClusterAccess> {
    const opts: KubeconfigOptions = {
      ...(chosen.file && chosen.how !== 'KUBECONFIG' ? { kubeconfig: chosen.file } : {}),
      ...(this.o.context ? { context: this.o.context } : {}),
      ...(this.o.env ? { env: this.o.env } : {}),
      ...(this.o.homeDir ? { homeDir: this.o.homeDir } : {}),
      ...(this.o.serviceAccountDir ? { serviceAccountDir: this.o.serviceAccountDir } : {}),
    };
    let loaded: LoadedKubeconfig;
    try {
      loaded = loadKubeconfig(opts);
    } catch (err) {
      throw new ModuleFailure(`cluster: ${errorMessage(err)}`);
    }
    for (const s of loaded.secrets) this.o.onSecret(s);
    const identities = this.identities();
    const make = this.o.createClient ?? createKubeClient;
    const client = await make(loaded.kubeConfig, { onEvent: this.o.onEvent });
    if (this.closed) {
      client.close();
      throw new ModuleFailure('cluster: the run is over; no more cluster access');
    }
    this.client = client;
    this.informers = new ClusterInformers(client, { ...this.o.informers, onEvent: this.o.onEvent });
    this.o.onEvent({
      kind: 'transport',
      host: 'cluster',
      transport: 'kube',
      action: 'kubeconfig',
      detail: `${loaded.source} (${chosen.how}), context ${loaded.context}, server ${loaded.server}`,
    });
    return { client, informers: this.informers, identities, clientApproved: new Set<string>(), runId: this.o.runId };
  }

  private identities(): ReadonlyMap<string, NodeIdentity> {
    try {
      const own = this.o.hosts.map((h) => nodeIdentityFromVars(h, this.o.hostVars(h)));
      const inRun = new Set(this.o.hosts);
      const others: NodeIdentity[] = [];
      for (const h of this.o.allHosts ?? []) {
        if (inRun.has(h)) continue;
        // A host outside the run with fields of its own to fix is that host's problem, not this run's.
        try {
          others.push(nodeIdentityFromVars(h, this.o.hostVars(h)));
        } catch {
          continue;
        }
      }
      if (others.length > 0) indexNodeIdentities([...own, ...others]);
      return indexNodeIdentities(own);
    } catch (err) {
      // NodeIdentityError says `<host>: <field>: <what>`.
      throw new ModuleFailure(`inventory: ${errorMessage(err)}`);
    }
  }
}
