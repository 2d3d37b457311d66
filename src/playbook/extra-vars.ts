// `-e` / `--extra-vars` as ansible-playbook reads it: `key=value key2='a b'`, a JSON or YAML
// mapping (`-e '{"n": 1}'`), or `@file.yml`. k=v values stay strings, as in Ansible.

import { FleetbootError, ParseError } from '../core/errors.js';
import type { Vars } from './types.js';
import { parseVarsText } from './vars-file.js';

/**
 * Splits on whitespace outside quotes and outside `{{ }}`/`{% %}`/`{# #}`, keeping the quotes
 * (Ansible's split_args).
 */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    const two = s.slice(i, i + 2);
    if (quote === null && ['{{', '{%', '{#'].includes(two)) {
      depth++;
      cur += two;
      i++;
      continue;
    }
    if (quote === null && depth > 0 && ['}}', '%}', '#}'].includes(two)) {
      depth--;
      cur += two;
      i++;
      continue;
    }
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s.charAt(i + 1);
      i++;
      continue;
    }
    if (quote !== null) {
      if (c === quote) quote = null;
      cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (/\s/.test(c) && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quote !== null) throw new Error(`unbalanced quote (${quote}) in '${s}'`);
  if (cur) out.push(cur);
  return out;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

function decodeEscapes(s: string): string {
  return s.replace(/\\(.)/g, (whole: string, c: string) => {
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '=': '=' };
    return map[c] ?? whole;
  });
}

/** Ansible's parse_kv: `a=1 b="x y"` → { a: '1', b: 'x y' }; tokens without `=` are errors. */
export function parseKeyValue(s: string, what = 'argument'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of splitArgs(s)) {
    const eq = /(?<!\\)=/.exec(token);
    if (!eq) throw new Error(`'${token}' in ${what} is not KEY=VALUE`);
    const key = token.slice(0, eq.index).trim();
    if (!key) throw new Error(`'${token}' in ${what} has no name before '='`);
    out[key] = decodeEscapes(unquote(token.slice(eq.index + 1).trim()));
  }
  return out;
}

/** One `-e` argument's variables. `readFile` reads `@file` (relative to the current directory). */
export async function parseExtraVars(arg: string, readFile: (path: string) => Promise<string> | string): Promise<Vars> {
  const text = arg.trim();
  if (text.startsWith('@')) {
    const file = text.slice(1);
    let content: string;
    try {
      content = await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new FleetbootError(`-e: cannot read '${file}' (${code}); check the path after @`);
    }
    return parseVarsText(file, content);
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    if (text.startsWith('[')) throw new ParseError(undefined, '-e', `expected a mapping, got a list: ${text}`);
    try {
      return parseVarsText('-e', text);
    } catch (err) {
      throw new ParseError(undefined, '-e', `not a valid JSON/YAML mapping: ${(err as Error).message.replace(/^-e:\d+:\d+: /, '')}`);
    }
  }
  if (text === '') return {};
  try {
    return parseKeyValue(text, '-e');
  } catch (err) {
    throw new ParseError(undefined, '-e', `${(err as Error).message} (use -e KEY=VALUE, -e '{"key": "value"}' or -e @vars.yml)`);
  }
}
