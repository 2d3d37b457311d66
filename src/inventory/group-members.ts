// The hosts of a group as Ansible lists them (Group.get_hosts): the group's own hosts, then
// those of its children, then of theirs, level by level, each host once. Past the first level
// Ansible's order follows Python set iteration, which changes from run to run; fleetboot takes
// each level in the order the groups were listed.

import type { Inventory } from './types.js';

// The members of each group, computed once per inventory.
const membersCache = new WeakMap<Inventory, Map<string, string[]>>();

export function groupMembers(inv: Inventory, group: string): string[] {
  let cache = membersCache.get(inv);
  if (!cache) {
    cache = new Map();
    membersCache.set(inv, cache);
  }
  const known = cache.get(group);
  if (known) return known;
  const g = inv.groups.get(group);
  const ordered: string[] = [];
  const seenGroups = new Set<string>();
  const visit = (name: string): void => {
    if (!seenGroups.has(name)) {
      seenGroups.add(name);
      ordered.push(name);
    }
  };
  if (g) {
    visit(group);
    g.children.forEach(visit);
    let frontier = [...g.children];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const f of frontier) {
        for (const c of inv.groups.get(f)?.children ?? []) {
          if (!seenGroups.has(c)) next.push(c);
          visit(c);
        }
      }
      frontier = next;
    }
  }
  const seenHosts = new Set<string>();
  const hosts: string[] = [];
  for (const name of ordered) {
    for (const h of inv.groups.get(name)?.hosts ?? []) {
      if (seenHosts.has(h)) continue;
      seenHosts.add(h);
      hosts.push(h);
    }
  }
  cache.set(group, hosts);
  return hosts;
}
