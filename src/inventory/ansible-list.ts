// `ansible-inventory --list`: every group reachable from `all` with its direct hosts and children
// (empty lists left out, groups with neither left out, `all` never lists hosts), and
// `_meta.hostvars` with each host's merged variables (hosts without any left out).

import { FleetbootError } from '../core/errors.js';
import { pythonJson } from './py-format.js';
import type { Inventory, Vars } from './types.js';
import { hostVars } from './vars.js';

/** Variables ansible-inventory never shows, wherever they came from. */
export const INTERNAL_VARS = new Set([
  'ansible_diff_mode',
  'ansible_config_file',
  'ansible_facts',
  'ansible_forks',
  'ansible_inventory_sources',
  'ansible_limit',
  'ansible_playbook_python',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_version',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'omit',
  'playbook_dir',
]);

export function withoutInternal(vars: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(vars)) if (!INTERNAL_VARS.has(k)) out[k] = v;
  return out;
}

export interface AnsibleListGroup {
  hosts?: string[];
  children?: string[];
}

export type AnsibleList = Record<string, AnsibleListGroup> & { _meta: { hostvars: Record<string, Vars> } };

/** The object ansible-inventory --list prints (keys sorted as it sorts them). */
export function toAnsibleList(inv: Inventory): AnsibleList {
  if (!inv.groups.has('all')) throw new FleetbootError('the inventory has no group all');
  const groups: Record<string, AnsibleListGroup> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const g = inv.groups.get(name);
    if (!g) return;
    const entry: AnsibleListGroup = {};
    if (name !== 'all' && g.hosts.length > 0) entry.hosts = [...g.hosts];
    if (g.children.length > 0) entry.children = [...g.children];
    for (const child of g.children) {
      if (seen.has(child)) continue;
      format(child);
      seen.add(child);
    }
    if (entry.hosts || entry.children) groups[name] = entry;
  };
  format('all');

  const hostvars: Record<string, Vars> = {};
  for (const name of [...inv.hosts.keys()].sort(byCodePoint)) {
    const vars = sortKeys(withoutInternal(hostVars(inv, name)));
    if (Object.keys(vars).length > 0) hostvars[name] = vars;
  }
  const out: Record<string, unknown> = { _meta: { hostvars } };
  for (const name of Object.keys(groups).sort(byCodePoint)) out[name] = groups[name];
  return sortKeys(out) as AnsibleList;
}

/** The text ansible-inventory --list prints (Python's JSON layout, keys sorted). */
export function formatAnsibleList(inv: Inventory): string {
  return pythonJson(toAnsibleList(inv)) + '\n';
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort(byCodePoint)) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out as T;
}
