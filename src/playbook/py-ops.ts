// Python's arithmetic operators on plain data, as Jinja2 templates use them: `'-' * 20`
// repeats, `7 / 2` is 3.5 and `4 / 2` is 2.0, `-7 // 2` is -4, `'%s-%d' % (a, 1)` formats.
// A wrong operand type is Python's TypeError, never JavaScript's NaN.

import { pyPercent } from './py-format.js';
import { isFloat, isTuple, numberOf, pyFloat, pyTypeName, type PyFloat } from './py-values.js';

function unsupported(op: string, a: unknown, b: unknown): TypeError {
  return new TypeError(`unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** A number result: a float when either operand was one (Python's int/float promotion). */
function numeric(n: number, a: unknown, b: unknown): number | PyFloat {
  return isFloat(a) || isFloat(b) ? pyFloat(n) : n;
}

function operands(op: string, a: unknown, b: unknown): [number, number] {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x === undefined || y === undefined) throw unsupported(op, a, b);
  return [x, y];
}

/** A repeat count: an int (or bool); Python refuses floats. */
function count(n: unknown): number | undefined {
  if (typeof n === 'boolean') return Number(n);
  if (typeof n === 'number' && Number.isInteger(n)) return Math.max(0, n);
  if (typeof n === 'number' || isFloat(n)) {
    throw new TypeError(`can't multiply sequence by non-int of type '${pyTypeName(n)}'`);
  }
  return undefined;
}

function repeat(seq: string | unknown[], times: number): string | unknown[] {
  if (typeof seq === 'string') return seq.repeat(times);
  const out: unknown[] = [];
  for (let i = 0; i < times; i++) out.push(...seq);
  return out;
}

export function pyAdd(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  const [x, y] = operands('+', a, b);
  return numeric(x + y, a, b);
}

export function pySub(a: unknown, b: unknown): unknown {
  const [x, y] = operands('-', a, b);
  return numeric(x - y, a, b);
}

export function pyMul(a: unknown, b: unknown): unknown {
  if (typeof a === 'string' || Array.isArray(a)) {
    const times = count(b);
    if (times !== undefined) return repeat(a, times);
  } else if (typeof b === 'string' || Array.isArray(b)) {
    const times = count(a);
    if (times !== undefined) return repeat(b, times);
  }
  const [x, y] = operands('*', a, b);
  return numeric(x * y, a, b);
}

function nonZero(y: number, what: string): void {
  if (y === 0) throw new Error(`ZeroDivisionError: ${what}`);
}

/** `/` is always a float in Python 3. */
export function pyDiv(a: unknown, b: unknown): unknown {
  const [x, y] = operands('/', a, b);
  nonZero(y, 'division by zero');
  return pyFloat(x / y);
}

export function pyFloorDiv(a: unknown, b: unknown): unknown {
  const [x, y] = operands('//', a, b);
  nonZero(y, 'integer division or modulo by zero');
  return numeric(Math.floor(x / y), a, b);
}

/** `%`: Python's modulo (the sign of the divisor), or printf-style formatting of a string. */
export function pyMod(a: unknown, b: unknown): unknown {
  if (typeof a === 'string') {
    const args = isTuple(b) ? b : [b];
    return pyPercent(a, args);
  }
  const [x, y] = operands('%', a, b);
  nonZero(y, 'integer division or modulo by zero');
  return numeric(((x % y) + y) % y, a, b);
}

export function pyPow(a: unknown, b: unknown): unknown {
  const [x, y] = operands('** or pow()', a, b);
  if (x === 0 && y < 0) throw new Error('ZeroDivisionError: 0.0 cannot be raised to a negative power');
  const n = x ** y;
  return isFloat(a) || isFloat(b) || y < 0 ? pyFloat(n) : n;
}

export function pyNeg(v: unknown): unknown {
  const n = numberOf(v);
  if (n === undefined) throw new TypeError(`bad operand type for unary -: '${pyTypeName(v)}'`);
  return isFloat(v) ? pyFloat(-n) : -n;
}

export function pyPos(v: unknown): unknown {
  const n = numberOf(v);
  if (n === undefined) throw new TypeError(`bad operand type for unary +: '${pyTypeName(v)}'`);
  return typeof v === 'boolean' ? n : v;
}
