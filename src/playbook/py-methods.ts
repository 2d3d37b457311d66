// The Python methods templates call on strings, lists and dicts (`x.split(',')`,
// `d.items()`, `s.startswith('a')`), and the string helpers the filters share.

import { isMapping, pyEquals, pyIter, pyStr } from './py-values.js';

/** Python's str.split: without a separator, splits on runs of whitespace and drops empty ends. */
export function pySplit(s: string, sep?: string | null, maxsplit = -1): string[] {
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest.length > 0) {
      if (maxsplit >= 0 && out.length === maxsplit) {
        out.push(rest);
        return out;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  if (sep === '') throw new Error('empty separator');
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

function escapeClass(chars: string): string {
  return chars.replace(/[\\\]^-]/g, '\\$&');
}

/** Python's strip/lstrip/rstrip: whitespace, or the given characters. */
export function pyStrip(s: string, chars?: string | null, side: 'both' | 'left' | 'right' = 'both'): string {
  const cls = chars === undefined || chars === null ? '\\s' : chars === '' ? '' : `[${escapeClass(chars)}]`;
  if (cls === '') return s;
  let out = s;
  if (side !== 'right') out = out.replace(new RegExp(`^${cls}+`, 'u'), '');
  if (side !== 'left') out = out.replace(new RegExp(`${cls}+$`, 'u'), '');
  return out;
}

/** Python's str.replace: every occurrence, or the first `count`. */
export function pyReplace(s: string, old: string, repl: string, count = -1): string {
  if (count < 0) return s.split(old).join(repl);
  let out = s;
  let from = 0;
  for (let i = 0; i < count; i++) {
    const at = out.indexOf(old, from);
    if (at < 0) break;
    out = out.slice(0, at) + repl + out.slice(at + old.length);
    from = at + repl.length;
  }
  return out;
}

function startsOrEnds(s: string, arg: unknown, ends: boolean): boolean {
  const options = Array.isArray(arg) ? arg : [arg];
  return options.some((o) => (ends ? s.endsWith(pyStr(o)) : s.startsWith(pyStr(o))));
}

function pyFormat(s: string, args: unknown[]): string {
  let next = 0;
  return s.replace(/\{\{|\}\}|\{(\d*)\}/g, (m: string, index: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const i = index !== undefined && index !== '' ? Number(index) : next++;
    return pyStr(args[i]);
  });
}

type Method = (...args: unknown[]) => unknown;

function stringMethod(s: string, name: string): Method | undefined {
  switch (name) {
    case 'startswith':
      return (p) => startsOrEnds(s, p, false);
    case 'endswith':
      return (p) => startsOrEnds(s, p, true);
    case 'split':
      return (sep, max) => pySplit(s, sep as string | null | undefined, max === undefined ? -1 : Number(max));
    case 'strip':
      return (chars) => pyStrip(s, chars as string | undefined);
    case 'lstrip':
      return (chars) => pyStrip(s, chars as string | undefined, 'left');
    case 'rstrip':
      return (chars) => pyStrip(s, chars as string | undefined, 'right');
    case 'lower':
      return () => s.toLowerCase();
    case 'upper':
      return () => s.toUpperCase();
    case 'title':
      return () => s.toLowerCase().replace(/(^|[^\p{L}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase());
    case 'capitalize':
      return () => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
    case 'replace':
      return (o, r, c) => pyReplace(s, pyStr(o), pyStr(r), c === undefined ? -1 : Number(c));
    case 'join':
      return (items) => pyIter(items).map(pyStr).join(s);
    case 'find':
      return (sub) => s.indexOf(pyStr(sub));
    case 'count':
      return (sub) => s.split(pyStr(sub)).length - 1;
    case 'splitlines':
      return () => s.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== '');
    case 'isdigit':
      return () => /^\d+$/.test(s);
    case 'isalpha':
      return () => /^\p{L}+$/u.test(s);
    case 'format':
      return (...args) => pyFormat(s, args);
    default:
      return undefined;
  }
}

function listMethod(l: unknown[], name: string): Method | undefined {
  switch (name) {
    case 'index':
      return (x) => {
        const i = l.findIndex((y) => pyEquals(x, y));
        if (i < 0) throw new Error(`${pyStr(x)} is not in list`);
        return i;
      };
    case 'count':
      return (x) => l.filter((y) => pyEquals(x, y)).length;
    default:
      return undefined;
  }
}

function dictMethod(d: Record<string, unknown>, name: string): Method | undefined {
  switch (name) {
    case 'keys':
      return () => Object.keys(d);
    case 'values':
      return () => Object.values(d);
    case 'items':
      return () => Object.entries(d);
    case 'get':
      return (k, dflt) => {
        const key = pyStr(k);
        return Object.hasOwn(d, key) ? d[key] : (dflt ?? null);
      };
    case 'copy':
      return () => ({ ...d });
    default:
      return undefined;
  }
}

/** A Python method of `obj` named `name`, bound to it; undefined if it has none. */
export function pyMethod(obj: unknown, name: string): Method | undefined {
  if (typeof obj === 'string') return stringMethod(obj, name);
  if (Array.isArray(obj)) return listMethod(obj, name);
  if (isMapping(obj)) return dictMethod(obj, name);
  return undefined;
}
