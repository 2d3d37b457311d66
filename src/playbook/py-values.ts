// Python's view of plain data, which Jinja2 templates in Ansible see: truthiness, str() and
// repr(), equality and ordering. Templates written for Ansible rely on these (`when: mylist`
// is false for an empty list; `{{ mylist }}` prints `['a', 'b']`).

export type Mapping = Record<string, unknown>;

/** A dict: a plain object (not an array, not a class instance). */
export function isMapping(v: unknown): v is Mapping {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function isNone(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** Python's bool(v). */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python's type name, as error messages show it (`'dict object'`). */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'function') return 'function';
  if (isMapping(v)) return 'dict';
  return 'object';
}

function numberStr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

function quoteRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

/** Python's repr(v). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return numberStr(v);
  if (typeof v === 'string') return quoteRepr(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (isMapping(v)) {
    return '{' + Object.entries(v).map(([k, x]) => `${quoteRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  }
  return String(v);
}

/** Python's str(v). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberStr(v);
  return pyRepr(v);
}

/** Python's `==` on plain data (deep; True == 1 as in Python). */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNone(a) || isNone(b)) return isNone(a) && isNone(b);
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const na = typeof a === 'boolean' ? Number(a) : a;
    const nb = typeof b === 'boolean' ? Number(b) : b;
    return typeof na === 'number' && typeof nb === 'number' && na === nb;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

function comparable(v: unknown): 'num' | 'str' | 'list' | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return 'num';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return undefined;
}

/** Python's ordering: negative, zero or positive; a TypeError where Python raises one. */
export function pyCompare(a: unknown, b: unknown, op = '<'): number {
  const ta = comparable(a);
  const tb = comparable(b);
  if (ta === undefined || ta !== tb) {
    throw new TypeError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
  }
  if (ta === 'num') return Number(a) - Number(b);
  if (ta === 'str') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  const la = a as unknown[];
  const lb = b as unknown[];
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (pyEquals(la[i], lb[i])) continue;
    return pyCompare(la[i], lb[i], op);
  }
  return la.length - lb.length;
}

/** Python's `item in container`. */
export function pyContains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw new TypeError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isMapping(container)) return Object.hasOwn(container, pyStr(item));
  throw new TypeError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

/** Python's iteration: list items, dict keys, string characters. */
export function pyIter(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  if (v !== null && typeof v === 'object' && Symbol.iterator in v) {
    return [...(v as Iterable<unknown>)];
  }
  throw new TypeError(`'${pyTypeName(v)}' object is not iterable`);
}
