// The Ansible filters operators use most: values and types, strings, regexes, encodings,
// JSON/YAML and paths. Collection filters are in filters-data.ts, Jinja2's text filters in
// filters-text.ts, numbers in filters-number.ts. Each behaves as Ansible's (Python's) does,
// including its edge cases (`'abc' | int` is 0; `None | string` is 'None'). nunjucks' own
// filters are not used: only the filters registered here exist.

import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { Args, defined, filterFn, type FilterImpl } from './filter-args.js';
import { registerDataFilters } from './filters-data.js';
import { NUMBER_FILTERS } from './filters-number.js';
import { TEXT_FILTERS } from './filters-text.js';
import { isUndefined } from './jinja-runtime.js';
import type { NjEnvironment } from './nunjucks-internals.js';
import { pyJson, pyYaml } from './py-dump.js';
import { pyReplace, pySplit, pyStrip } from './py-methods.js';
import { groupRef, pyFindall, pyRegex, pySearch, pySub } from './py-regex.js';
import { isNone, numberOf, PyFloat, pyFloat, pyStr, truthy } from './py-values.js';
import { YAML_OPTIONS } from './yaml-pos.js';

function str(v: unknown): string {
  return pyStr(defined(v));
}

function regexOpts(args: Args, first: number): { ignorecase: boolean; multiline: boolean } {
  return { ignorecase: args.bool(first, 'ignorecase'), multiline: args.bool(first + 1, 'multiline') };
}

/** Jinja2's int: a number in the string, else its float's integer part, else the default. */
export function toInt(value: unknown, dflt: unknown = 0, base = 10): unknown {
  const n = numberOf(value);
  if (n !== undefined) return Number.isFinite(n) ? Math.trunc(n) : dflt;
  if (typeof value !== 'string') return dflt;
  const s = value.trim().replace(/_/g, '');
  if (base === 10 && /^[+-]?\d+$/.test(s)) return parseInt(s, 10);
  if (base !== 10) {
    const n = parseInt(s.replace(/^([+-]?)0[xob]/i, '$1'), base);
    return Number.isNaN(n) ? dflt : n;
  }
  const f = toFloat(s, null);
  return typeof f === 'number' && Number.isFinite(f) ? Math.trunc(f) : dflt;
}

function toFloat(value: unknown, dflt: unknown = 0): unknown {
  const n = numberOf(value);
  if (n !== undefined) return n;
  if (typeof value !== 'string') return dflt;
  const s = value.trim().toLowerCase();
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) return parseFloat(s);
  if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (s === 'nan') return NaN;
  return dflt;
}

/** Ansible's bool filter. */
export function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (isNone(value)) return false;
  if (typeof value === 'number' || value instanceof PyFloat) return Number(value) === 1;
  return ['yes', 'on', '1', 'true'].includes(pyStr(value).toLowerCase());
}

function undefinedName(v: unknown): string {
  const reason = v instanceof Object && 'reason' in v ? String(v.reason) : '';
  return /^'(.+)' is undefined/.exec(reason)?.[1] ?? '';
}

/** Python's os.path.basename / dirname (no trailing-slash stripping). */
function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  const head = p.slice(0, i);
  return head && head !== '/'.repeat(head.length) ? head.replace(/\/+$/, '') : head;
}

/** shlex.quote. */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

const FILTERS: Record<string, FilterImpl> = {
  default(value, args) {
    const fallback = args.get(0, 'default_value', '');
    if (isUndefined(value) || (args.bool(1, 'boolean') && !truthy(value))) return fallback;
    return value;
  },
  mandatory(value, args) {
    if (!isUndefined(value)) return value;
    const name = undefinedName(value);
    throw new Error(pyStr(args.get(0, 'msg', `Mandatory variable ${name ? `'${name}' ` : ''}not defined.`)));
  },
  bool: (value) => toBool(defined(value)),
  int: (value, args) => toInt(defined(value), args.get(0, 'default', 0), Number(args.get(1, 'base', 10))),
  float(value, args) {
    const n = toFloat(defined(value), null);
    // Jinja2's default is 0.0; a default given is returned as it is.
    if (typeof n !== 'number') return args.get(0, 'default', pyFloat(0));
    return pyFloat(n);
  },
  string: (value) => str(value),
  lower: (value) => str(value).toLowerCase(),
  upper: (value) => str(value).toUpperCase(),
  trim: (value, args) => pyStrip(str(value), args.get(0, 'chars', null) as string | null),
  replace: (value, args) =>
    pyReplace(str(value), pyStr(args.get(0, 'old')), pyStr(args.get(1, 'new')), Number(args.get(2, 'count', -1) ?? -1)),
  split: (value, args) => pySplit(str(value), args.get(0, 'sep', null) as string | null, Number(args.get(1, 'maxsplit', -1))),
  quote: (value) => shellQuote(isNone(value) ? '' : str(value)),
  regex_replace(value, args) {
    const re = pyRegex(pyStr(args.get(0, 'pattern', '')), regexOpts(args, 2));
    return pySub(re, pyStr(args.get(1, 'replacement', '')), str(value), Number(args.get(4, 'count', 0)));
  },
  regex_search(value, args) {
    const refs = args.rest(1).map(pyStr);
    const re = pyRegex(pyStr(args.get(0, 'regex')), {
      ignorecase: args.bool(99, 'ignorecase'),
      multiline: args.bool(99, 'multiline'),
    });
    const m = pySearch(re, str(value));
    if (!m) return null;
    return refs.length === 0 ? m[0] : refs.map((r) => groupRef(m, r));
  },
  regex_findall(value, args) {
    const re = pyRegex(pyStr(args.get(0, 'regex')), {
      ignorecase: args.bool(2, 'ignorecase'),
      multiline: args.bool(1, 'multiline'),
    });
    return pyFindall(re, str(value));
  },
  regex_escape: (value) => str(value).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
  to_json: (value, args) =>
    pyJson(defined(value), { indent: args.get(99, 'indent') as number | undefined, sortKeys: args.bool(99, 'sort_keys') }),
  to_nice_json: (value, args) =>
    pyJson(defined(value), { indent: Number(args.get(0, 'indent', 4)), sortKeys: args.bool(99, 'sort_keys', true) }),
  from_json(value) {
    try {
      return JSON.parse(str(value)) as unknown;
    } catch (err) {
      throw new Error(`from_json: ${(err as Error).message}`);
    }
  },
  to_yaml: (value, args) => pyYaml(defined(value), { flowLeaves: true, indent: Number(args.get(99, 'indent', 2)) }),
  to_nice_yaml: (value, args) => pyYaml(defined(value), { flowLeaves: false, indent: Number(args.get(0, 'indent', 4)) }),
  from_yaml(value) {
    try {
      return parseYaml(str(value), YAML_OPTIONS) as unknown;
    } catch (err) {
      throw new Error(`from_yaml: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
  },
  b64encode: (value) => Buffer.from(str(value), 'utf8').toString('base64'),
  b64decode: (value) => Buffer.from(str(value), 'base64').toString('utf8'),
  basename: (value) => basename(str(value)),
  dirname: (value) => dirname(str(value)),
  hash(value, args) {
    const algo = pyStr(args.get(0, 'hashtype', 'sha1'));
    try {
      return createHash(algo).update(str(value), 'utf8').digest('hex');
    } catch {
      throw new Error(`hash: unsupported hash type '${algo}'`);
    }
  },
  checksum: (value) => createHash('sha1').update(str(value), 'utf8').digest('hex'),
  ternary(value, args) {
    const noneValue = args.get(2, 'none_val');
    if (noneValue !== undefined && isNone(value)) return noneValue;
    return truthy(defined(value)) ? args.get(0, 'true_val') : args.get(1, 'false_val');
  },
};

// Jinja2's aliases.
const ALIASES: Record<string, string> = { d: 'default', count: 'length', e: 'escape' };

/** Registers every filter on the environment, under its name and `ansible.builtin.<name>`. */
export function registerFilters(env: NjEnvironment): void {
  const all: Record<string, FilterImpl> = { ...FILTERS, ...registerDataFilters(), ...TEXT_FILTERS, ...NUMBER_FILTERS };
  for (const [alias, target] of Object.entries(ALIASES)) {
    const impl = all[target];
    if (impl) all[alias] = impl;
  }
  for (const [name, impl] of Object.entries(all)) {
    const fn = filterFn(impl);
    env.addFilter(name, fn);
    env.addFilter(`ansible.builtin.${name}`, fn);
  }
}

