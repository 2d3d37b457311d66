// cluster.worker_ignition: the worker Ignition as the cluster hands it to machines it creates
// itself (secret worker-user-data-managed, key userData, in openshift-machine-api), read once per
// run and then published exactly as coreos.ignition publishes a config: checked, hashed, served
// for this host, fetched back and compared. The config never appears in results or events.

import { ModuleFailure, type ModuleSpec } from './contract.js';
import { clusterFailure, oncePerRun } from './cluster-once.js';
import { publishIgnition } from './coreos-ignition.js';

export interface ClusterWorkerIgnitionArgs {
  secret?: string;
  namespace?: string;
  key?: string;
  name?: string;
  validate?: 'worker' | 'none';
}

export const DEFAULT_WORKER_SECRET = 'worker-user-data-managed';
export const DEFAULT_WORKER_SECRET_NAMESPACE = 'openshift-machine-api';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes under `key` of a Secret's `data` (base64 on the wire); a one-line failure otherwise. */
export function secretBytes(secret: { data?: Record<string, string> | undefined }, key: string, where: string): Buffer {
  const data = secret.data ?? {};
  const value = data[key];
  if (value === undefined) {
    const keys = Object.keys(data);
    throw new ModuleFailure(`${where} has no key ${key} (keys: ${keys.length ? keys.join(', ') : 'none'}); set key:`);
  }
  const text = value.replace(/\s+/g, '');
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new ModuleFailure(`${where} key ${key} is not base64 as the API returns Secret data`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw new ModuleFailure(`${where} key ${key} is empty`);
  return bytes;
}

export const clusterWorkerIgnitionModule: ModuleSpec<ClusterWorkerIgnitionArgs> = {
  name: 'cluster.worker_ignition',
  aliases: ['fleetboot.cluster.worker_ignition'],
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      secret: { type: 'string', minLength: 1 },
      namespace: { type: 'string', minLength: 1 },
      key: { type: 'string', minLength: 1 },
      name: { type: 'string', minLength: 1 },
      validate: { enum: ['worker', 'none'] },
    },
  },
  async run(args, ctx) {
    const namespace = args.namespace ?? DEFAULT_WORKER_SECRET_NAMESPACE;
    const name = args.secret ?? DEFAULT_WORKER_SECRET;
    const key = args.key ?? 'userData';
    const where = `secret ${namespace}/${name}`;
    const access = await ctx.cluster();
    const bytes = await oncePerRun(access, `secret:${namespace}/${name}:${key}`, async () => {
      const secret = await access.client.getSecret(namespace, name, { host: ctx.host }).catch(clusterFailure);
      return secretBytes(secret, key, where);
    });
    return publishIgnition(bytes, `${where} key ${key}`, { name: args.name ?? 'worker.ign', ...(args.validate ? { validate: args.validate } : {}) }, ctx);
  },
};
