// The objects a fresh lab cluster holds (pure builders): the worker user-data secret, the boot
// images configmap, the ClusterVersion, and Nodes as kubelets register and update them.

import type { KubeObject } from './store.js';

export type ClusterArch = 'multi' | 'single';

export const OCP_VERSION = '4.16.20';

export function workerUserDataSecret(ignition: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'worker-user-data-managed', namespace: 'openshift-machine-api' },
    type: 'Opaque',
    data: { userData: Buffer.from(ignition).toString('base64'), disableTemplating: Buffer.from('true').toString('base64') },
  };
}

export function bootImagesConfigMap(stream: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'coreos-bootimages', namespace: 'openshift-machine-config-operator', labels: { 'machineconfiguration.openshift.io/role': 'master' } },
    data: { releaseVersion: OCP_VERSION, stream },
  };
}

/** ClusterVersion `version`: a multi-architecture payload says `architecture: Multi`; a single-architecture one says nothing. */
export function clusterVersion(arch: ClusterArch): KubeObject {
  const image = `quay.io/openshift-release-dev/ocp-release@sha256:${(arch === 'multi' ? 'a' : 'b').repeat(64)}`;
  const desired = { version: OCP_VERSION, image, url: `https://access.redhat.com/errata/RHBA-2024:0000`, channels: ['stable-4.16'], ...(arch === 'multi' ? { architecture: 'Multi' } : {}) };
  const at = '2024-10-09T08:04:00Z';
  return {
    apiVersion: 'config.openshift.io/v1',
    kind: 'ClusterVersion',
    metadata: { name: 'version' },
    spec: { clusterID: '5d3c2a5e-0000-4000-8000-f1ee7b007000', channel: 'stable-4.16' },
    status: {
      desired,
      history: [{ state: 'Completed', version: OCP_VERSION, image, verified: false, startedTime: at, completionTime: at }],
      observedGeneration: 1,
      versionHash: 'lab',
      availableUpdates: null,
      conditions: [
        { type: 'Available', status: 'True', lastTransitionTime: at, message: `Done applying ${OCP_VERSION}` },
        { type: 'Failing', status: 'False', lastTransitionTime: at },
        { type: 'Progressing', status: 'False', lastTransitionTime: at, message: `Cluster version is ${OCP_VERSION}` },
      ],
    },
  };
}

export interface NodeSpec {
  name: string;
  /** `uname -m` of the host: aarch64 or x86_64. */
  arch: string;
  addresses: string[];
  ready: boolean;
}

/** Kubernetes' name for an architecture: arm64, amd64. */
export function goArch(arch: string): string {
  return arch === 'aarch64' ? 'arm64' : arch === 'x86_64' ? 'amd64' : arch;
}

export function nodeObject(n: NodeSpec, previous?: KubeObject): KubeObject {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const arch = goArch(n.arch);
  const status = (previous?.status ?? {}) as { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
  const was = status.conditions?.find((c) => c.type === 'Ready');
  const readyStatus = n.ready ? 'True' : 'False';
  const since = was && was.status === readyStatus ? (was.lastTransitionTime ?? now) : now;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels: {
        'kubernetes.io/arch': arch,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': n.name,
        'beta.kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/worker': '',
        'node.openshift.io/os_id': 'rhcos',
      },
      ...(previous ? { uid: previous.metadata.uid, creationTimestamp: previous.metadata.creationTimestamp } : {}),
    },
    spec: {},
    status: {
      addresses: [...n.addresses.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: n.name }],
      conditions: [
        {
          type: 'Ready',
          status: readyStatus,
          reason: n.ready ? 'KubeletReady' : 'KubeletNotReady',
          message: n.ready ? 'kubelet is posting ready status' : 'container runtime network not ready: NetworkReady=false',
          lastHeartbeatTime: now,
          lastTransitionTime: since,
        },
      ],
      nodeInfo: {
        architecture: arch,
        operatingSystem: 'linux',
        osImage: 'Red Hat Enterprise Linux CoreOS 416.94.202410090804-0',
        kernelVersion: '5.14.0-427.40.1.el9_4.' + n.arch,
        kubeletVersion: 'v1.29.10+fleetboot-lab',
        kubeProxyVersion: 'v1.29.10+fleetboot-lab',
        containerRuntimeVersion: 'cri-o://1.29.9',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}
