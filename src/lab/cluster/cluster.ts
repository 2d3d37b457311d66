// The lab's simulated cluster: the API (store, rules, signer) behind its HTTPS server on its own
// loopback address, the tokens it hands out, the objects a fresh cluster holds, and the hooks the
// lab's hosts use to join it (kubelet bootstrap, Nodes).

import { setMaxListeners } from 'node:events';
import { makeLabCa, makeLeaf, type LabCa } from '../bmc/certs.js';
import { ClusterApi, NODES } from './api.js';
import { TokenBook, adminIdentity, bootstrapperIdentity, nodeIdentity, serviceAccountIdentity, type PolicyRule } from './auth.js';
import { createImpostorCsr, kubeletBootstrap, QUICK_KUBELET, type KubeletFaults, type KubeletNode, type KubeletResult, type KubeletTiming } from './kubelet.js';
import { ApiError } from './api-error.js';
import type { KubeObject } from './store.js';
import { renderKubeconfig } from './kubeconfig.js';
import { bootImagesConfigMap, clusterVersion, nodeObject, workerUserDataSecret, type ClusterArch } from './objects.js';
import { ClusterServer } from './server.js';

/** The cluster's address: 4th octet 253, beside the mirror's 254, never a host's. */
export const CLUSTER_ADDRESS = '127.10.0.253';

export interface LabClusterOptions {
  address?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** ClusterVersion payload: multi-architecture (default) or single. */
  arch?: ClusterArch;
  /** The worker pointer Ignition the secret worker-user-data-managed holds. */
  workerIgnition: string;
  /** Stream metadata JSON for configmap coreos-bootimages. */
  stream: string;
  /** Changes kept for watches (default 1,000). */
  historySize?: number;
  kubelet?: KubeletTiming;
  /** Each host's kubelet faults (faults file). */
  faultsOf?: (node: string) => KubeletFaults;
  log?: (line: string) => void;
}

export class LabCluster {
  readonly adminToken: string;
  /** The shared bootstrap token every kubelet starts with (and an impostor might hold). */
  readonly bootstrapToken: string;
  private readonly nodeTokens = new Map<string, string>();
  private readonly abort = new AbortController();

  private constructor(
    readonly tokens: TokenBook,
    readonly api: ClusterApi,
    private readonly server: ClusterServer,
    readonly apiCa: LabCa,
    readonly kubeletCa: LabCa,
    private readonly opts: LabClusterOptions,
  ) {
    // Every kubelet under way listens for the lab's shutdown on this one signal.
    setMaxListeners(0, this.abort.signal);
    this.adminToken = this.tokens.issue(adminIdentity());
    this.bootstrapToken = this.tokens.issue(bootstrapperIdentity());
  }

  static async start(opts: LabClusterOptions): Promise<LabCluster> {
    const address = opts.address ?? CLUSTER_ADDRESS;
    const [apiCa, kubeletCa] = await Promise.all([makeLabCa('fleetboot lab kube-apiserver CA'), makeLabCa('fleetboot lab kubelet signer')]);
    const leaf = await makeLeaf(apiCa, [address]);
    const api = new ClusterApi({ kubeletCa, ...(opts.historySize !== undefined ? { historySize: opts.historySize } : {}), ...(opts.log ? { log: opts.log } : {}) });
    const tokens = new TokenBook();
    let cluster: LabCluster | undefined;
    const labAction = (path: string, body: unknown): Promise<unknown> => {
      if (!cluster) throw new ApiError(503, 'InternalError', 'the lab cluster is starting');
      return cluster.labAction(path, body);
    };
    const server = new ClusterServer({ address, api, tokens, tls: { key: leaf.keyPem, cert: leaf.certPem }, labAction });
    cluster = new LabCluster(tokens, api, server, apiCa, kubeletCa, opts);
    api.store.put('secrets', workerUserDataSecret(opts.workerIgnition));
    api.store.put('configmaps', bootImagesConfigMap(opts.stream));
    api.store.put('clusterversions', clusterVersion(opts.arch ?? 'multi'));
    await server.listen(opts.port ?? 0);
    return cluster;
  }

  get url(): string {
    return this.server.url;
  }

  get address(): string {
    return this.server.address;
  }

  get port(): number {
    return this.server.port;
  }

  get caPem(): string {
    return this.apiCa.certPem;
  }

  /** A kubeconfig for the admin (context `lab`, the API CA embedded). */
  kubeconfig(): string {
    return renderKubeconfig(this.url, this.caPem, this.adminToken);
  }

  /** A bearer token for service account NAMESPACE/NAME with the given ClusterRole rules bound to it. */
  serviceAccountToken(namespace: string, name: string, rules: PolicyRule[]): string {
    return this.tokens.issue(serviceAccountIdentity(namespace, name, rules));
  }

  /** The token of `system:node:NAME` (a real node authenticates with its client certificate). */
  nodeToken(name: string): string {
    let t = this.nodeTokens.get(name);
    if (!t) this.nodeTokens.set(name, (t = this.tokens.issue(nodeIdentity(name))));
    return t;
  }

  /** Registers or updates a Node. */
  setNode(node: KubeletNode, ready: boolean): void {
    const previous = this.api.store.get(NODES.resource, node.name);
    this.api.store.put(NODES.resource, nodeObject({ name: node.name, arch: node.arch, addresses: [node.address], ready }, previous));
  }

  /** A host's kubelet joining: client CSR, Node, serving CSR, Ready (see kubelet.ts). */
  kubeletBootstrap(node: KubeletNode): Promise<KubeletResult> {
    const faults = this.opts.faultsOf?.(node.name);
    const hooks = { setNode: (n: KubeletNode, ready: boolean) => this.setNode(n, ready), ...(this.opts.log ? { log: this.opts.log } : {}), ...(faults ? { faults } : {}) };
    return kubeletBootstrap(this.api, node, hooks, this.opts.kubelet ?? QUICK_KUBELET, this.abort.signal);
  }

  /** An impostor's CSR against `node` (see kubelet.ts createImpostorCsr). */
  impostorCsr(node: KubeletNode, kind: 'client' | 'serving'): Promise<KubeObject> {
    return createImpostorCsr(this.api, node, kind);
  }

  /**
   * The lab's own endpoints, admin only, under /lab/v1/: `POST drop-watches` ends every watch;
   * `POST impostors` {"node", "address"?, "kind": "client"|"serving"} files an impostor CSR.
   */
  async labAction(path: string, body: unknown): Promise<unknown> {
    if (path === 'drop-watches') return { dropped: this.dropWatches() };
    if (path === 'impostors') {
      const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (typeof b.node !== 'string' || (b.kind !== 'client' && b.kind !== 'serving')) {
        throw new ApiError(400, 'BadRequest', 'POST /lab/v1/impostors wants {"node": NAME, "kind": "client" or "serving", "address": IP (serving)}');
      }
      const address = typeof b.address === 'string' ? b.address : '127.0.0.1';
      return this.impostorCsr({ name: b.node, arch: '', address }, b.kind);
    }
    throw new ApiError(404, 'NotFound', `no lab action ${path} (drop-watches, impostors)`);
  }

  /** Ends every open watch, as a dropped connection would. */
  dropWatches(): number {
    return this.server.dropWatches();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.server.close();
    await this.api.settle();
  }
}
