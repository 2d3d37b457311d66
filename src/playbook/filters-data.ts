// Ansible's (and Jinja2's) filters over lists and dicts: length, first/last, unique, sort,
// min/max/sum, select/reject(attr), map, combine, dict2items/items2dict, set operations,
// and Jinja2's batch, slice, groupby, dictsort, reverse and items.

import { defined, type Args, type FilterImpl } from './filter-args.js';
import { findFilter, findTest, JinjaUndefined, UndefinedError } from './jinja-runtime.js';
import type { NjContext } from './nunjucks-internals.js';
import { isMapping, isNone, numberOf, pyCompare, pyEquals, pyIter, pyNamedTuple, pyStr, pyTuple, pyTypeName, truthy } from './py-values.js';

type Mapping = Record<string, unknown>;

/** `item.a.b` as Jinja2's attribute= arguments resolve it; JinjaUndefined when missing. */
function attrPath(item: unknown, path: unknown): unknown {
  let cur = item;
  for (const part of pyStr(path).split('.')) {
    if (Array.isArray(cur) && /^-?\d+$/.test(part)) {
      const i = Number(part);
      cur = cur[i < 0 ? cur.length + i : i];
    } else if (isMapping(cur) && Object.hasOwn(cur, part)) {
      cur = cur[part];
    } else {
      cur = undefined;
    }
    if (cur === undefined) return new JinjaUndefined(`'${pyTypeName(item)} object' has no attribute '${part}'`);
  }
  return cur;
}

function strictAttr(item: unknown, path: unknown): unknown {
  const v = attrPath(item, path);
  if (v instanceof JinjaUndefined) throw new UndefinedError(v.reason);
  return v;
}

function list(value: unknown): unknown[] {
  return pyIter(defined(value));
}

/** Sort key: strings compare case-insensitively unless asked not to (Jinja2's default). */
function keyFn(args: Args, caseIndex: number, attrIndex: number): (v: unknown) => unknown {
  const caseSensitive = args.bool(caseIndex, 'case_sensitive');
  const attribute = args.get(attrIndex, 'attribute');
  return (v) => {
    const x = isNone(attribute) ? v : strictAttr(v, attribute);
    return !caseSensitive && typeof x === 'string' ? x.toLowerCase() : x;
  };
}

function uniqueBy(items: unknown[], key: (v: unknown) => unknown): unknown[] {
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const item of items) {
    const k = key(item);
    if (seen.some((s) => pyEquals(s, k))) continue;
    seen.push(k);
    out.push(item);
  }
  return out;
}

function callTest(ctx: NjContext, name: unknown, value: unknown, args: unknown[]): boolean {
  if (isNone(name)) return truthy(defined(value));
  const test = findTest(ctx.env, pyStr(name));
  const lenient = name === 'defined' || name === 'undefined';
  return truthy(test.call(ctx, lenient ? value : defined(value), ...args));
}

function selectFilter(byAttr: boolean, keep: boolean): FilterImpl {
  return function (this: NjContext, value, args) {
    const first = byAttr ? 1 : 0;
    return list(value).filter((item) => {
      const subject = byAttr ? attrPath(item, args.get(0, 'attribute')) : item;
      return callTest(this, args.get(first, 'test'), subject, args.rest(first + 1)) === keep;
    });
  };
}

function merge(a: Mapping, b: Mapping, recursive: boolean, listMerge: string): Mapping {
  const out: Mapping = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    if (recursive && isMapping(old) && isMapping(v)) out[k] = merge(old, v, true, listMerge);
    else if (Array.isArray(old) && Array.isArray(v)) out[k] = mergeLists(old, v, listMerge);
    else out[k] = v;
  }
  return out;
}

function mergeLists(a: unknown[], b: unknown[], how: string): unknown[] {
  switch (how) {
    case 'replace':
      return b;
    case 'keep':
      return a;
    case 'append':
      return [...a, ...b];
    case 'prepend':
      return [...b, ...a];
    case 'append_rp':
      return [...a.filter((x) => !b.some((y) => pyEquals(x, y))), ...b];
    case 'prepend_rp':
      return [...b, ...a.filter((x) => !b.some((y) => pyEquals(x, y)))];
    default:
      throw new Error(`combine: list_merge must be one of replace, keep, append, prepend, append_rp, prepend_rp (got '${how}')`);
  }
}

function flatten(items: unknown[], levels: number | undefined, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (skipNulls && (item === null || item === 'None' || item === 'null')) continue;
    if (Array.isArray(item) && (levels === undefined || levels > 0)) {
      out.push(...flatten(item, levels === undefined ? undefined : levels - 1, skipNulls));
    } else out.push(item);
  }
  return out;
}

function contains(items: unknown[], x: unknown): boolean {
  return items.some((y) => pyEquals(x, y));
}

/** A count argument (batch size, number of slices): a whole number of at least 1. */
function countArg(v: unknown, what: string): number {
  const n = numberOf(v);
  if (n === undefined || !Number.isInteger(n) || n < 1) throw new TypeError(`${what} must be a whole number of at least 1, got ${pyStr(v)}`);
  return n;
}

/** Case-insensitive sort key, as Jinja2's ignore_case. */
function foldCase(v: unknown, caseSensitive: boolean): unknown {
  return !caseSensitive && typeof v === 'string' ? v.toLowerCase() : v;
}

function groupBy(items: unknown[], args: Args): unknown[] {
  const attribute = args.get(0, 'attribute');
  const dflt = args.get(1, 'default');
  const caseSensitive = args.bool(2, 'case_sensitive');
  const keyOf = (item: unknown): unknown => {
    const v = attrPath(item, attribute);
    if (!(v instanceof JinjaUndefined)) return v;
    if (!isNone(dflt)) return dflt;
    throw new UndefinedError(v.reason);
  };
  const sorted = [...items].sort((a, b) => pyCompare(foldCase(keyOf(a), caseSensitive), foldCase(keyOf(b), caseSensitive)));
  const groups: unknown[][] = [];
  let last: unknown = undefined;
  for (const item of sorted) {
    const key = foldCase(keyOf(item), caseSensitive);
    const current = groups[groups.length - 1];
    if (current && pyEquals(last, key)) (current[1] as unknown[]).push(item);
    else groups.push([keyOf(item), [item]]);
    last = key;
  }
  // Jinja2 yields (grouper, list) named tuples: `group.grouper`, `group.list` or `for k, v in`.
  return groups.map((g) => pyNamedTuple(g, ['grouper', 'list']));
}

const DATA_FILTERS: Record<string, FilterImpl> = {
  length(value) {
    const v = defined(value);
    if (typeof v === 'string') return [...v].length;
    if (Array.isArray(v)) return v.length;
    if (isMapping(v)) return Object.keys(v).length;
    throw new TypeError(`object of type '${pyTypeName(v)}' has no len()`);
  },
  first(value) {
    const items = list(value);
    return items.length > 0 ? items[0] : new JinjaUndefined('No first item, sequence was empty.');
  },
  last(value) {
    const items = list(value);
    return items.length > 0 ? items[items.length - 1] : new JinjaUndefined('No last item, sequence was empty.');
  },
  list: (value) => [...list(value)],
  unique: (value, args) => uniqueBy(list(value), keyFn(args, 0, 1)),
  sort(value, args) {
    const key = keyFn(args, 1, 2);
    const sorted = [...list(value)].sort((a, b) => pyCompare(key(a), key(b)));
    return args.bool(0, 'reverse') ? sorted.reverse() : sorted;
  },
  min(value, args) {
    const key = keyFn(args, 0, 1);
    const items = list(value);
    if (items.length === 0) return new JinjaUndefined('No aggregated item, sequence was empty.');
    return items.reduce((a, b) => (pyCompare(key(b), key(a)) < 0 ? b : a));
  },
  max(value, args) {
    const key = keyFn(args, 0, 1);
    const items = list(value);
    if (items.length === 0) return new JinjaUndefined('No aggregated item, sequence was empty.');
    return items.reduce((a, b) => (pyCompare(key(b), key(a)) > 0 ? b : a));
  },
  sum(value, args) {
    const attribute = args.get(0, 'attribute');
    let total = args.get(1, 'start', 0);
    for (const item of list(value)) {
      const x = isNone(attribute) ? item : strictAttr(item, attribute);
      if (Array.isArray(total) && Array.isArray(x)) total = [...total, ...x];
      else total = Number(total) + Number(x);
    }
    return total;
  },
  join(value, args) {
    const attribute = args.get(1, 'attribute');
    const items = list(value).map((x) => (isNone(attribute) ? x : strictAttr(x, attribute)));
    return items.map((x) => pyStr(x)).join(pyStr(args.get(0, 'd', '')));
  },
  select: selectFilter(false, true),
  reject: selectFilter(false, false),
  selectattr: selectFilter(true, true),
  rejectattr: selectFilter(true, false),
  map(this: NjContext, value, args) {
    const items = list(value);
    const attribute = args.keywords['attribute'];
    if (attribute !== undefined) {
      const dflt = args.keywords['default'];
      return items.map((item) => {
        const v = attrPath(item, attribute);
        if (!(v instanceof JinjaUndefined)) return v;
        if (dflt !== undefined) return dflt;
        throw new UndefinedError(v.reason);
      });
    }
    const name = args.get(0, 'filter');
    if (isNone(name)) return items;
    const filter = findFilter(this.env, pyStr(name));
    const rest = args.rest(1);
    return items.map((item) => filter.call(this, item, ...rest));
  },
  dict2items(value, args) {
    if (!isMapping(value)) throw new TypeError(`dict2items requires a dictionary, got ${pyTypeName(value)} instead.`);
    const k = pyStr(args.get(0, 'key_name', 'key'));
    const v = pyStr(args.get(1, 'value_name', 'value'));
    return Object.entries(value).map(([key, val]) => ({ [k]: key, [v]: val }));
  },
  items2dict(value, args) {
    const k = pyStr(args.get(0, 'key_name', 'key'));
    const v = pyStr(args.get(1, 'value_name', 'value'));
    const out: Mapping = {};
    for (const item of list(value)) {
      if (!isMapping(item) || !Object.hasOwn(item, k) || !Object.hasOwn(item, v)) {
        throw new TypeError(`items2dict requires a list of dictionaries with '${k}' and '${v}' keys, got ${pyStr(item)}`);
      }
      out[pyStr(item[k])] = item[v];
    }
    return out;
  },
  combine(value, args) {
    const recursive = args.bool(99, 'recursive');
    const listMerge = pyStr(args.keywords['list_merge'] ?? 'replace');
    const terms = flatten([defined(value), ...args.positional], 1, false);
    let out: Mapping = {};
    for (const term of terms) {
      if (!isMapping(term)) throw new TypeError(`failed to combine variables, expected dicts but got ${pyTypeName(term)}`);
      out = merge(out, term, recursive, listMerge);
    }
    return out;
  },
  flatten(value, args) {
    const levels = args.get(0, 'levels');
    return flatten(list(value), isNone(levels) ? undefined : Number(levels), args.bool(1, 'skip_nulls', true));
  },
  difference: (value, args) => uniqueBy(list(value), (x) => x).filter((x) => !contains(list(args.get(0, 'b')), x)),
  intersect: (value, args) => uniqueBy(list(value), (x) => x).filter((x) => contains(list(args.get(0, 'b')), x)),
  union: (value, args) => uniqueBy([...list(value), ...list(args.get(0, 'b'))], (x) => x),
  symmetric_difference(value, args) {
    const a = list(value);
    const b = list(args.get(0, 'b'));
    return uniqueBy([...a.filter((x) => !contains(b, x)), ...b.filter((x) => !contains(a, x))], (x) => x);
  },
  batch(value, args) {
    const size = countArg(args.get(0, 'linecount'), 'batch: linecount');
    const fill = args.get(1, 'fill_with');
    const out: unknown[][] = [];
    for (const item of list(value)) {
      const last = out[out.length - 1];
      if (last && last.length < size) last.push(item);
      else out.push([item]);
    }
    const last = out[out.length - 1];
    if (last && !isNone(fill)) while (last.length < size) last.push(fill);
    return out;
  },
  slice(value, args) {
    const items = list(value);
    const slices = countArg(args.get(0, 'slices'), 'slice: slices');
    const fill = args.get(1, 'fill_with');
    const per = Math.floor(items.length / slices);
    const withExtra = items.length % slices;
    const out: unknown[][] = [];
    let offset = 0;
    for (let i = 0; i < slices; i++) {
      const start = offset + i * per;
      if (i < withExtra) offset++;
      const part = items.slice(start, offset + (i + 1) * per);
      if (!isNone(fill) && i >= withExtra) part.push(fill);
      out.push(part);
    }
    return out;
  },
  groupby: (value, args) => groupBy(list(value), args),
  dictsort(value, args) {
    const v = defined(value);
    if (!isMapping(v)) throw new TypeError(`dictsort expects a dictionary, got ${pyTypeName(v)}`);
    const caseSensitive = args.bool(0, 'case_sensitive');
    const by = pyStr(args.get(1, 'by', 'key'));
    if (by !== 'key' && by !== 'value') throw new Error(`dictsort: you can only sort by either "key" or "value", got '${by}'`);
    const pos = by === 'key' ? 0 : 1;
    const pairs = Object.entries(v).map((p) => pyTuple(p)).sort((a, b) => pyCompare(foldCase(a[pos], caseSensitive), foldCase(b[pos], caseSensitive)));
    return args.bool(2, 'reverse') ? pairs.reverse() : pairs;
  },
  reverse(value) {
    const v = defined(value);
    if (typeof v === 'string') return [...v].reverse().join('');
    return [...list(v)].reverse();
  },
  items(value) {
    const v = defined(value);
    if (!isMapping(v)) throw new TypeError(`items: can only get item pairs from a mapping, got ${pyTypeName(v)}`);
    return Object.entries(v).map((p) => pyTuple(p));
  },
  zip(value, args) {
    const lists = [list(value), ...args.positional.map(list)];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
  },
};

export function registerDataFilters(): Record<string, FilterImpl> {
  return DATA_FILTERS;
}
