// Loads inventory sources (files, directories of files, or `a,b,` host lists) into one Inventory,
// in the order given, then reads group_vars/ and host_vars/ beside each source.

import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ParseError } from '../core/errors.js';
import { InventoryBuilder } from './builder.js';
import { listInventoryFiles } from './load-dir.js';
import { loadHostList, loadInventoryFile } from './load-file.js';
import type { Inventory, Vars } from './types.js';
import { loadVarsDir, type FileCache } from './vars-files.js';

export interface InventoryCheck {
  /** Present when there were no errors. */
  inventory?: Inventory;
  /** Every problem found, one line each, in file order. */
  errors: ParseError[];
  warnings: string[];
}

/** Loads the inventory or throws the first ParseError (`file:line:col: field: what`). */
export async function loadInventory(sources: string[]): Promise<Inventory> {
  const check = await checkInventory(sources);
  const first = check.errors[0];
  if (first || !check.inventory) throw first ?? new Error('inventory produced no result');
  return check.inventory;
}

/** Loads the inventory and reports all its errors rather than the first. */
export async function checkInventory(sources: string[]): Promise<InventoryCheck> {
  const b = new InventoryBuilder();
  const errors: ParseError[] = [];
  const warnings: string[] = [];
  const resolved: string[] = [];
  const basedirs: (string | undefined)[] = [];

  for (const source of sources) {
    const path = resolve(source);
    const st = await stat(path).catch(() => undefined);
    if (!st && source.includes(',')) {
      resolved.push(source);
      basedirs.push(undefined); // host lists have no group_vars/
      errors.push(...loadHostList(source, b));
      continue;
    }
    resolved.push(path);
    if (!st) {
      basedirs.push(undefined);
      errors.push(new ParseError(undefined, undefined, `inventory source ${source} does not exist: check the -i path`));
    } else if (st.isDirectory()) {
      basedirs.push(path);
      for (const file of await listInventoryFiles(path)) errors.push(...(await loadInventoryFile(file, b)));
    } else {
      basedirs.push(dirname(path));
      errors.push(...(await loadInventoryFile(path, b)));
    }
  }
  if (errors.length > 0) return { errors, warnings };

  b.reconcile();
  const inv = b.toInventory(resolved);
  const cache: FileCache = new Map();
  for (const [i, basedir] of basedirs.entries()) {
    if (basedir === undefined) continue;
    const gv = await loadVarsDir(basedir, 'group_vars', inv.groups.keys(), cache);
    const hv = await loadVarsDir(basedir, 'host_vars', inv.hosts.keys(), cache);
    errors.push(...gv.errors, ...hv.errors);
    warnings.push(...gv.warnings, ...hv.warnings);
    for (const [name, vars] of gv.byName) setLayer(inv.groups.get(name), i, vars, resolved.length);
    for (const [name, vars] of hv.byName) setLayer(inv.hosts.get(name), i, vars, resolved.length);
  }
  for (const name of inv.groups.keys()) {
    if (inv.hosts.has(name)) warnings.push(`'${name}' names both a group and a host; a pattern '${name}' selects only the host`);
  }
  if (warnings.length > 0) inv.warnings = warnings;
  return errors.length > 0 ? { errors, warnings } : { inventory: inv, errors, warnings };
}

function setLayer(
  target: { vars: Vars; dirVars?: (Vars | undefined)[] } | undefined,
  index: number,
  vars: Vars,
  count: number,
): void {
  if (!target) return;
  target.dirVars ??= new Array<Vars | undefined>(count).fill(undefined);
  target.dirVars[index] = vars;
  Object.assign(target.vars, vars);
}
