// Finding the cluster's credentials the way kubectl does: --kubeconfig, else KUBECONFIG (a
// colon-separated list merged with kubectl's rules), else ~/.kube/config, else the pod's service
// account. The library parses the files; the merge order and the messages are fleetboot's.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';

/** The library's Authenticator interface (not re-exported from its index). */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];
import { FleetbootError, errorMessage } from '../core/errors.js';

/** Where the service account's files are mounted in a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeconfigOptions {
  /** `--kubeconfig`: this one file, which must exist. */
  kubeconfig?: string;
  /** `--context`: the context to use instead of the file's current-context. */
  context?: string;
  /** Environment to read KUBECONFIG and KUBERNETES_SERVICE_HOST/PORT from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Home directory holding `.kube/config` (default: os.homedir()). */
  homeDir?: string;
  /** Directory holding the service account's `token`, `ca.crt` and `namespace` (default: SERVICE_ACCOUNT_DIR). */
  serviceAccountDir?: string;
}

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig;
  /** What was read, for messages: a path, `a:b` for a merged KUBECONFIG list, or `in-cluster`. */
  source: string;
  context: string;
  cluster: string;
  user: string;
  server: string;
  namespace?: string;
  /** Bearer tokens, passwords and private keys read: the caller registers them for redaction. */
  secrets: string[];
}

export class KubeconfigError extends FleetbootError {}

function readError(file: string, err: unknown): KubeconfigError {
  const code = (err as { code?: unknown } | null)?.code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err).split('\n')[0];
  return new KubeconfigError(`kubeconfig ${file}: cannot read it: ${why}`);
}

function parseFile(file: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
  const kc = new KubeConfig();
  try {
    // loadFromFile would read it again; this keeps one read and resolves relative paths the same way.
    kc.loadFromString(text);
    kc.makePathsAbsolute(join(file, '..'));
  } catch (err) {
    // js-yaml's messages quote the offending line, which may hold a token: keep the first line only.
    throw new KubeconfigError(`kubeconfig ${file}: not a valid kubeconfig: ${errorMessage(err).split('\n')[0]}`);
  }
  return kc;
}

/**
 * kubectl's merge (client-go's clientcmd): for clusters, users and contexts the first file that
 * names an entry wins; current-context comes from the first file that sets one.
 */
export function mergeKubeconfigs(configs: readonly KubeConfig[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current = '';
  for (const kc of configs) {
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const x of kc.getContexts()) if (!contexts.has(x.name)) contexts.set(x.name, x);
    if (!current && kc.getCurrentContext()) current = kc.getCurrentContext();
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext: current,
  });
  return merged;
}

const SA_PROVIDER = 'fleetboot-service-account';
const TOKEN_REREAD_MS = 60_000;

/**
 * The pod's token, re-read every minute as the kubelet rotates it, and trimmed as client-go does
 * (the library's own tokenFile provider sends a trailing newline into the header).
 */
class ServiceAccountTokenAuth implements Authenticator {
  private token = '';
  private readAt = 0;
  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: unknown } | undefined)?.name === SA_PROVIDER;
  }
  async applyAuthentication(user: User, opts: Parameters<Authenticator['applyAuthentication']>[1]): Promise<void> {
    const path = (user.authProvider as { config: { path: string } }).config.path;
    if (!this.token || Date.now() - this.readAt > TOKEN_REREAD_MS) {
      this.token = readFileSync(path, 'utf8').trim();
      this.readAt = Date.now();
    }
    opts.headers = { ...(opts.headers as Record<string, string> | undefined), Authorization: `Bearer ${this.token}` };
  }
}

function inClusterConfig(env: Record<string, string | undefined>, dir: string): KubeConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  const tokenFile = join(dir, 'token');
  if (!existsSync(tokenFile)) {
    throw new KubeconfigError(
      `in-cluster: KUBERNETES_SERVICE_HOST is set but ${tokenFile} is missing; mount the service account token or pass --kubeconfig`,
    );
  }
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const nsFile = join(dir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined;
  const kc = new KubeConfig();
  kc.addAuthenticator(new ServiceAccountTokenAuth());
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'in-cluster', authProvider: { name: SA_PROVIDER, config: { path: tokenFile } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', ...(namespace ? { namespace } : {}) }],
    currentContext: 'in-cluster',
  });
  return kc;
}

function names(list: readonly { name: string }[]): string {
  return list.length ? list.map((x) => x.name).join(', ') : 'none';
}

function readIfFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every secret the chosen user carries, in the forms they may show up in text. */
function userSecrets(user: User): string[] {
  const out: string[] = [];
  if (user.token) out.push(user.token);
  if (user.password) out.push(user.password);
  if (user.keyData) {
    out.push(user.keyData);
    out.push(Buffer.from(user.keyData, 'base64').toString('utf8').trim());
  }
  const keyPem = readIfFile(user.keyFile);
  if (keyPem) out.push(keyPem.trim());
  const provider = user.authProvider as { name?: unknown; config?: Record<string, unknown> } | undefined;
  const tokenFile = provider?.name === SA_PROVIDER ? provider.config?.path : provider?.config?.tokenFile;
  const fileToken = typeof tokenFile === 'string' ? readIfFile(tokenFile)?.trim() : undefined;
  if (fileToken) out.push(fileToken);
  for (const key of ['access-token', 'id-token', 'refresh-token', 'client-secret']) {
    const v = provider?.config?.[key];
    if (typeof v === 'string' && v) out.push(v);
  }
  return out;
}

function select(kc: KubeConfig, source: string, wanted: string | undefined): LoadedKubeconfig {
  const contexts = kc.getContexts();
  const name = wanted ?? kc.getCurrentContext();
  if (!name) {
    throw new KubeconfigError(`kubeconfig ${source}: no current-context set; pass --context (contexts: ${names(contexts)})`);
  }
  const ctx = contexts.find((c) => c.name === name);
  if (!ctx) {
    const how = wanted ? '' : ' (its current-context); pass --context';
    throw new KubeconfigError(`kubeconfig ${source}: no context named '${name}'${how} (contexts: ${names(contexts)})`);
  }
  const cluster = kc.getClusters().find((c) => c.name === ctx.cluster);
  if (!cluster) {
    throw new KubeconfigError(
      `kubeconfig ${source}: context '${name}' names cluster '${ctx.cluster}', which is not defined (clusters: ${names(kc.getClusters())})`,
    );
  }
  const user = kc.getUsers().find((u) => u.name === ctx.user);
  if (!user) {
    throw new KubeconfigError(
      `kubeconfig ${source}: context '${name}' names user '${ctx.user}', which is not defined (users: ${names(kc.getUsers())})`,
    );
  }
  if (!cluster.server) throw new KubeconfigError(`kubeconfig ${source}: cluster '${cluster.name}' has no server`);
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // The library refuses plain HTTP unless TLS checks are off; say so before the first request does.
    throw new KubeconfigError(
      `kubeconfig ${source}: cluster '${cluster.name}' has an http:// server; use https:// or set insecure-skip-tls-verify: true`,
    );
  }
  kc.setCurrentContext(name);
  return {
    kubeConfig: kc,
    source,
    context: name,
    cluster: cluster.name,
    user: user.name,
    server: cluster.server,
    ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
    secrets: userSecrets(user),
  };
}

/** Loads and checks the kubeconfig kubectl would use with the same flags and environment. */
export function loadKubeconfig(opts: KubeconfigOptions = {}): LoadedKubeconfig {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return select(parseFile(opts.kubeconfig), opts.kubeconfig, opts.context);

  const list = env.KUBECONFIG;
  if (list) {
    // kubectl skips entries that do not exist, but not ones it cannot read or parse.
    const files = [...new Set(list.split(delimiter).filter((f) => f))];
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new KubeconfigError(`KUBECONFIG=${list}: none of its files exists; point it at a kubeconfig or pass --kubeconfig`);
    }
    return select(mergeKubeconfigs(present.map(parseFile)), present.join(delimiter), opts.context);
  }

  const home = join(opts.homeDir ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return select(parseFile(home), home, opts.context);

  const inCluster = inClusterConfig(env, opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  if (inCluster) return select(inCluster, 'in-cluster', opts.context);

  throw new KubeconfigError(
    `no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ${home}, or run in a pod with a service account`,
  );
}
