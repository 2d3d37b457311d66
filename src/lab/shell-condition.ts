// `test EXPR` / `[ EXPR ]` for the lab shell: POSIX's argument-count rules for up to four
// arguments, file tests against the host's in-memory filesystem, strings and integers.

import type { FsStat } from './memfs.js';

/** 0 true, 1 false, 2 error (with its message). */
export type TestResult = { status: 0 | 1 } | { status: 2; error: string };

type Stat = (path: string) => FsStat | undefined;

const UNARY = new Set(['-e', '-f', '-d', '-s', '-r', '-w', '-x', '-n', '-z', '-L', '-h']);
const BINARY = new Set(['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge']);

const yes = (b: boolean): TestResult => ({ status: b ? 0 : 1 });

function unary(op: string, arg: string, stat: Stat): TestResult {
  if (op === '-n') return yes(arg.length > 0);
  if (op === '-z') return yes(arg.length === 0);
  const st = stat(arg);
  switch (op) {
    case '-e':
    case '-r':
    case '-w':
      return yes(st !== undefined);
    case '-f':
      return yes(st?.kind === 'file');
    case '-d':
      return yes(st?.kind === 'dir');
    case '-s':
      return yes(st !== undefined && st.size > 0);
    case '-x':
      return yes(st !== undefined && (st.kind === 'dir' || (st.mode & 0o111) !== 0));
    default:
      return yes(false); // -L / -h: the lab has no symlinks
  }
}

function integer(s: string): number | undefined {
  return /^\s*[-+]?\d+\s*$/.test(s) ? Number(s) : undefined;
}

function binary(a: string, op: string, b: string): TestResult {
  if (op === '=' || op === '==') return yes(a === b);
  if (op === '!=') return yes(a !== b);
  const x = integer(a);
  const y = integer(b);
  if (x === undefined) return { status: 2, error: `${a}: integer expression expected` };
  if (y === undefined) return { status: 2, error: `${b}: integer expression expected` };
  const r = { '-eq': x === y, '-ne': x !== y, '-lt': x < y, '-le': x <= y, '-gt': x > y, '-ge': x >= y }[op];
  return yes(r === true);
}

function negate(r: TestResult): TestResult {
  return r.status === 2 ? r : { status: r.status === 0 ? 1 : 0 };
}

export function evaluateTest(args: string[], stat: Stat): TestResult {
  const [a = '', b = '', c = '', d = ''] = args;
  switch (args.length) {
    case 0:
      return yes(false);
    case 1:
      return yes(a.length > 0);
    case 2:
      if (a === '!') return yes(b.length === 0);
      if (UNARY.has(a)) return unary(a, b, stat);
      return { status: 2, error: `${a}: unary operator expected` };
    case 3:
      if (BINARY.has(b)) return binary(a, b, c);
      if (a === '!') return negate(evaluateTest([b, c], stat));
      return { status: 2, error: `${b}: binary operator expected` };
    case 4:
      if (a === '!') return negate(evaluateTest([b, c, d], stat));
      return { status: 2, error: 'too many arguments' };
    default:
      return { status: 2, error: 'too many arguments' };
  }
}
