// cluster.boot_images: the CoreOS stream metadata the cluster itself installs machines from
// (configmap coreos-bootimages in openshift-machine-config-operator, data.stream), read once per
// run. Its `stream` result is what coreos.live_iso takes as `stream:`.

import { errorMessage } from '../core/errors.js';
import { parseStreamMetadata, streamArchitectures } from '../coreos/stream-metadata.js';
import { ModuleFailure, type ModuleSpec } from './contract.js';
import { clusterFailure, oncePerRun } from './cluster-once.js';

export interface ClusterBootImagesArgs {
  configmap?: string;
  namespace?: string;
  key?: string;
}

/** The stream in a ConfigMap's `data[key]`, parsed; a one-line failure naming the ConfigMap otherwise. */
export function streamFromData(configMap: { data?: Record<string, string> | undefined }, key: string, where: string): Record<string, unknown> {
  const text = configMap.data?.[key];
  if (typeof text !== 'string') {
    const keys = Object.keys(configMap.data ?? {});
    throw new ModuleFailure(`${where} has no data.${key} (keys: ${keys.length ? keys.join(', ') : 'none'}); set key:`);
  }
  try {
    return parseStreamMetadata(text, `${where} data.${key}`);
  } catch (err) {
    throw new ModuleFailure(errorMessage(err));
  }
}

export const clusterBootImagesModule: ModuleSpec<ClusterBootImagesArgs> = {
  name: 'cluster.boot_images',
  aliases: ['fleetboot.cluster.boot_images'],
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      configmap: { type: 'string', minLength: 1 },
      namespace: { type: 'string', minLength: 1 },
      key: { type: 'string', minLength: 1 },
    },
  },
  async run(args, ctx) {
    const namespace = args.namespace ?? 'openshift-machine-config-operator';
    const name = args.configmap ?? 'coreos-bootimages';
    const key = args.key ?? 'stream';
    const where = `configmap ${namespace}/${name}`;
    const access = await ctx.cluster();
    const stream = await oncePerRun(access, `configmap:${namespace}/${name}:${key}`, async () => {
      const cm = await access.client.getConfigMap(namespace, name, { host: ctx.host }).catch(clusterFailure);
      return streamFromData(cm, key, where);
    });
    const architectures = streamArchitectures(stream);
    const release = typeof stream['stream'] === 'string' ? stream['stream'] : undefined;
    return {
      changed: false,
      failed: false,
      stream,
      architectures,
      msg: `${where}: ${release ? `stream ${release}, ` : ''}architectures ${architectures.join(', ')}`,
    };
  },
};
