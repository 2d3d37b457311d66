// CPU architecture names: the inventory and CoreOS use the kernel's (`uname -m`) names, Kubernetes
// and Go use GOARCH names. One table maps between them so every caller agrees.

/** CoreOS / kernel name: the keys of stream metadata's `architectures`, coreos-installer's `--architecture`. */
export type CoreosArch = 'x86_64' | 'aarch64' | 'ppc64le' | 's390x';
/** Kubernetes / GOARCH name, as in a Node's `kubernetes.io/arch` label. */
export type KubeArch = 'amd64' | 'arm64' | 'ppc64le' | 's390x';

const TABLE: ReadonlyArray<{ coreos: CoreosArch; kube: KubeArch }> = [
  { coreos: 'x86_64', kube: 'amd64' },
  { coreos: 'aarch64', kube: 'arm64' },
  { coreos: 'ppc64le', kube: 'ppc64le' },
  { coreos: 's390x', kube: 's390x' },
];

export const COREOS_ARCHES: readonly CoreosArch[] = TABLE.map((r) => r.coreos);

/** The CoreOS name for either spelling; undefined when it is neither. */
export function toCoreosArch(name: string): CoreosArch | undefined {
  const row = TABLE.find((r) => r.coreos === name || r.kube === name);
  return row?.coreos;
}

/** The Kubernetes name for either spelling; undefined when it is neither. */
export function toKubeArch(name: string): KubeArch | undefined {
  const row = TABLE.find((r) => r.coreos === name || r.kube === name);
  return row?.kube;
}

/** Like `toCoreosArch`, but an unknown name is an error that lists the accepted ones. */
export function requireCoreosArch(name: string, field = 'architecture'): CoreosArch {
  const arch = toCoreosArch(name);
  if (arch) return arch;
  const accepted = TABLE.map((r) => (r.kube === r.coreos ? r.coreos : `${r.coreos}|${r.kube}`)).join(', ');
  throw new Error(`${field}: unknown architecture '${name}' (accepted: ${accepted})`);
}
