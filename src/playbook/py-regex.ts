// Python regular expressions (as written for Ansible's regex_* filters and match/search
// tests) run on JavaScript's engine: named groups, leading inline flags, \A and \Z, and
// Python's replacement syntax (\1, \g<name>) are translated.

export interface PyRegexOptions {
  ignorecase?: boolean;
  multiline?: boolean;
}

const cache = new Map<string, RegExp>();

/** Compiles a Python pattern; `global` for findall/sub. */
export function pyRegex(pattern: string, opts: PyRegexOptions = {}, global = false): RegExp {
  const key = `${opts.ignorecase ? 'i' : ''}${opts.multiline ? 'm' : ''}${global ? 'g' : ''}/${pattern}`;
  let re = cache.get(key);
  if (re) {
    re.lastIndex = 0;
    return re;
  }
  let flags = '';
  let src = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline?.[1]) {
    for (const f of inline[1]) if ('ims'.includes(f)) flags += f;
    src = src.slice(inline[0].length);
  }
  if (opts.ignorecase && !flags.includes('i')) flags += 'i';
  if (opts.multiline && !flags.includes('m')) flags += 'm';
  if (global) flags += 'g';
  src = src
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/(^|[^\\])\\A/g, '$1^')
    .replace(/(^|[^\\])\\Z/g, '$1$');
  try {
    re = new RegExp(src, flags);
  } catch (err) {
    throw new Error(`invalid regular expression '${pattern}': ${(err as Error).message}`);
  }
  if (cache.size > 2000) cache.clear();
  cache.set(key, re);
  return re;
}

/** Number of capturing groups in a compiled pattern. */
export function groupCount(re: RegExp): number {
  return (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
}

/** Python's re.match: anchored at the start. */
export function pyMatch(re: RegExp, s: string): RegExpExecArray | null {
  const sticky = new RegExp(re.source, re.flags.replace('g', '') + 'y');
  return sticky.exec(s);
}

/** Python's re.search. */
export function pySearch(re: RegExp, s: string): RegExpExecArray | null {
  return new RegExp(re.source, re.flags.replace('g', '')).exec(s);
}

/** A group reference as Ansible's regex_search takes it: '\\1' or '\\g<name>'. */
export function groupRef(m: RegExpExecArray, ref: string): string | null {
  const named = /^\\g<(\w+)>$/.exec(ref);
  let v: string | undefined;
  if (named?.[1] !== undefined) v = /^\d+$/.test(named[1]) ? m[Number(named[1])] : m.groups?.[named[1]];
  else if (/^\\\d+$/.test(ref)) v = m[Number(ref.slice(1))];
  else throw new Error(`unknown group reference '${ref}' (use '\\\\1' or '\\\\g<name>')`);
  return v ?? null;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', '\\': '\\' };

/** Expands a Python replacement template (\1, \g<1>, \g<name>, \n) for one match. */
export function expandReplacement(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(g<(\w+)>|\d{1,2}|.)/g, (whole: string, what: string, name: string | undefined) => {
    if (name !== undefined) return (/^\d+$/.test(name) ? m[Number(name)] : m.groups?.[name]) ?? '';
    if (/^\d+$/.test(what)) return m[Number(what)] ?? '';
    return ESCAPES[what] ?? whole;
  });
}

/** Python's re.sub (count 0 = all). */
export function pySub(re: RegExp, repl: string, s: string, count = 0): string {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  let n = 0;
  return s.replace(g, (...args: unknown[]) => {
    if (count > 0 && n >= count) return args[0] as string;
    n++;
    const m = toExec(args);
    return expandReplacement(repl, m);
  });
}

/** Rebuilds an exec-style match from String.replace's callback arguments. */
function toExec(args: unknown[]): RegExpExecArray {
  const last = args[args.length - 1];
  const hasGroups = typeof last === 'object' && last !== null;
  const groups = hasGroups ? (last as Record<string, string>) : undefined;
  const end = hasGroups ? args.length - 3 : args.length - 2;
  const m = args.slice(0, end) as string[] as RegExpExecArray;
  m.index = args[end] as number;
  m.input = args[end + 1] as string;
  m.groups = groups;
  return m;
}

/** Python's re.findall: whole matches, the group, or a list per match for several groups. */
export function pyFindall(re: RegExp, s: string): unknown[] {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  const groups = groupCount(re);
  const out: unknown[] = [];
  for (const m of s.matchAll(g)) {
    if (groups === 0) out.push(m[0]);
    else if (groups === 1) out.push(m[1] ?? '');
    else out.push(m.slice(1).map((x) => x ?? ''));
  }
  return out;
}
