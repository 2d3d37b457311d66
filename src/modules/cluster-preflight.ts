// cluster.preflight: refuses a host the cluster cannot run. A cluster whose ClusterVersion says
// `status.desired.architecture: Multi` runs a multi-architecture (manifest-listed) payload and
// takes nodes of any architecture it ships; otherwise the field is empty, the payload is the
// control plane's single architecture (as the cluster-version operator reads it, runtime.GOARCH),
// and a host of another architecture can only join after `oc adm upgrade --to-multi-arch`
// (OpenShift 4.13+, "Migrating to a cluster with multi-architecture compute machines").

import { toKubeArch, type KubeArch } from '../coreos/architecture.js';
import type { V1Node } from '../cluster/kube-client.js';
import { ModuleFailure, type ModuleSpec } from './contract.js';
import { clusterFailure, oncePerRun } from './cluster-once.js';

export interface ClusterPreflightArgs {
  arch?: string;
  /** The cluster's architecture when no control-plane Node is visible (a single-architecture payload). */
  cluster_arch?: string;
}

export const MULTI = 'Multi';
const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

/** Architectures of the control-plane Nodes (Kubernetes spelling), from nodeInfo or the arch label. */
export function controlPlaneArchitectures(nodes: readonly V1Node[]): string[] {
  const out = new Set<string>();
  for (const n of nodes) {
    const labels = n.metadata?.labels ?? {};
    if (!CONTROL_PLANE_LABELS.some((l) => l in labels)) continue;
    const arch = n.status?.nodeInfo?.architecture ?? labels['kubernetes.io/arch'];
    if (arch) out.add(arch);
  }
  return [...out].sort();
}

export type PreflightVerdict = { ok: true; clusterArchitecture: string; multi: boolean } | { ok: false; msg: string };

/**
 * The decision, pure: `desired` is ClusterVersion's status.desired.architecture, `controlPlane`
 * the control plane's architectures, `given` the operator's cluster_arch.
 */
export function preflightVerdict(host: string, hostArch: string, desired: string | undefined, controlPlane: readonly string[], given?: string): PreflightVerdict {
  const mine = toKubeArch(hostArch);
  if (!mine) return { ok: false, msg: `arch: unknown architecture '${hostArch}' of ${host} (accepted: x86_64|amd64, aarch64|arm64, ppc64le, s390x)` };
  if (desired === MULTI) return { ok: true, clusterArchitecture: MULTI, multi: true };
  let cluster: KubeArch | undefined;
  if (controlPlane.length > 1) {
    // Only a multi payload runs control-plane nodes of two architectures; say what was seen.
    return { ok: false, msg: `the control-plane Nodes are ${controlPlane.join(' and ')} but ClusterVersion version does not say Multi; check the cluster before adding hosts` };
  }
  if (controlPlane.length === 1) cluster = toKubeArch(controlPlane[0]!);
  else if (given !== undefined) {
    cluster = toKubeArch(given);
    if (!cluster) return { ok: false, msg: `cluster_arch: unknown architecture '${given}' (accepted: x86_64|amd64, aarch64|arm64, ppc64le, s390x)` };
  }
  if (!cluster) {
    return {
      ok: false,
      msg: `cannot tell the cluster's architecture: ClusterVersion version runs a single-architecture payload (no status.desired.architecture) and no control-plane Node is visible; set cluster_arch: (e.g. x86_64)`,
    };
  }
  if (cluster !== mine) {
    return {
      ok: false,
      msg: `${host} is ${hostArch} (${mine}) but the cluster runs a single-architecture ${cluster} payload; migrate it to the multi-architecture payload first (oc adm upgrade --to-multi-arch, OpenShift 4.13+) or leave ${host} out`,
    };
  }
  return { ok: true, clusterArchitecture: cluster, multi: false };
}

export const clusterPreflightModule: ModuleSpec<ClusterPreflightArgs> = {
  name: 'cluster.preflight',
  aliases: ['fleetboot.cluster.preflight'],
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      arch: { type: 'string', minLength: 1 },
      cluster_arch: { type: 'string', minLength: 1 },
    },
  },
  async run(args, ctx) {
    const arch = args.arch ?? ctx.vars['arch'];
    if (typeof arch !== 'string' || arch === '') throw new ModuleFailure('arch: not given and the host has no arch variable; set arch (aarch64 or x86_64)');
    const access = await ctx.cluster();
    const cv = await oncePerRun(access, 'clusterversion:version', () => access.client.getClusterVersion('version', { host: ctx.host }).catch(clusterFailure));
    const desired = cv.status?.desired?.architecture;
    let controlPlane: string[] = [];
    if (desired !== MULTI) {
      // One LIST per run, not the informer: its first list's failure would read as "no control plane".
      const nodes = await oncePerRun(access, 'nodes', () => access.client.list('nodes', { host: ctx.host }).catch(clusterFailure));
      controlPlane = controlPlaneArchitectures(nodes.items);
    }
    const v = preflightVerdict(ctx.host, arch, desired, controlPlane, args.cluster_arch);
    if (!v.ok) throw new ModuleFailure(v.msg);
    return {
      changed: false,
      failed: false,
      cluster_architecture: v.clusterArchitecture,
      multi: v.multi,
      msg: v.multi ? `the cluster runs a multi-architecture payload; ${arch} hosts can join` : `the cluster runs a ${v.clusterArchitecture} payload, as ${ctx.host} is`,
    };
  },
};
