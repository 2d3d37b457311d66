// Assembles hosts and groups the way Ansible's InventoryData does while inventory files are read:
// `all` and `ungrouped` exist from the start, groups without a parent end up under `all`, hosts
// in no group end up in `ungrouped`, a group may not contain itself, a host's port is taken from
// the first place it appears.

import type { SourcePos } from '../core/errors.js';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';

export interface BuildGroup {
  name: string;
  hosts: string[];
  hostSet: Set<string>;
  children: string[];
  parents: string[];
  vars: Vars;
  priority: number;
  pos?: SourcePos;
}

export interface BuildHost {
  name: string;
  vars: Vars;
  /** Groups the host was put in directly. */
  groups: Set<string>;
  pos?: SourcePos;
}

export class InventoryBuilder {
  readonly groups = new Map<string, BuildGroup>();
  readonly hosts = new Map<string, BuildHost>();

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string, pos?: SourcePos): BuildGroup {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], hostSet: new Set(), children: [], parents: [], vars: {}, priority: 1, pos };
      this.groups.set(name, g);
    }
    return g;
  }

  /** Creates the host if new (then, and only then, `port` becomes its ansible_port). */
  addHost(name: string, group?: string, port?: number, pos?: SourcePos): BuildHost {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, groups: new Set(), pos };
      if (port !== undefined) h.vars['ansible_port'] = port;
      this.hosts.set(name, h);
    }
    if (group !== undefined) this.putHost(group, h);
    return h;
  }

  private putHost(group: string, h: BuildHost): void {
    const g = this.addGroup(group);
    if (g.hostSet.has(h.name)) return;
    g.hosts.push(h.name);
    g.hostSet.add(h.name);
    h.groups.add(group);
  }

  /**
   * Makes `child` a child group of `parent`. Returns an error message when the edge would make a
   * loop (Ansible refuses those too).
   */
  addChild(parent: string, child: string): string | undefined {
    const p = this.addGroup(parent);
    const c = this.addGroup(child);
    if (p === c) return `group '${child}' cannot be a child of itself`;
    if (p.children.includes(child)) return undefined;
    if (this.ancestors(parent).has(child)) {
      return `making '${child}' a child of '${parent}' creates a loop ('${parent}' is already inside '${child}')`;
    }
    p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
    return undefined;
  }

  setGroupVar(group: string, key: string, value: unknown): void {
    const g = this.addGroup(group);
    if (key === 'ansible_group_priority') g.priority = pyInt(value);
    else g.vars[key] = value;
  }

  setHostVar(host: string, key: string, value: unknown): void {
    const h = this.addHost(host);
    h.vars[key] = value;
  }

  ancestors(group: string): Set<string> {
    const seen = new Set<string>();
    const todo = [...(this.groups.get(group)?.parents ?? [])];
    while (todo.length > 0) {
      const g = todo.pop() as string;
      if (seen.has(g)) continue;
      seen.add(g);
      todo.push(...(this.groups.get(g)?.parents ?? []));
    }
    return seen;
  }

  /** Ansible's reconcile_inventory: every group under `all`, every lone host in `ungrouped`. */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    }
    const ungrouped = this.groups.get('ungrouped') as BuildGroup;
    for (const h of this.hosts.values()) {
      const others = [...h.groups].filter((g) => g !== 'all' && g !== 'ungrouped');
      if (h.groups.has('ungrouped')) {
        if (others.length > 0) {
          ungrouped.hosts = ungrouped.hosts.filter((n) => n !== h.name);
          ungrouped.hostSet.delete(h.name);
          h.groups.delete('ungrouped');
        }
      } else if (others.length === 0) {
        this.putHost('ungrouped', h);
      }
    }
  }

  /** The contract's shape; `sources` are the inventory sources in the order given. */
  toInventory(sources: string[]): Inventory {
    const groups = new Map<string, InventoryGroup>();
    for (const g of this.groups.values()) {
      const out: InventoryGroup = {
        name: g.name,
        hosts: [...g.hosts],
        children: [...g.children],
        vars: { ...g.vars },
        parents: [...g.parents],
        priority: g.priority,
        inventoryVars: g.vars,
      };
      if (g.pos) out.pos = g.pos;
      groups.set(g.name, out);
    }
    const ancestorsOf = new Map<string, Set<string>>();
    const withAncestors = (name: string): Set<string> => {
      let set = ancestorsOf.get(name);
      if (!set) {
        set = this.ancestors(name);
        set.add(name);
        ancestorsOf.set(name, set);
      }
      return set;
    };
    const hosts = new Map<string, InventoryHost>();
    const order = [...this.groups.keys()];
    for (const h of this.hosts.values()) {
      const member = new Set<string>(['all']);
      for (const g of h.groups) for (const a of withAncestors(g)) member.add(a);
      const groupsOfHost = order.filter((g) => member.has(g)); // in the order groups were defined
      const out: InventoryHost = { name: h.name, vars: { ...h.vars }, groups: groupsOfHost, inventoryVars: h.vars };
      if (h.pos) out.pos = h.pos;
      hosts.set(h.name, out);
    }
    return { sources, hosts, groups };
  }
}

/** Python's int() as Ansible applies it to ansible_group_priority; NaN when it would fail. */
export function pyInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(value)) return Number(value.trim().replace(/_/g, ''));
  return NaN;
}
