// Jinja2 tests (`x is defined`, `result is failed`, `v is version('2.0', '>=')`) with
// Ansible's meanings. `defined`/`undefined` receive a JinjaUndefined for missing values; the
// compiler passes everything else through strict lookups. nunjucks' own tests are not used:
// only the tests registered here exist.

import { defined } from './filter-args.js';
import { isUndefined } from './jinja-runtime.js';
import type { NjContext, NjEnvironment, NjFunction } from './nunjucks-internals.js';
import { pyRegex, pyMatch, pySearch } from './py-regex.js';
import { isFloat, isMapping, numberOf, pyCompare, pyContains, pyEquals, pyIter, pyStr, pyTypeName, truthy } from './py-values.js';
import { versionTest } from './version-compare.js';

type Mapping = Record<string, unknown>;

function result(value: unknown, test: string): Mapping {
  if (!isMapping(value)) {
    throw new TypeError(`the '${test}' test expects a dictionary (a registered result), got ${pyTypeName(value)}`);
  }
  return value;
}

function changed(value: unknown): boolean {
  const r = result(value, 'changed');
  if (Object.hasOwn(r, 'changed')) return truthy(r['changed']);
  const results = r['results'];
  return Array.isArray(results) && results.some((x) => isMapping(x) && truthy(x['changed']));
}

function kw(args: unknown[], name: string): unknown {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && Object.hasOwn(last, '__keywords')) return (last as Mapping)[name];
  return undefined;
}

function regexTest(mode: 'match' | 'search') {
  return (value: unknown, pattern: unknown, ...rest: unknown[]): boolean => {
    const ignorecase = truthy(rest[0] === undefined || typeof rest[0] === 'object' ? kw(rest, 'ignorecase') : rest[0]);
    const multiline = truthy(rest[1] === undefined || typeof rest[1] === 'object' ? kw(rest, 'multiline') : rest[1]);
    const re = pyRegex(pyStr(pattern), { ignorecase, multiline });
    const s = pyStr(defined(value));
    return (mode === 'match' ? pyMatch(re, s) : pySearch(re, s)) !== null;
  };
}

function num(v: unknown): boolean {
  return numberOf(v) !== undefined;
}

function has(table: 'filters' | 'tests') {
  return function (this: NjContext, name: unknown): boolean {
    return typeof name === 'string' && Object.hasOwn(this.env[table], name);
  };
}

const TESTS: Record<string, NjFunction> = {
  defined: (v) => !isUndefined(v),
  undefined: (v) => isUndefined(v),
  none: (v) => v === null,
  failed: (v) => truthy(result(v, 'failed')['failed']),
  succeeded: (v) => !truthy(result(v, 'succeeded')['failed']),
  changed,
  skipped: (v) => truthy(result(v, 'skipped')['skipped']),
  unreachable: (v) => truthy(result(v, 'unreachable')['unreachable']),
  reachable: (v) => !truthy(result(v, 'reachable')['unreachable']),
  match: regexTest('match'),
  search: regexTest('search'),
  regex(value, pattern, ...rest) {
    const type = pyStr(kw(rest, 'match_type') ?? 'search');
    return regexTest(type === 'match' ? 'match' : 'search')(value, pattern, ...rest);
  },
  string: (v) => typeof v === 'string',
  number: num,
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => isFloat(v),
  boolean: (v) => typeof v === 'boolean',
  mapping: (v) => isMapping(v),
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || isMapping(v),
  iterable: (v) => typeof v === 'string' || Array.isArray(v) || isMapping(v),
  callable: (v) => typeof v === 'function',
  filter: has('filters'),
  test: has('tests'),
  in: (v, container) => pyContains(container, v),
  contains: (container, v) => pyContains(container, v),
  eq: (a, b) => pyEquals(a, b),
  ne: (a, b) => !pyEquals(a, b),
  lt: (a, b) => pyCompare(a, b, '<') < 0,
  le: (a, b) => pyCompare(a, b, '<=') <= 0,
  gt: (a, b) => pyCompare(a, b, '>') > 0,
  ge: (a, b) => pyCompare(a, b, '>=') >= 0,
  sameas: (a, b) => a === b,
  true: (v) => v === true,
  false: (v) => v === false,
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
  even: (v) => Number(v) % 2 === 0,
  odd: (v) => Math.abs(Number(v) % 2) === 1,
  divisibleby: (v, n) => Number(v) % Number(n) === 0,
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  subset: (a, b) => pyIter(a).every((x) => pyContains(b, x)),
  superset: (a, b) => pyIter(b).every((x) => pyContains(a, x)),
  any: (v) => pyIter(v).some(truthy),
  all: (v) => pyIter(v).every(truthy),
  version(value, other, ...rest) {
    const op = rest[0] !== undefined && typeof rest[0] !== 'object' ? rest[0] : (kw(rest, 'operator') ?? 'eq');
    return versionTest(pyStr(defined(value)), pyStr(other), pyStr(op));
  },
};

const ALIASES: Record<string, string> = {
  success: 'succeeded',
  successful: 'succeeded',
  failure: 'failed',
  change: 'changed',
  skip: 'skipped',
  version_compare: 'version',
  equalto: 'eq',
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  greaterthan: 'gt',
  lessthan: 'lt',
};

/** Registers every test on the environment, under its name and `ansible.builtin.<name>`. */
export function registerTests(env: NjEnvironment): void {
  const all: Record<string, NjFunction> = { ...TESTS };
  for (const [alias, target] of Object.entries(ALIASES)) {
    const fn = TESTS[target];
    if (fn) all[alias] = fn;
  }
  for (const [name, fn] of Object.entries(all)) {
    env.addTest(name, fn);
    env.addTest(`ansible.builtin.${name}`, fn);
  }
}

