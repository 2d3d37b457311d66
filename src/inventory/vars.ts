// A host's variables merged with Ansible's precedence (lowest first):
//   all's inventory-file vars < every other group's inventory-file vars, in group order
//   < group_vars/all < group_vars/<group> in group order (per source, in source order)
//   < the host's inventory-file vars < host_vars/<host> (per source, in source order).
// Group order is Ansible's sort_groups: depth (parents before children), then
// ansible_group_priority, then name. Merging is shallow: a later key replaces the whole value.
// Magic variables (inventory_hostname, groups...) are the engine's to add.

import { FleetbootError } from '../core/errors.js';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';

interface VarsIndex {
  depth: Map<string, number>;
  parents: Map<string, string[]>;
  closure: Map<string, Set<string>>;
  byGroupSet: Map<string, Vars>;
  layers: number;
}

// Inventories are not changed after loading, so what is derived from one is kept beside it.
const indexes = new WeakMap<Inventory, VarsIndex>();

function indexOf(inv: Inventory): VarsIndex {
  let idx = indexes.get(inv);
  if (!idx) {
    const parents = new Map<string, string[]>();
    let layers = inv.sources.length;
    for (const g of inv.groups.values()) {
      for (const c of g.children) parents.set(c, [...(parents.get(c) ?? []), g.name]);
      layers = Math.max(layers, g.dirVars?.length ?? 0);
    }
    for (const h of inv.hosts.values()) layers = Math.max(layers, h.dirVars?.length ?? 0);
    idx = { depth: new Map(), parents, closure: new Map(), byGroupSet: new Map(), layers };
    indexes.set(inv, idx);
  }
  return idx;
}

/** Longest path from `all` (Ansible's group depth): a child is always deeper than its parents. */
export function groupDepth(inv: Inventory, group: string): number {
  const idx = indexOf(inv);
  const walk = (name: string, visiting: Set<string>): number => {
    const known = idx.depth.get(name);
    if (known !== undefined) return known;
    if (name === 'all' || visiting.has(name)) return 0;
    visiting.add(name);
    let d = 0;
    for (const p of idx.parents.get(name) ?? []) d = Math.max(d, walk(p, visiting) + 1);
    visiting.delete(name);
    idx.depth.set(name, d);
    return d;
  };
  return walk(group, new Set());
}

export function groupPriority(g: InventoryGroup | undefined): number {
  return g?.priority ?? 1;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Ansible's sort_groups: by depth, then ansible_group_priority, then name. */
export function sortGroups(inv: Inventory, names: Iterable<string>): string[] {
  const key = [...names].map((n) => ({ n, d: groupDepth(inv, n), p: groupPriority(inv.groups.get(n)) }));
  key.sort((a, b) => a.d - b.d || a.p - b.p || byCodePoint(a.n, b.n));
  return key.map((k) => k.n);
}

/** A group and all its ancestors. */
function withAncestors(inv: Inventory, group: string): Set<string> {
  const idx = indexOf(inv);
  let set = idx.closure.get(group);
  if (!set) {
    set = new Set([group]);
    for (const p of idx.parents.get(group) ?? []) for (const a of withAncestors(inv, p)) set.add(a);
    idx.closure.set(group, set);
  }
  return set;
}

/** Every group of a host, `all` excluded, in the order their variables apply. */
export function hostGroupsInOrder(inv: Inventory, host: InventoryHost): string[] {
  const all = new Set<string>();
  for (const g of host.groups) for (const a of withAncestors(inv, g)) all.add(a);
  all.delete('all');
  return sortGroups(inv, [...all].filter((g) => inv.groups.has(g)));
}

const fileLayer = (x: { inventoryVars?: Vars; vars: Vars }): Vars => x.inventoryVars ?? x.vars;

/** The group part of a host's variables; shared by every host with the same groups. */
function groupLayers(inv: Inventory, host: InventoryHost): Vars {
  const idx = indexOf(inv);
  const ordered = hostGroupsInOrder(inv, host);
  const key = ordered.join('\0');
  let merged = idx.byGroupSet.get(key);
  if (!merged) {
    const groups = ordered.map((n) => inv.groups.get(n) as InventoryGroup);
    const all = inv.groups.get('all');
    merged = { ...(all ? fileLayer(all) : {}) };
    for (const g of groups) Object.assign(merged, fileLayer(g));
    for (let i = 0; i < idx.layers; i++) Object.assign(merged, all?.dirVars?.[i]);
    for (let i = 0; i < idx.layers; i++) for (const g of groups) Object.assign(merged, g.dirVars?.[i]);
    idx.byGroupSet.set(key, merged);
  }
  return merged;
}

/** The variables of a host as Ansible merges them (`ansible-inventory --host NAME`). */
export function hostVars(inv: Inventory, host: string): Vars {
  const h = inv.hosts.get(host);
  if (!h) throw new FleetbootError(`no host named '${host}' in the inventory`);
  const out: Vars = { ...groupLayers(inv, h), ...fileLayer(h) };
  for (let i = 0; i < indexOf(inv).layers; i++) Object.assign(out, h.dirVars?.[i]);
  return out;
}

/** A group's own variables as `ansible-inventory --graph --vars` shows them. */
export function groupVars(inv: Inventory, group: string): Vars {
  const g = inv.groups.get(group);
  if (!g) throw new FleetbootError(`no group named '${group}' in the inventory`);
  const out: Vars = { ...fileLayer(g) };
  for (const layer of g.dirVars ?? []) Object.assign(out, layer);
  if (groupPriority(g) !== 1) out['ansible_group_priority'] = groupPriority(g);
  return out;
}
