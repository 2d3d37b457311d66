// Template globals beyond Jinja2's own: Ansible's lookup()/query() for the `env`, `file` and
// `vars` plugins, and Python's dict().

import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Args } from './filter-args.js';
import { varsOf, varValue } from './jinja-runtime.js';
import type { NjContext, NjEnvironment } from './nunjucks-internals.js';
import { isMapping, pyStr } from './py-values.js';

export interface LookupOptions {
  /** Directory `lookup('file', ...)` resolves relative paths from (the playbook's). */
  baseDir?: string;
  /** Environment `lookup('env', ...)` reads; the process environment by default. */
  environ?: Readonly<Record<string, string | undefined>>;
  /** Reads a file for `lookup('file', ...)`; node's readFileSync by default. */
  readFile?: (path: string) => string;
}

/** The lookup plugins fleetboot has (also under `ansible.builtin.`). */
export const LOOKUP_PLUGINS = ['env', 'file', 'vars'] as const;

/** Why `name` is no lookup plugin, or undefined when it is one. */
export function unknownLookup(name: string): string | undefined {
  const plugin = name.replace(/^ansible\.builtin\./, '');
  if ((LOOKUP_PLUGINS as readonly string[]).includes(plugin)) return undefined;
  return `lookup plugin '${name}' is not supported (fleetboot has ${LOOKUP_PLUGINS.slice(0, -1).join(', ')} and ${LOOKUP_PLUGINS[LOOKUP_PLUGINS.length - 1]})`;
}

type Resolve = (value: unknown, vars: Record<string, unknown>, name: string) => unknown;

function runLookup(ctx: NjContext, name: string, terms: unknown[], args: Args, opts: LookupOptions, resolve: Resolve): unknown[] {
  const plugin = name.replace(/^ansible\.builtin\./, '');
  const dflt = args.keywords['default'];
  switch (plugin) {
    case 'env': {
      const environ = opts.environ ?? process.env;
      return terms.map((t) => {
        const key = pyStr(t);
        const value = Object.hasOwn(environ, key) ? environ[key] : undefined;
        return value ?? (dflt === undefined ? '' : dflt);
      });
    }
    case 'file': {
      const read = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
      const rstrip = args.keywords['rstrip'] !== false;
      const lstrip = args.keywords['lstrip'] === true;
      return terms.map((t) => {
        const path = resolvePath(opts.baseDir ?? '.', pyStr(t));
        let text: string;
        try {
          text = read(path);
        } catch {
          throw new Error(`lookup('file'): could not read '${pyStr(t)}' (looked at ${path})`);
        }
        if (rstrip) text = text.trimEnd();
        if (lstrip) text = text.trimStart();
        return text;
      });
    }
    case 'vars':
      return terms.map((t) => {
        const key = pyStr(t);
        const vars = varsOf(ctx);
        const value = varValue(vars, key);
        if (value !== undefined) return resolve(value, vars, key);
        if (dflt !== undefined) return dflt;
        throw new Error(`lookup('vars'): no variable named '${key}'`);
      });
    default:
      throw new Error(unknownLookup(name) ?? `lookup plugin '${name}' is not supported`);
  }
}

/** Registers lookup(), query()/q() and dict() as globals. */
export function registerLookups(env: NjEnvironment, opts: LookupOptions, resolve: Resolve): void {
  function lookup(this: NjContext, name: unknown, ...raw: unknown[]): unknown {
    const args = new Args(raw);
    const values = runLookup(this, pyStr(name), args.positional, args, opts, resolve);
    if (args.keywords['wantlist'] === true) return values;
    // Ansible joins string results with commas; a single non-string result is returned as is.
    if (values.every((v) => typeof v === 'string')) return values.join(',');
    return values.length === 1 ? values[0] : values;
  }
  function query(this: NjContext, name: unknown, ...raw: unknown[]): unknown {
    const args = new Args(raw);
    return runLookup(this, pyStr(name), args.positional, args, opts, resolve);
  }
  function dict(...raw: unknown[]): Record<string, unknown> {
    const args = new Args(raw);
    const out: Record<string, unknown> = {};
    const source = args.positional[0];
    if (isMapping(source)) Object.assign(out, source);
    else if (Array.isArray(source)) {
      for (const pair of source) {
        if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('dict() needs a list of [key, value] pairs');
        out[pyStr(pair[0])] = pair[1];
      }
    }
    return Object.assign(out, args.keywords);
  }
  env.addGlobal('lookup', lookup);
  env.addGlobal('query', query);
  env.addGlobal('q', query);
  env.addGlobal('dict', dict);
}
