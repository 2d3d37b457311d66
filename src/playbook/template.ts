// The Templar: renders playbook values with Jinja2 semantics as Ansible has them (through
// nunjucks, see jinja-compile.ts). Compiled templates are cached by their text, so the same
// `when:` on 1,000 hosts compiles once. Variables whose values are templates are rendered
// when a template uses them, as Ansible does. checkTemplates/checkExpression check syntax and
// filter, test and lookup names without rendering, so the planner can reject a playbook
// before any host is touched.

import { ExitCode, FleetbootError, formatPos, type SourcePos } from '../core/errors.js';
import { compileJinja, type CompiledTemplate } from './jinja-compile.js';
import { findFilter, findTest, JinjaRuntime, UndefinedError } from './jinja-runtime.js';
import { registerFilters } from './filters.js';
import { registerLookups, unknownLookup, type LookupOptions } from './lookups.js';
import { nunjucks, type NjEnvironment } from './nunjucks-internals.js';
import { isMapping, PyFloat, plainNumbers, truthy } from './py-values.js';
import { registerTests } from './tests.js';
import type { Vars } from './types.js';

/** What `{{ omit }}` renders to; removeOmitted() drops arguments set to it. */
export const OMIT = '__omit_place_holder__fleetboot__';

const MAX_CACHED = 20_000;
const MAX_SHOWN = 160;

/** A template failed to render: says where, which template, and why. Exit 1 at run time. */
export class TemplateError extends FleetbootError {
  constructor(
    readonly where: SourcePos | undefined,
    readonly template: string,
    readonly reason: string,
  ) {
    super(`${where ? `${formatPos(where)}: ` : ''}template error in ${show(template)}: ${reason}`, ExitCode.ERROR);
  }
}

function show(template: string): string {
  const one = JSON.stringify(template).slice(1, -1).replace(/\\"/g, '"');
  return `'${one.length > MAX_SHOWN ? `${one.slice(0, MAX_SHOWN)}…` : one}'`;
}

/** True when `s` has Jinja2 markup to render. */
export function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

/** Removes mapping keys and list items whose value is `{{ omit }}`, at any depth. */
export function removeOmitted<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(removeOmitted) as T;
  if (isMapping(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== OMIT) out[k] = removeOmitted(v);
    return out as T;
  }
  return value;
}

const unsafe = new WeakSet<object>();

/**
 * Marks data that must never be rendered as a template (a registered result whose stdout
 * happens to contain `{{`), as Ansible marks module output unsafe. Applies to nested objects.
 */
export function markUnsafe<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !unsafe.has(value)) {
    unsafe.add(value);
    for (const v of Object.values(value)) markUnsafe(v);
  }
  return value;
}

const BOOL_WORDS = new Map([
  ['true', true],
  ['yes', true],
  ['on', true],
  ['false', false],
  ['no', false],
  ['off', false],
]);

/** The underlying error of a nunjucks render error. */
function rootCause(err: unknown): unknown {
  let cur = err;
  while (cur instanceof Error && cur.name === 'Template render error' && cur.cause instanceof Error) cur = cur.cause;
  return cur;
}

function reasonOf(err: unknown): string {
  const cause = rootCause(err);
  const msg = cause instanceof Error ? cause.message : String(cause);
  // nunjucks prefixes its own errors with "(template) [Line 1, Column 2]\n  ".
  return msg.replace(/^\([^)]*\)(?: \[Line \d+(?:, Column \d+)?\])?\n\s*/, '').replace(/\s*\n\s*/g, ' ');
}

/**
 * A value leaving the Templar: whole floats made while computing it (`3.7 | round`) become
 * plain numbers, since only templates print them differently (4.0).
 */
function plain(fn: () => unknown): unknown {
  const before = PyFloat.made;
  const value = fn();
  return PyFloat.made === before ? value : plainNumbers(value);
}

/** Where in a multi-line template nunjucks' parser stopped (its positions are 1-based). */
function syntaxWhere(err: unknown, src: string): string {
  if (!src.includes('\n') || !(err instanceof Error) || !('lineno' in err) || typeof err.lineno !== 'number') return '';
  const column = 'colno' in err && typeof err.colno === 'number' ? `, column ${err.colno}` : '';
  return ` at line ${err.lineno}${column} of the template`;
}

function syntaxReason(err: unknown): string {
  // nunjucks' parser crashes rather than report some templates that end too early (`{{ a |`).
  if (err instanceof TypeError && /Cannot read properties of (null|undefined)/.test(err.message)) {
    return 'unexpected end of template (is a closing }}, %} or ) missing?)';
  }
  return reasonOf(err);
}

export type TemplarOptions = LookupOptions;

export class Templar {
  private readonly env: NjEnvironment;
  private readonly cache = new Map<string, CompiledTemplate>();
  private readonly templated = new WeakMap<object, boolean>();
  /** Variables being rendered right now, to catch `a: "{{ b }}"`, `b: "{{ a }}"`. */
  private readonly resolving: string[] = [];

  constructor(opts: TemplarOptions = {}) {
    const env = new nunjucks.Environment(null, { autoescape: false, dev: true }) as unknown as NjEnvironment;
    const runtime = new JinjaRuntime(env, {
      resolve: (value, vars, name) => this.resolveVariable(value, vars, name),
    });
    Object.assign(env, { fb: runtime });
    // nunjucks' built-in filters and tests differ from Jinja2's (`10 | random` is undefined):
    // only fleetboot's own exist, so any other name is an error.
    for (const name of Object.keys(env.filters)) delete env.filters[name];
    for (const name of Object.keys(env.tests)) delete env.tests[name];
    registerFilters(env);
    registerTests(env);
    registerLookups(env, opts, (value, vars, name) => this.resolveVariable(value, vars, name));
    env.addGlobal('omit', OMIT);
    this.env = env;
  }

  /**
   * Renders a value deeply: strings with `{{`/`{%` are rendered, mappings and lists walked.
   * A string that is exactly one `{{ expr }}` yields the expression's value (list, dict,
   * number, bool, None), as Ansible does.
   */
  render(value: unknown, vars: Vars, where?: SourcePos): unknown {
    if (typeof value === 'string') return this.guarded(value, where, () => plain(() => this.renderValue(value, vars)));
    if (!this.hasTemplates(value)) return value;
    if (Array.isArray(value)) return value.map((v) => this.render(v, vars, where));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = this.render(v, vars, where);
    return out;
  }

  /** Renders a string template to text. */
  renderString(s: string, vars: Vars, where?: SourcePos): string {
    if (!isTemplate(s)) return s;
    return this.guarded(s, where, () => String(this.compiled(s, false).render(vars)));
  }

  /** Evaluates a bare expression (as written in `when:`) to its value. */
  evaluate(expression: string, vars: Vars, where?: SourcePos): unknown {
    return this.guarded(expression, where, () => plain(() => this.evaluateRaw(expression, vars)));
  }

  /**
   * Checks every template in `value` (strings, deeply) without rendering: a syntax error, or a
   * filter, test or lookup plugin that does not exist, throws a TemplateError naming the
   * template. Variables are not checked: they exist only per host, at run time.
   */
  checkTemplates(value: unknown, where?: SourcePos): void {
    if (typeof value === 'string') {
      if (isTemplate(value)) this.guarded(value, where, () => this.checkNames(this.compiled(value, true)));
      return;
    }
    if (!this.hasTemplates(value)) return;
    for (const v of Object.values(value as object)) this.checkTemplates(v, where);
  }

  /** checkTemplates for a bare expression, as written in `when:`, `until:` or `that:`. */
  checkExpression(expression: string, where?: SourcePos): void {
    const text = expression.trim();
    if (BOOL_WORDS.has(text.toLowerCase())) return;
    if (isTemplate(text)) return this.checkTemplates(text, where);
    this.guarded(expression, where, () => this.checkNames(this.compiled(`{{ ${text} }}`, true)));
  }

  private checkNames(template: CompiledTemplate): void {
    for (const name of template.names.filters) findFilter(this.env, name);
    for (const name of template.names.tests) findTest(this.env, name);
    for (const name of template.names.lookups) {
      const why = unknownLookup(name);
      if (why !== undefined) throw new Error(why);
    }
  }

  /** True when every condition holds (Ansible's `when`, `failed_when`, `until`). */
  isTrue(conditions: readonly string[] | undefined, vars: Vars, where?: SourcePos): boolean {
    if (!conditions) return true;
    for (const condition of conditions) {
      const holds = this.guarded(condition, where, () => this.condition(condition, vars));
      if (!holds) return false;
    }
    return true;
  }

  private condition(condition: string, vars: Vars): boolean {
    const text = condition.trim();
    const word = BOOL_WORDS.get(text.toLowerCase());
    if (word !== undefined) return word;
    if (!isTemplate(text)) return truthy(this.evaluateRaw(text, vars));
    // `when: "{{ x }}"`: Ansible renders it, then evaluates a string result as an expression.
    const value = this.renderValue(text, vars);
    if (typeof value !== 'string') return truthy(value);
    const again = BOOL_WORDS.get(value.trim().toLowerCase());
    if (again !== undefined) return again;
    return value.trim() === '' ? false : truthy(this.evaluateRaw(value, vars));
  }

  private evaluateRaw(expression: string, vars: Vars): unknown {
    return this.compiled(`{{ ${expression} }}`, true).render(vars);
  }

  private renderValue(value: unknown, vars: Vars): unknown {
    if (typeof value === 'string') return isTemplate(value) ? this.compiled(value, true).render(vars) : value;
    if (!this.hasTemplates(value)) return value;
    if (Array.isArray(value)) return value.map((v) => this.renderValue(v, vars));
    if (isMapping(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.renderValue(v, vars);
      return out;
    }
    return value;
  }

  private hasTemplates(value: unknown): boolean {
    if (typeof value === 'string') return isTemplate(value);
    if (typeof value !== 'object' || value === null || unsafe.has(value)) return false;
    if (!Array.isArray(value) && !isMapping(value)) return false;
    const known = this.templated.get(value);
    if (known !== undefined) return known;
    const found = Object.values(value).some((v) => this.hasTemplates(v));
    this.templated.set(value, found);
    return found;
  }

  /** A variable's value as a template sees it: its own templates rendered. */
  private resolveVariable(value: unknown, vars: Vars, name: string): unknown {
    if (!this.hasTemplates(value)) return value;
    const seen = this.resolving.indexOf(name);
    if (seen >= 0) {
      const loop = [...this.resolving.slice(seen), name].join(' -> ');
      throw new Error(`recursive loop detected in template: ${loop}`);
    }
    this.resolving.push(name);
    try {
      return this.renderValue(value, vars);
    } catch (err) {
      // Name the innermost variable only: that is the one whose template needs fixing.
      const cause = reasonOf(err);
      const reason = /\(in variable '|recursive loop/.test(cause) ? cause : `${cause} (in variable '${name}')`;
      throw rootCause(err) instanceof UndefinedError ? new UndefinedError(reason) : new Error(reason);
    } finally {
      this.resolving.pop();
    }
  }

  /** How many compiled templates are cached (each distinct text compiles once). */
  get cachedTemplates(): number {
    return this.cache.size;
  }

  private compiled(src: string, allowNative: boolean): CompiledTemplate {
    const key = (allowNative ? 'n' : 's') + src;
    let hit = this.cache.get(key);
    if (!hit) {
      try {
        hit = compileJinja(src, this.env, allowNative);
      } catch (err) {
        throw new SyntaxError(`syntax error${syntaxWhere(err, src)}: ${syntaxReason(err)}`);
      }
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }

  private guarded<T>(template: string, where: SourcePos | undefined, fn: () => T): T {
    if (this.resolving.length > 0) return fn();
    try {
      return fn();
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw new TemplateError(where, template, reasonOf(err));
    }
  }
}
