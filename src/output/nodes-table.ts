// The cluster's Nodes as `kubectl get nodes -L kubernetes.io/arch` shows them: what `npm start`
// prints at the end, so the operator sees the hosts became Ready nodes of the right architecture.

import type { V1Node } from '@kubernetes/client-node';

export function formatNodesTable(nodes: readonly V1Node[], now: Date = new Date()): string {
  const rows = [...nodes]
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map((n) => {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const roles = Object.keys(n.metadata?.labels ?? {})
        .filter((l) => l.startsWith('node-role.kubernetes.io/'))
        .map((l) => l.slice('node-role.kubernetes.io/'.length))
        .sort();
      const created = n.metadata?.creationTimestamp ? new Date(n.metadata.creationTimestamp).getTime() : undefined;
      return [
        n.metadata?.name ?? '',
        ready ? 'Ready' : 'NotReady',
        roles.length ? roles.join(',') : '<none>',
        created !== undefined ? age(now.getTime() - created) : '<unknown>',
        n.status?.nodeInfo?.kubeletVersion ?? '',
        n.status?.nodeInfo?.architecture ?? n.metadata?.labels?.['kubernetes.io/arch'] ?? '',
      ];
    });
  const table = [['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'ARCH'], ...rows];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}

/** kubectl's short ages: 45s, 12m, 3h, 2d. */
function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
