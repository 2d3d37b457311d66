// Number filters with Jinja2's and Ansible's meanings: abs, round (a float, as Jinja2 gives:
// `3.7 | round` is 4.0) and Ansible's random (`60 | random` is 0..59, a list gives an item,
// `seed=` makes the choice repeatable, as for spreading cron minutes over hosts).

import { createHash } from 'node:crypto';
import { defined, type FilterImpl } from './filter-args.js';
import { pyRound } from './py-format.js';
import { isFloat, isMapping, isNone, numberOf, pyFloat, pyIter, pyStr, pyTypeName } from './py-values.js';

/** A number in [0, 1): from the seed when there is one (the same seed, the same number). */
function randomFraction(seed: unknown): number {
  if (isNone(seed)) return Math.random();
  const digest = createHash('sha256').update(pyStr(seed), 'utf8').digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** An int argument of random (start, step), as Ansible takes it: missing or 0 means the default. */
function optionalInt(v: unknown, name: string, dflt: number): number {
  if (isNone(v)) return dflt;
  const n = numberOf(v);
  if (n === undefined || !Number.isInteger(n) || isFloat(v)) throw new TypeError(`random: ${name} must be an integer, got ${pyStr(v)}`);
  return n === 0 ? dflt : n;
}

export const NUMBER_FILTERS: Record<string, FilterImpl> = {
  abs(value) {
    const v = defined(value);
    const n = numberOf(v);
    if (n === undefined) throw new TypeError(`bad operand type for abs(): '${pyTypeName(v)}'`);
    return isFloat(v) ? pyFloat(Math.abs(n)) : Math.abs(n);
  },
  round(value, args) {
    const v = defined(value);
    const n = numberOf(v);
    if (n === undefined) throw new TypeError(`round: expected a number, got ${pyTypeName(v)} ${pyStr(v)}`);
    const precision = numberOf(args.get(0, 'precision', 0)) ?? NaN;
    if (!Number.isInteger(precision)) throw new TypeError(`round: precision must be a whole number, got ${pyStr(args.get(0, 'precision'))}`);
    const method = pyStr(args.get(1, 'method', 'common'));
    if (method === 'common') {
      // Python's round() keeps an int an int; a float is rounded half to even.
      if (!isFloat(v)) return precision >= 0 ? n : pyRound(n, precision);
      return pyFloat(pyRound(n, precision));
    }
    if (method !== 'ceil' && method !== 'floor') throw new Error(`round: method must be common, ceil or floor, got '${method}'`);
    const scale = 10 ** precision;
    return pyFloat(Math[method](n * scale) / scale);
  },
  random(value, args) {
    const end = defined(value);
    const start = args.get(0, 'start');
    const step = args.get(1, 'step');
    const fraction = randomFraction(args.get(2, 'seed'));
    const n = numberOf(end);
    if (n !== undefined && Number.isInteger(n) && !isFloat(end)) {
      const from = optionalInt(start, 'start', 0);
      const by = optionalInt(step, 'step', 1);
      const count = Math.max(0, Math.ceil((n - from) / by));
      if (count === 0) throw new Error(`random: empty range (start ${from}, end ${n}, step ${by})`);
      return from + by * Math.floor(fraction * count);
    }
    if (typeof end === 'string' || Array.isArray(end)) {
      if (!isNone(start) && !isNone(step)) throw new Error('random: start and step can only be used with integer values');
      const items = pyIter(end);
      if (items.length === 0) throw new Error('random: cannot choose from an empty sequence');
      return items[Math.floor(fraction * items.length)];
    }
    const what = isMapping(end) ? 'a dict (use dict | list for a random key)' : `${pyTypeName(end)} ${pyStr(end)}`;
    throw new TypeError(`random can only be used on integers and lists, got ${what}`);
  },
};
