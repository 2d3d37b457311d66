// Puts the parts together for the commands: inventory, playbook, templating, SSH pool.
import { readFile } from 'node:fs/promises';


import { resolve } from 'node:path';
import type { InventoryView, Vars } from '../engine/inventory-view.js';
import {
  applyLimit,
  checkInventory,
  formatAnsibleList,
  groupMembers,
  hostVars,
  loadInventory,
  selectHosts,
  toAnsibleList,
  toGraph,
  type Inventory,
} from '../inventory/index.js';
import type { ModuleRegistry } from '../modules/registry.js';
import { parseExtraVars } from '../playbook/extra-vars.js';
import { loadPlaybook } from '../playbook/load.js';
import { Templar } from '../playbook/template.js';
import type { Playbook } from '../playbook/types.js';
import { loadVarsFile } from '../playbook/vars-file.js';
import { SshConnectionPool, sshTargetFromVars } from '../ssh/index.js';
import type { SshPool, SshTarget } from '../ssh/types.js';
import type { TransportEvent } from '../core/events.js';
import { ParseError } from '../core/errors.js';

export function inventoryView(inv: Inventory): InventoryView {
  const groups = (): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const name of inv.groups.keys()) out[name] = groupMembers(inv, name);
    return out;
  };
  return {
    select: (pattern) => selectHosts(inv, pattern).hosts,
    hostVars: (host) => hostVars(inv, host),
    groupNames: (host) => (inv.hosts.get(host)?.groups ?? []).filter((g) => g !== 'all' && g !== 'ungrouped').sort(),
    groups,
  };
}

export interface World {
  inventory: Inventory;
  inventorySources: string[];
  view: InventoryView;
  playbook: Playbook;
  templar: Templar;
  extraVars: Vars;
  /** Secrets known before the run starts (none yet: BMC passwords come with later modules). */
  secrets: string[];
  loadVarsFile: (path: string) => Promise<Vars>;
  limit: (pattern: string) => Promise<string[]>;
  pool: (onEvent: (e: TransportEvent) => void) => SshPool;
  sshTarget: (host: string, vars: Vars) => SshTarget;
}

export async function loadWorld(opts: { inventory: string[]; playbook: string; extraVars: string[]; registry: ModuleRegistry }): Promise<World> {
  const inventory = await loadInventory(opts.inventory);
  const playbook = await loadPlaybook(opts.playbook, { isModule: (n) => opts.registry.has(n), moduleNames: opts.registry.names() });
  let extraVars: Vars = {};
  for (const arg of opts.extraVars) extraVars = { ...extraVars, ...(await parseExtraVars(arg, (p) => readFile(p, 'utf8'))) };
  const templar = new Templar({ baseDir: playbook.dir });
  const view = inventoryView(inventory);
  return {
    inventory,
    inventorySources: opts.inventory,
    view,
    playbook,
    templar,
    extraVars,
    secrets: [],
    loadVarsFile: async (path) => {
      const rendered = templar.renderString(path, extraVars);
      return loadVarsFile(resolve(playbook.dir, rendered));
    },
    limit: async (pattern) => applyLimit(inventory, view.select('all'), pattern).hosts,
    pool: (onEvent) => new SshConnectionPool({ onEvent }),
    sshTarget: (host, vars) => sshTargetFromVars(host, vars),
  };
}

export interface CliInventory {
  sources: string[];
  hostCount: number;
  groupCount: number;
  list(): unknown;
  listText(): string;
  graph(group?: string, withVars?: boolean): string;
}

export async function loadInventoryForCli(sources: string[], limit?: string): Promise<CliInventory> {
  const inv = await loadInventory(sources);
  if (limit) {
    const keep = new Set(applyLimit(inv, [...inv.hosts.keys()], limit).hosts);
    for (const name of [...inv.hosts.keys()]) if (!keep.has(name)) inv.hosts.delete(name);
    for (const g of inv.groups.values()) g.hosts = g.hosts.filter((h) => keep.has(h));
  }
  return {
    sources,
    hostCount: inv.hosts.size,
    groupCount: inv.groups.size,
    list: () => toAnsibleList(inv),
    listText: () => formatAnsibleList(inv),
    graph: (group, withVars) => toGraph(inv, group ?? 'all', withVars ?? false),
  };
}

/** The inventory's hosts (after `--limit`) and their variables, for commands that run no playbook. */
export async function loadInventoryHosts(sources: string[], limit?: string): Promise<{ hosts: string[]; all: string[]; hostVars: (host: string) => Vars }> {
  const inv = await loadInventory(sources);
  const view = inventoryView(inv);
  const all = view.select('all');
  return { hosts: limit ? applyLimit(inv, all, limit).hosts : all, all, hostVars: (h) => view.hostVars(h) };
}

/** `inventory validate`: every problem, one line each. */
export async function validateInventory(sources: string[]): Promise<{ errors: ParseError[]; warnings: string[]; hosts: number; groups: number }> {
  const check = await checkInventory(sources);
  return { errors: check.errors, warnings: check.warnings, hosts: check.inventory?.hosts.size ?? 0, groups: check.inventory?.groups.size ?? 0 };
}
