// Host patterns as Ansible resolves them: host and group names, `all`, globs (`arm-0*`), regexes
// (`~web\d+`), subscripts (`web[0:2]`), unions (`a:b`, `a,b`), intersections (`a:&b`) and
// exclusions (`a:!b`). Like Ansible, unions are applied first, then intersections, then
// exclusions, whatever order they were written in; a part matching nothing is a warning.
//
// Results are `HostSelection`s: the host names in inventory order, and the warnings.

import { readFileSync } from 'node:fs';
import { FleetbootError } from '../core/errors.js';
import { groupMembers } from './group-members.js';
import { parseHostAddress } from './host-range.js';
import { compilePattern } from './pattern-regex.js';
import type { Inventory } from './types.js';

export interface HostSelection {
  hosts: string[];
  /** One line per pattern part that matched nothing (Ansible prints these as warnings). */
  warnings: string[];
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

/** Splits a pattern into its parts: on commas, or else on colons outside `[...]`. */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseHostAddress(pattern)) parts = [pattern]; // an IPv6 address or host:port
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The hosts a play's `hosts:` (or `ansible PATTERN`) selects. */
export function selectHosts(inv: Inventory, pattern: string | string[]): HostSelection {
  const parts = Array.isArray(pattern) ? pattern.flatMap(splitPattern) : splitPattern(pattern);
  return new Matcher(inv).evaluate(parts);
}

/**
 * Narrows `hosts` to those `--limit` selects; `@FILE` parts read one pattern per line (Ansible's
 * .retry files). The order of `hosts` is kept.
 */
export function applyLimit(
  inv: Inventory,
  hosts: string[],
  limit: string,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): HostSelection {
  const subset: string[] = [];
  const warnings: string[] = [];
  for (const part of splitPattern(limit)) {
    if (!part.startsWith('@')) {
      subset.push(part);
      continue;
    }
    const path = part.slice(1);
    let text: string;
    try {
      text = readFile(path);
    } catch (err) {
      throw new FleetbootError(`cannot read limit file ${path}: ${(err as Error).message}`);
    }
    const lines = text.split('\n').map((l) => l.trim());
    if (!lines.some((l) => l !== '')) warnings.push(`limit file ${path} lists no hosts, so like Ansible it limits nothing`);
    subset.push(...lines);
  }
  const selected = new Matcher(inv).evaluate(subset);
  const keep = new Set(selected.hosts);
  return { hosts: hosts.filter((h) => keep.has(h)), warnings: [...warnings, ...selected.warnings] };
}

/** Ansible's order_patterns: plain parts, then `&` parts, then `!` parts; only `!`/`&` means all. */
function orderPatterns(parts: string[]): string[] {
  const regular: string[] = [];
  const intersect: string[] = [];
  const exclude: string[] = [];
  for (const p of parts) {
    if (!p) continue;
    if (p.startsWith('!')) exclude.push(p);
    else if (p.startsWith('&')) intersect.push(p);
    else regular.push(p);
  }
  return [...(regular.length > 0 ? regular : ['all']), ...intersect, ...exclude];
}

class Matcher {
  readonly warnings: string[] = [];
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly inv: Inventory) {}

  evaluate(parts: string[]): HostSelection {
    let hosts: string[] = [];
    for (const p of orderPatterns(parts)) {
      if (this.inv.hosts.has(p)) {
        hosts.push(p); // a plain host name never looks further, even if a group has the name
        continue;
      }
      const that = this.matchOne(p);
      if (p.startsWith('!')) {
        const drop = new Set(that);
        hosts = hosts.filter((h) => !drop.has(h));
      } else if (p.startsWith('&')) {
        const keep = new Set(that);
        hosts = hosts.filter((h) => keep.has(h));
      } else {
        const existing = new Set(hosts);
        hosts.push(...that.filter((h) => !existing.has(h)));
      }
    }
    return { hosts: [...new Set(hosts)], warnings: this.warnings };
  }

  private matchOne(part: string): string[] {
    const pattern = part.startsWith('&') || part.startsWith('!') ? part.slice(1) : part;
    const known = this.cache.get(pattern);
    if (known) return known;
    const { expr, subscript } = splitSubscript(pattern);
    const hosts = applySubscript(this.enumerate(expr), subscript, pattern);
    this.cache.set(pattern, hosts);
    return hosts;
  }

  private enumerate(pattern: string): string[] {
    const re = compilePattern(pattern);
    const results: string[] = [];
    const groups = [...this.inv.groups.keys()].filter((g) => re.test(g));
    for (const g of groups) results.push(...groupMembers(this.inv, g));
    if (groups.length === 0 || pattern.startsWith('~') || /[.?*[]/.test(pattern)) {
      for (const h of this.inv.hosts.keys()) if (re.test(h)) results.push(h);
    }
    if (results.length === 0 && groups.length === 0 && pattern !== 'all') {
      this.warnings.push(`Could not match supplied host pattern, ignoring: ${pattern}`);
    }
    return results;
  }
}

type Subscript = { start: number; end?: number } | undefined;

function splitSubscript(pattern: string): { expr: string; subscript: Subscript } {
  if (pattern.startsWith('~')) return { expr: pattern, subscript: undefined };
  const m = SUBSCRIPT.exec(pattern);
  if (!m) return { expr: pattern, subscript: undefined };
  const [, expr = pattern, idx, start, , end] = m;
  if (idx !== undefined) return { expr, subscript: { start: Number(idx) } };
  return { expr, subscript: { start: Number(start), end: end ? Number(end) : -1 } };
}

/** `[i]` picks one host (negative counts from the end); `[a:b]` is inclusive; `[a:]` to the end. */
function applySubscript(hosts: string[], sub: Subscript, pattern: string): string[] {
  if (hosts.length === 0 || !sub) return hosts;
  // As in Ansible, an end of 0 (`[2:0]`) counts as no end: the start host alone.
  if (sub.end) {
    const end = sub.end === -1 ? hosts.length - 1 : sub.end;
    return hosts.slice(sub.start, end + 1);
  }
  const i = sub.start < 0 ? hosts.length + sub.start : sub.start;
  const h = hosts[i];
  if (h === undefined || i < 0) throw new FleetbootError(`no hosts matched the subscripted pattern '${pattern}': it selects ${hosts.length} hosts`);
  return [h];
}
