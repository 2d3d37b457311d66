// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for on `get`: the columns the
// API server prints for CSRs and Nodes, NAME and AGE for the rest (pure).

import type { ResourceDef } from './resources.js';
import type { KubeObject } from './store.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  cell: (o: KubeObject) => string;
}

/** `5s`, `3m`, `2h`, `4d`, as kubectl's HumanDuration shortens them. */
export function shortAge(createdIso: string | undefined, now = Date.now()): string {
  if (!createdIso) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(createdIso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const conds = (o: KubeObject): Array<Record<string, unknown>> => {
  const c = rec(o.status).conditions;
  return Array.isArray(c) ? c.map(rec) : [];
};

const NAME: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', type: 'string', cell: (o) => shortAge(o.metadata.creationTimestamp) };

function csrCondition(o: KubeObject): string {
  const types = conds(o)
    .filter((c) => c.status === 'True')
    .map((c) => String(c.type));
  const shown = types.length ? types.join(',') : 'Pending';
  return rec(o.status).certificate ? `${shown},Issued` : shown;
}

const COLUMNS: Record<string, Column[]> = {
  certificatesigningrequests: [
    NAME,
    AGE,
    { name: 'SignerName', type: 'string', cell: (o) => String(rec(o.spec).signerName ?? '') },
    { name: 'Requestor', type: 'string', cell: (o) => String(rec(o.spec).username ?? '') },
    { name: 'RequestedDuration', type: 'string', cell: (o) => (typeof rec(o.spec).expirationSeconds === 'number' ? `${Math.round(Number(rec(o.spec).expirationSeconds) / 60)}m` : '<none>') },
    { name: 'Condition', type: 'string', cell: csrCondition },
  ],
  nodes: [
    NAME,
    { name: 'Status', type: 'string', cell: (o) => (conds(o).find((c) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady') },
    {
      name: 'Roles',
      type: 'string',
      cell: (o) =>
        Object.keys(o.metadata.labels ?? {})
          .filter((k) => k.startsWith('node-role.kubernetes.io/'))
          .map((k) => k.slice('node-role.kubernetes.io/'.length))
          .join(',') || '<none>',
    },
    AGE,
    { name: 'Version', type: 'string', cell: (o) => String(rec(rec(o.status).nodeInfo).kubeletVersion ?? '') },
  ],
  clusterversions: [
    NAME,
    { name: 'Version', type: 'string', cell: (o) => String(rec(rec(o.status).desired).version ?? '') },
    { name: 'Available', type: 'string', cell: (o) => String(conds(o).find((c) => c.type === 'Available')?.status ?? '') },
    { name: 'Progressing', type: 'string', cell: (o) => String(conds(o).find((c) => c.type === 'Progressing')?.status ?? '') },
    { name: 'Status', type: 'string', cell: (o) => String(conds(o).find((c) => c.type === 'Progressing')?.message ?? '') },
  ],
};

export function toTable(def: ResourceDef, items: readonly KubeObject[], resourceVersion: string): Record<string, unknown> {
  const columns = COLUMNS[def.resource] ?? [NAME, AGE];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: 0 })),
    rows: items.map((o) => ({ cells: columns.map((c) => c.cell(o)), object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } })),
  };
}

/** Whether an Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}
