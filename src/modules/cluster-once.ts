// Reads the cluster modules make once per run, shared by every host of it: one GET of the
// worker secret or the boot images configmap for 1,000 hosts. Keyed by the run's KubeClient, so
// a second run (or test) in the same process reads afresh; a failure is not kept.

import type { KubeClient } from '../cluster/kube-client.js';
import { errorMessage } from '../core/errors.js';
import { KubeApiError } from '../cluster/kube-error.js';
import { ModuleFailure, type ClusterAccess } from './contract.js';
import { onceByKey } from './coreos-fetch.js';

const reads = new WeakMap<KubeClient, Map<string, Promise<unknown>>>();

export function oncePerRun<T>(access: ClusterAccess, key: string, make: () => Promise<T>): Promise<T> {
  let cache = reads.get(access.client);
  if (!cache) reads.set(access.client, (cache = new Map()));
  return onceByKey(cache as Map<string, Promise<T>>, key, make);
}

/** A cluster call's failure as the step's verdict (KubeApiError is already one line with a hint). */
export function clusterFailure(err: unknown): never {
  if (err instanceof ModuleFailure) throw err;
  if (err instanceof KubeApiError) throw new ModuleFailure(err.message);
  throw new ModuleFailure(`cluster: ${errorMessage(err).split('\n')[0]}`);
}
