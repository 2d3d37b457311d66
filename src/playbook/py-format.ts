// Python's number rounding and printf-style formatting (`'%05.1f' % x`, the `format` filter),
// with Python's round-half-even on the exact binary value, which JavaScript's toFixed lacks
// (Python's '%.1f' % 0.25 is '0.2', JavaScript's (0.25).toFixed(1) is '0.3').

import { isMapping, numberOf, pyRepr, pyStr, pyTypeName } from './py-values.js';

/** `a` (finite, not negative) with `digits` decimals, the exact value rounded half to even. */
function roundHalfEven(a: number, digits: number): string {
  if (a >= 1e21) return BigInt(a).toString() + (digits > 0 ? `.${'0'.repeat(digits)}` : '');
  // Thirty more digits than kept show whether the exact value is above, below or at the half.
  const long = a.toFixed(Math.min(100, digits + 30));
  const [int = '0', frac = ''] = long.split('.');
  const kept = int + frac.slice(0, digits);
  const rest = frac.slice(digits);
  const first = rest.charAt(0);
  const tie = first === '5' && !/[1-9]/.test(rest.slice(1));
  const up = first > '5' || (first === '5' && !tie) || (tie && Number(kept.charAt(kept.length - 1)) % 2 === 1);
  const digitsOut = (BigInt(kept) + (up ? 1n : 0n)).toString().padStart(kept.length, '0');
  if (digits === 0) return digitsOut;
  return `${digitsOut.slice(0, digitsOut.length - digits)}.${digitsOut.slice(digitsOut.length - digits)}`;
}

/** Python's `'%.<digits>f' % x`. */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  return (negative ? '-' : '') + roundHalfEven(Math.abs(x), Math.min(100, Math.max(0, digits)));
}

/** Python's round(x, ndigits) on a float. */
export function pyRound(x: number, ndigits = 0): number {
  if (!Number.isFinite(x)) return x;
  if (ndigits >= 0) return Number(pyFixed(x, ndigits));
  const scale = 10 ** -ndigits;
  return Number(pyFixed(x / scale, 0)) * scale;
}

interface Spec {
  flags: string;
  width: number | undefined;
  precision: number | undefined;
  type: string;
}

function pad(body: string, sign: string, spec: Spec, zeroAllowed: boolean): string {
  const width = spec.width ?? 0;
  const len = sign.length + body.length;
  if (len >= width) return sign + body;
  if (spec.flags.includes('-')) return sign + body + ' '.repeat(width - len);
  if (spec.flags.includes('0') && zeroAllowed) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

function signOf(negative: boolean, flags: string): string {
  if (negative) return '-';
  if (flags.includes('+')) return '+';
  return flags.includes(' ') ? ' ' : '';
}

function needNumber(v: unknown, type: string): number {
  const n = numberOf(v);
  if (n === undefined) throw new TypeError(`%${type} format: a real number is required, not ${pyTypeName(v)}`);
  return n;
}

/** Python's exponent notation: at least two exponent digits (1.5e+07). */
function exponent(a: number, precision: number): string {
  const [mantissa = '', exp = '0'] = a.toExponential(Math.min(100, precision)).split('e');
  const e = Number(exp);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function general(a: number, spec: Spec): string {
  const p = spec.precision === undefined ? 6 : Math.max(1, spec.precision);
  const e = Number(a.toExponential(p - 1).split('e')[1] ?? 0);
  const text = e >= -4 && e < p ? pyFixed(a, p - 1 - e) : exponent(a, p - 1);
  if (spec.flags.includes('#')) return text;
  // Without '#', %g drops trailing zeros of the fraction, and the point when none is left.
  const [mantissa = '', exp] = text.split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return exp === undefined ? trimmed : `${trimmed}e${exp}`;
}

function formatNumber(v: unknown, spec: Spec): string {
  const { type, flags } = spec;
  const n = needNumber(v, type);
  const upper = type === type.toUpperCase();
  if (!Number.isFinite(n)) {
    const word = Number.isNaN(n) ? 'nan' : 'inf';
    return pad(upper ? word.toUpperCase() : word, signOf(n < 0, flags), spec, false);
  }
  const negative = n < 0 || Object.is(n, -0);
  const a = Math.abs(n);
  let body: string;
  switch (type) {
    case 'd':
    case 'i':
    case 'u': {
      body = BigInt(Math.trunc(a)).toString();
      if (spec.precision !== undefined) body = body.padStart(spec.precision, '0');
      return pad(body, signOf(negative && Math.trunc(a) !== 0, flags), spec, true);
    }
    case 'o':
    case 'x':
    case 'X': {
      if (!Number.isInteger(n) || typeof v !== 'number') {
        throw new TypeError(`%${type} format: an integer is required, not ${pyTypeName(v)}`);
      }
      const radix = type === 'o' ? 8 : 16;
      body = BigInt(a).toString(radix);
      if (type === 'X') body = body.toUpperCase();
      if (spec.precision !== undefined) body = body.padStart(spec.precision, '0');
      const prefix = flags.includes('#') ? (type === 'o' ? '0o' : type === 'x' ? '0x' : '0X') : '';
      return pad(prefix + body, signOf(negative, flags), spec, true).replace(/^(\s*[-+ ]?)0*(0[oxX])/, '$1$2');
    }
    case 'e':
    case 'E':
      body = exponent(a, spec.precision ?? 6);
      break;
    case 'f':
    case 'F':
      body = pyFixed(a, spec.precision ?? 6);
      break;
    default:
      body = general(a, spec);
  }
  if (upper) body = body.toUpperCase();
  return pad(body, signOf(negative, flags), spec, true);
}

function formatOne(v: unknown, spec: Spec): string {
  switch (spec.type) {
    case 's':
    case 'r':
    case 'a': {
      let s = spec.type === 's' ? pyStr(v) : pyRepr(v);
      if (spec.precision !== undefined) s = [...s].slice(0, spec.precision).join('');
      return pad(s, '', spec, false);
    }
    case 'c': {
      const n = numberOf(v);
      let ch: string;
      if (typeof v === 'string' && [...v].length === 1) ch = v;
      else if (n !== undefined && Number.isInteger(n) && n >= 0 && n <= 0x10ffff) ch = String.fromCodePoint(n);
      else throw new TypeError('%c requires an int or a unicode character');
      return pad(ch, '', spec, false);
    }
    default:
      return formatNumber(v, spec);
  }
}

const SPEC = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([diouxXeEfFgGcrsa%])?/g;

/** Python's `format % args`: `args` are the tuple's items, or one mapping for `%(name)s`. */
export function pyPercent(format: string, args: readonly unknown[]): string {
  const byName = args.length === 1 && isMapping(args[0]) && /%\(/.test(format) ? args[0] : undefined;
  let next = 0;
  const take = (): unknown => {
    if (byName) throw new TypeError('format requires a mapping');
    if (next >= args.length) throw new TypeError('not enough arguments for format string');
    return args[next++];
  };
  const out = format.replace(SPEC, (m: string, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, type: string | undefined) => {
    if (type === undefined) throw new Error(`unsupported format character at '${m}'`);
    if (type === '%' && m === '%%') return '%';
    const w = width === '*' ? Number(take()) : width === undefined ? undefined : Number(width);
    const p = precision === '*' ? Number(take()) : precision === undefined ? undefined : Number(precision || '0');
    let value: unknown;
    if (key !== undefined) {
      if (!byName) throw new TypeError('format requires a mapping');
      if (!Object.hasOwn(byName, key)) throw new Error(`KeyError: '${key}'`);
      value = byName[key];
    } else value = take();
    const spec: Spec = { flags: flags + (w !== undefined && w < 0 ? '-' : ''), width: w === undefined ? undefined : Math.abs(w), precision: p, type };
    return formatOne(value, spec);
  });
  const lone = args.length === 1 && isMapping(args[0]);
  if (!byName && !lone && next < args.length) throw new TypeError('not all arguments converted during string formatting');
  return out;
}
