// Python's view of plain data, which Jinja2 templates in Ansible see: truthiness, str() and
// repr(), equality and ordering. Templates written for Ansible rely on these (`when: mylist`
// is false for an empty list; `{{ mylist }}` prints `['a', 'b']`).

export type Mapping = Record<string, unknown>;

/**
 * A Python float whose value is a whole number (`3.7 | round` is 4.0): a JS number cannot tell
 * 4.0 from 4, and Jinja prints it as `4.0`. Only the Templar makes these (round, float, `/`),
 * and it turns them back into plain numbers before a value leaves it (plainNumbers).
 */
export class PyFloat {
  static made = 0;
  constructor(readonly value: number) {
    PyFloat.made++;
  }
  valueOf(): number {
    return this.value;
  }
}

/** A float result: boxed when whole, so it still prints as a float. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** A number (int or float), or a bool as Python's int; undefined for anything else. */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** True for a Python float (a JS number with a fraction, a boxed whole float, inf, nan). */
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** `v` with boxed floats as plain numbers, deeply; the same object when there were none. */
export function plainNumbers(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((x, i) => {
      const y = plainNumbers(x);
      if (y !== x) (out ??= [...v])[i] = y;
    });
    return out ?? v;
  }
  if (isMapping(v)) {
    let out: Mapping | undefined;
    for (const [k, x] of Object.entries(v)) {
      const y = plainNumbers(x);
      if (y !== x) (out ??= { ...v })[k] = y;
    }
    return out ?? v;
  }
  return v;
}

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
  if (v instanceof PyFloat) return v.value !== 0;
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
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'function') return 'function';
  if (isMapping(v)) return 'dict';
  return 'object';
}

/** Python's repr of an int, or of a float when `float` (4.0, 1e-05, 1e+16). */
function numberStr(n: number, float = false): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n) && !float) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  const [mantissa = '', exp = '0'] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const text = Object.is(n, -0) ? '-0' : String(n);
  return Number.isInteger(n) ? `${text}.0` : text;
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
  if (v instanceof PyFloat) return numberStr(v.value, true);
  if (typeof v === 'string') return quoteRepr(v);
  if (isTuple(v)) return '(' + v.map(pyRepr).join(', ') + (v.length === 1 ? ',)' : ')');
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (isMapping(v)) {
    return '{' + Object.entries(v).map(([k, x]) => `${quoteRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
  }
  return String(v);
}

/** Python's str(v). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python's `==` on plain data (deep; True == 1 as in Python). */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof PyFloat || b instanceof PyFloat) {
    const na = numberOf(a);
    const nb = numberOf(b);
    return na !== undefined && na === nb;
  }
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
  if (typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) return 'num';
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

const tuples = new WeakSet<unknown[]>();

/** A Python tuple, kept as a list (as Ansible hands them on) that prints as `('a', 1)`. */
export function pyTuple(items: unknown[]): unknown[] {
  tuples.add(items);
  return items;
}

export function isTuple(v: unknown): v is unknown[] {
  return Array.isArray(v) && tuples.has(v);
}

/** A Python named tuple as a list whose items also read as attributes (`group.grouper`). */
export function pyNamedTuple(items: unknown[], fields: readonly string[]): unknown[] {
  fields.forEach((name, i) => Object.defineProperty(items, name, { value: items[i], enumerable: false }));
  return pyTuple(items);
}

/** True when `key` names a named-tuple field of `list`. */
export function isTupleField(list: unknown[], key: string): boolean {
  return key !== 'length' && !/^\d+$/.test(key) && Object.hasOwn(list, key);
}
