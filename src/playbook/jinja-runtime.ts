// What compiled templates call at run time (as `env.fb.*`): variable and attribute lookups
// that fail like Ansible's StrictUndefined, and Python's operators. The compiler in
// jinja-compile.ts emits the calls; nothing else uses this directly.

import type { NjContext, NjEnvironment, NjFrame, NjFunction } from './nunjucks-internals.js';
import { pyMethod } from './py-methods.js';
import { pyAdd, pyDiv, pyFloorDiv, pyMod, pyMul, pyNeg, pyPos, pyPow, pySub } from './py-ops.js';
import {
  isMapping,
  isNone,
  isTupleField,
  pyFloat,
  pyCompare,
  pyContains,
  pyEquals,
  pyIter,
  pyStr,
  pyTuple,
  pyTypeName,
  truthy,
} from './py-values.js';
import { didYouMean } from './suggest.js';

/** A template used something that is not defined: `'foo' is undefined`. */
export class UndefinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndefinedError';
  }
}

/**
 * What a lenient lookup (the operand of `is defined`, the input of `default`) yields for a
 * missing variable or attribute; further lookups on it yield itself, as Ansible's do.
 */
export class JinjaUndefined {
  constructor(readonly reason: string) {}
}

export function isUndefined(v: unknown): v is undefined | JinjaUndefined {
  return v === undefined || v instanceof JinjaUndefined;
}

/** Hooks the Templar gives the runtime. */
export interface RuntimeHooks {
  /** Renders the templates inside a variable's value (Ansible templates variables when used). */
  resolve(value: unknown, vars: Record<string, unknown>, name: string): unknown;
}

const MISSING = Symbol('missing');

/**
 * The key under which a render's variables travel in nunjucks' context: nunjucks copies the
 * context object on every render, so the variables ride in one key instead of being copied.
 */
export const VARS_KEY = '__fb_vars';

/** The variables of the render `context` belongs to. */
export function varsOf(context: NjContext): Record<string, unknown> {
  return (context.ctx[VARS_KEY] as Record<string, unknown> | undefined) ?? context.ctx;
}

/** A variable's value; variables may be inherited (layered with Object.create), not Object's own. */
export function varValue(vars: Record<string, unknown>, name: string): unknown {
  const v = vars[name];
  if (v === undefined || (!Object.hasOwn(vars, name) && name in Object.prototype)) return undefined;
  return v;
}

function typeLabel(obj: unknown): string {
  return isNone(obj) ? 'None' : `${pyTypeName(obj)} object`;
}

/** `obj.key` / `obj[key]` as Jinja2 resolves it; MISSING with a reason when there is none. */
function getAttr(obj: unknown, key: unknown): unknown {
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key === 'number' && Number.isInteger(key)) {
      const i = key < 0 ? obj.length + key : key;
      return i >= 0 && i < obj.length ? obj[i] : MISSING;
    }
    if (typeof key !== 'string') return MISSING;
    if (Array.isArray(obj) && isTupleField(obj, key)) return (obj as unknown as Record<string, unknown>)[key];
    return pyMethod(obj, key) ?? MISSING;
  }
  if (isMapping(obj)) {
    const k = typeof key === 'string' ? key : pyStr(key);
    if (Object.hasOwn(obj, k) && obj[k] !== undefined) return obj[k];
    return pyMethod(obj, k) ?? MISSING;
  }
  if (obj !== null && typeof obj === 'object' && typeof key === 'string' && key in obj) {
    const v: unknown = (obj as Record<string, unknown>)[key];
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
  }
  return MISSING;
}

function missingReason(obj: unknown, key: unknown): string {
  if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number') {
    return `${typeLabel(obj)} has no element ${key}`;
  }
  return `'${typeLabel(obj)}' has no attribute ${typeof key === 'string' ? `'${key}'` : pyStr(key)}`;
}

/**
 * A value produced as undefined (`[] | first`) fails when used, as Jinja2's StrictUndefined does;
 * so does JavaScript's undefined, which no Jinja2 value is.
 */
function strict(v: unknown): unknown {
  if (v instanceof JinjaUndefined) throw new UndefinedError(v.reason);
  if (v === undefined) throw new Error('a value is undefined (no Jinja2 value); check the filters and calls used');
  return v;
}

const LENIENT = new Set(['default', 'd', 'mandatory', 'defined', 'undefined']);

function sliceIndex(i: unknown, len: number, dflt: number): number {
  if (isNone(i)) return dflt;
  const n = Number(i);
  return n < 0 ? Math.max(0, len + n) : Math.min(n, len);
}

export class JinjaRuntime {
  constructor(
    private readonly env: NjEnvironment,
    private readonly hooks: RuntimeHooks,
  ) {}

  /** A variable: template-local first, then the render's variables, then globals. */
  lookup(context: NjContext, frame: NjFrame, name: string): unknown {
    const v = this.find(context, frame, name, false);
    if (v instanceof JinjaUndefined) throw new UndefinedError(v.reason);
    return v;
  }

  /** A variable that may be missing (the operand of `is defined`, the input of `default`). */
  soft(context: NjContext, frame: NjFrame, name: string): unknown {
    return this.find(context, frame, name, true);
  }

  private find(context: NjContext, frame: NjFrame, name: string, lenient: boolean): unknown {
    const local = frame.lookup(name);
    if (local !== undefined) return local;
    const vars = varsOf(context);
    const value = varValue(vars, name);
    if (value !== undefined) {
      if (!lenient) return this.hooks.resolve(value, vars, name);
      try {
        return this.hooks.resolve(value, vars, name);
      } catch (err) {
        // A variable whose own template uses something undefined is itself undefined.
        if (err instanceof UndefinedError) return new JinjaUndefined(err.message);
        throw err;
      }
    }
    const globals = context.env.globals;
    if (Object.hasOwn(globals, name)) return globals[name];
    return new JinjaUndefined(`'${name}' is undefined`);
  }

  attr(obj: unknown, key: unknown): unknown {
    const v = getAttr(strict(obj), key);
    if (v === MISSING) throw new UndefinedError(missingReason(obj, key));
    return v;
  }

  attrSoft(obj: unknown, key: unknown): unknown {
    if (obj instanceof JinjaUndefined) return obj;
    const v = getAttr(obj, key);
    return v === MISSING ? new JinjaUndefined(missingReason(obj, key)) : v;
  }

  slice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
    if (!Array.isArray(obj) && typeof obj !== 'string') {
      throw new TypeError(`'${pyTypeName(obj)}' object is not subscriptable`);
    }
    const items: unknown[] = typeof obj === 'string' ? [...obj] : obj;
    const st = isNone(step) ? 1 : Number(step);
    if (st === 0) throw new Error('slice step cannot be zero');
    const out: unknown[] = [];
    if (st > 0) {
      const a = sliceIndex(start, items.length, 0);
      const b = sliceIndex(stop, items.length, items.length);
      for (let i = a; i < b; i += st) out.push(items[i]);
    } else {
      const a = isNone(start) ? items.length - 1 : Math.min(sliceIndex(start, items.length, 0), items.length - 1);
      const b = isNone(stop) ? -1 : sliceIndex(stop, items.length, 0);
      for (let i = a; i > b; i += st) out.push(items[i]);
    }
    return typeof obj === 'string' ? out.join('') : out;
  }

  truthy(v: unknown): boolean {
    return truthy(strict(v));
  }

  /** Python's `a or b`: a if a is true, else b (evaluated only then). */
  or(a: unknown, b: () => unknown): unknown {
    return truthy(strict(a)) ? a : b();
  }

  and(a: unknown, b: () => unknown): unknown {
    return truthy(strict(a)) ? b() : a;
  }

  /** A chain of comparisons (`a < b <= c`), each operand evaluated once. */
  cmp(first: unknown, ...rest: unknown[]): boolean {
    let left = strict(first);
    for (let i = 0; i < rest.length; i += 2) {
      const op = rest[i] as string;
      const right = strict(rest[i + 1]);
      let ok: boolean;
      switch (op) {
        case '==':
        case '===':
          ok = pyEquals(left, right);
          break;
        case '!=':
        case '!==':
          ok = !pyEquals(left, right);
          break;
        case '<':
          ok = pyCompare(left, right, op) < 0;
          break;
        case '<=':
          ok = pyCompare(left, right, op) <= 0;
          break;
        case '>':
          ok = pyCompare(left, right, op) > 0;
          break;
        default:
          ok = pyCompare(left, right, op) >= 0;
      }
      if (!ok) return false;
      left = right;
    }
    return true;
  }

  /** Python's `+`: numbers add, strings and lists concatenate. */
  add(a: unknown, b: unknown): unknown {
    return pyAdd(strict(a), strict(b));
  }

  sub(a: unknown, b: unknown): unknown {
    return pySub(strict(a), strict(b));
  }

  /** Python's `*`: numbers multiply, a string or list times an int repeats. */
  mul(a: unknown, b: unknown): unknown {
    return pyMul(strict(a), strict(b));
  }

  div(a: unknown, b: unknown): unknown {
    return pyDiv(strict(a), strict(b));
  }

  floordiv(a: unknown, b: unknown): unknown {
    return pyFloorDiv(strict(a), strict(b));
  }

  /** Python's `%`: modulo, or `'%s-%d' % (a, 1)` formatting. */
  mod(a: unknown, b: unknown): unknown {
    return pyMod(strict(a), strict(b));
  }

  pow(a: unknown, b: unknown): unknown {
    return pyPow(strict(a), strict(b));
  }

  neg(v: unknown): unknown {
    return pyNeg(strict(v));
  }

  pos(v: unknown): unknown {
    return pyPos(strict(v));
  }

  /** A float literal with a whole value (`3.0`), which must still print as a float. */
  float(n: number): unknown {
    return pyFloat(n);
  }

  /** `(a, b)`: a tuple, which Ansible's templates treat as a list. */
  tuple(...items: unknown[]): unknown[] {
    return pyTuple(items);
  }

  contains(container: unknown, item: unknown): boolean {
    return pyContains(strict(container), strict(item));
  }

  /** Jinja2's `~` and str(): None is 'None'. */
  str(v: unknown): string {
    return pyStr(strict(v));
  }

  /** What `{{ expr }}` writes into a larger string: str() of its value, so None is 'None'. */
  out(v: unknown, expr: string): string {
    return pyStr(this.value(v, expr));
  }

  /** The value of `{{ expr }}`; a value JavaScript made up (undefined, NaN) is an error, never empty text. */
  value(v: unknown, expr: string): unknown {
    if (v instanceof JinjaUndefined) throw new UndefinedError(v.reason);
    if (v === undefined) throw new Error(`{{ ${expr} }} gave no value`);
    if (typeof v === 'number' && Number.isNaN(v)) throw new Error(`{{ ${expr} }} is not a number (NaN)`);
    return v;
  }

  /** What a one-target `for` iterates: list items, dict keys, string characters. */
  iter(v: unknown): unknown[] {
    return pyIter(strict(v));
  }

  filter(name: string, context: NjContext, ...args: unknown[]): unknown {
    const fn = findFilter(this.env, name);
    if (!LENIENT.has(name)) strict(args[0]);
    const result = fn.apply(context, args);
    if (result === undefined) throw new Error(`filter '${name}' gave no value`);
    return result;
  }

  test(name: string, context: NjContext, ...args: unknown[]): boolean {
    const fn = findTest(this.env, name);
    if (!LENIENT.has(name)) strict(args[0]);
    return truthy(fn.apply(context, args));
  }
}

/** The filter named `name` (own entries only: `constructor` is no filter). */
export function findFilter(env: NjEnvironment, name: string): NjFunction {
  const fn = Object.hasOwn(env.filters, name) ? env.filters[name] : undefined;
  if (!fn) throw new Error(`no filter named '${name}'${didYouMean(name, Object.keys(env.filters))}`);
  return fn;
}

export function findTest(env: NjEnvironment, name: string): NjFunction {
  const fn = Object.hasOwn(env.tests, name) ? env.tests[name] : undefined;
  if (!fn) throw new Error(`no test named '${name}'${didYouMean(name, Object.keys(env.tests))}`);
  return fn;
}
