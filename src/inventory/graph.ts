// `ansible-inventory --graph [GROUP] [--vars]`: the group tree drawn with `|--`, child groups
// before hosts, a group shown again wherever it is a child; with variables, each host's merged
// variables and each group's own, as Python's str() writes them.

import { OptionsError } from '../core/errors.js';
import { withoutInternal } from './ansible-list.js';
import { pyStr } from './py-format.js';
import type { Inventory, Vars } from './types.js';
import { groupVars, hostVars } from './vars.js';

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function line(name: string, depth: number): string {
  return depth ? `${'  |'.repeat(depth)}--${name}` : name;
}

function showVars(vars: Vars, depth: number): string[] {
  return Object.keys(vars)
    .sort(byCodePoint)
    .map((k) => line(`{${k} = ${pyStr(vars[k])}}`, depth));
}

/** The graph text, ending with a newline as ansible-inventory prints it. */
export function toGraph(inv: Inventory, group = 'all', withVars = false): string {
  if (!inv.groups.has(group)) throw new OptionsError(`no group named '${group}': --graph starts from a group of the inventory`);
  const out: string[] = [];
  const draw = (name: string, depth: number): void => {
    const g = inv.groups.get(name);
    if (!g) return;
    out.push(line(`@${name}:`, depth));
    for (const child of g.children) draw(child, depth + 1);
    if (name !== 'all') {
      for (const h of g.hosts) {
        out.push(line(h, depth + 1));
        if (withVars) out.push(...showVars(withoutInternal(hostVars(inv, h)), depth + 2));
      }
    }
    if (withVars) out.push(...showVars(withoutInternal(groupVars(inv, name)), depth + 1));
  };
  draw(group, 0);
  return out.join('\n') + '\n';
}
