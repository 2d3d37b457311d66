// The `Range` and `If-Range` request header fields (RFC 9110 §14.1.1, §14.2, §13.1.5), read
// against a representation of known size. Pure: the server decides the status from the result.

/** An inclusive byte span, `start <= end < size`. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeDecision =
  /** No Range, a unit other than bytes, or a syntax error: the header is ignored, 200. */
  | { kind: 'full'; reason: 'absent' | 'unit' | 'invalid' | 'too-many' | 'empty-representation' }
  /** One or more satisfiable ranges, sorted and coalesced: 206. */
  | { kind: 'partial'; ranges: ByteRange[] }
  /** Valid syntax, none satisfiable: 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

/**
 * More ranges than this after coalescing and the header is ignored (RFC 9110 §14.2 lets a server
 * ignore "many small ranges"); a BMC asks for one at a time. Coalescing first means overlapping or
 * repeated specs cannot make one request cost more than the file.
 */
export const MAX_RANGES = 64;

const DIGITS = /^[0-9]+$/;
/** tchar (RFC 9110 §5.6.2), the range-unit token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A run of digits as a number; runs too long for exact integers stay larger than any size. */
function digits(s: string): number {
  return s.length > 15 ? Number.MAX_SAFE_INTEGER : Number(s);
}

type Spec = { first: number; last: number | undefined } | { suffix: number };

/** One range-spec of the bytes unit, or undefined when it is not `int-range` or `suffix-range`. */
function parseSpec(text: string): Spec | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) return undefined;
  const a = text.slice(0, dash);
  const b = text.slice(dash + 1);
  if (a === '') return DIGITS.test(b) ? { suffix: digits(b) } : undefined;
  if (!DIGITS.test(a) || (b !== '' && !DIGITS.test(b))) return undefined;
  const first = digits(a);
  const last = b === '' ? undefined : digits(b);
  // §14.1.1: an int-range whose last-pos is below first-pos is invalid, which invalidates the set.
  if (last !== undefined && last < first) return undefined;
  return { first, last };
}

/** Sorts and merges overlapping or touching ranges (§14.2 allows coalescing, whatever the order). */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((x, y) => x.start - y.start || x.end - y.end);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.start <= prev.end + 1) prev.end = Math.max(prev.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/**
 * Reads a `Range` field value against a representation of `size` bytes. An empty representation
 * ignores ranges (no byte can be selected, and a full 200 of nothing is what the client wants).
 */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full', reason: 'absent' };
  const eq = header.indexOf('=');
  if (eq < 0) return { kind: 'full', reason: 'invalid' };
  const unit = header.slice(0, eq);
  if (!TOKEN.test(unit)) return { kind: 'full', reason: 'invalid' };
  // Range units are case-insensitive (§14.1).
  if (unit.toLowerCase() !== 'bytes') return { kind: 'full', reason: 'unit' };
  // 1#range-spec: comma-separated with optional whitespace, empty elements allowed (§5.6.1).
  const elements = header
    .slice(eq + 1)
    .split(',')
    .map((e) => e.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((e) => e !== '');
  if (elements.length === 0) return { kind: 'full', reason: 'invalid' };
  const specs: Spec[] = [];
  for (const e of elements) {
    const spec = parseSpec(e);
    if (!spec) return { kind: 'full', reason: 'invalid' };
    specs.push(spec);
  }
  if (size === 0) return { kind: 'full', reason: 'empty-representation' };
  const satisfiable: ByteRange[] = [];
  for (const s of specs) {
    if ('suffix' in s) {
      if (s.suffix > 0) satisfiable.push({ start: Math.max(0, size - s.suffix), end: size - 1 });
    } else if (s.first < size) {
      satisfiable.push({ start: s.first, end: Math.min(s.last ?? size - 1, size - 1) });
    }
  }
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  const ranges = coalesce(satisfiable);
  if (ranges.length > MAX_RANGES) return { kind: 'full', reason: 'too-many' };
  return { kind: 'partial', ranges };
}

/** The validators of the current representation, as the server sends them. */
export interface Validators {
  /** A strong entity tag with its quotes, e.g. `"abc"`. */
  etag: string;
  /** Whole seconds since the epoch of `Last-Modified`. */
  lastModifiedSec: number;
}

/**
 * Whether the ranges of a request apply under `If-Range` (§13.1.5): true without the field, on a
 * strong entity tag equal to the current one, or on an HTTP-date equal to `Last-Modified`. A weak
 * tag or any other value is false: the client then gets the whole representation. Dates count as
 * strong here because a published artifact never changes under its URL (a changed file is refused).
 */
export function ifRangeHolds(header: string | undefined, v: Validators): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value.startsWith('W/')) return false;
  if (value.startsWith('"')) return value === v.etag;
  const ms = parseHttpDate(value);
  return ms !== undefined && Math.floor(ms / 1000) === v.lastModifiedSec;
}

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850 = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** The three HTTP-date forms (§5.6.7) as epoch milliseconds; anything else is undefined. */
export function parseHttpDate(value: string): number | undefined {
  if (!IMF_FIXDATE.test(value) && !RFC850.test(value) && !ASCTIME.test(value)) return undefined;
  let text = value;
  const m = RFC850.exec(value) ? /-(\d{2}) /.exec(value) : null;
  if (m) {
    // Two-digit years (§5.6.7): more than 50 years ahead means the past century.
    const yy = Number(m[1]);
    const now = new Date().getUTCFullYear();
    let year = 2000 + yy;
    if (year > now + 50) year -= 100;
    text = value.replace(/-(\d{2}) /, `-${year} `);
  }
  const ms = Date.parse(ASCTIME.test(value) ? `${value} GMT` : text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `bytes a-b/size` for a 206 part, or `bytes *\/size` for a 416. */
export function contentRange(size: number, r?: ByteRange): string {
  return r ? `bytes ${r.start}-${r.end}/${size}` : `bytes */${size}`;
}
