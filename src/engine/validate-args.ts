// Module arguments checked against the module's JSON Schema: once at plan time (before any host
// is touched; templated values are checked when they are rendered), and again per host after
// rendering.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ModuleSpec } from '../modules/contract.js';
import { suggest } from '../playbook/suggest.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validator(spec: ModuleSpec<Record<string, unknown>>): ValidateFunction {
  let v = compiled.get(spec.argsSchema);
  if (!v) {
    v = ajv.compile(spec.argsSchema);
    compiled.set(spec.argsSchema, v);
  }
  return v;
}

export interface ArgProblem {
  /** The argument concerned, when there is one. */
  arg?: string;
  message: string;
}

export function isTemplated(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') || value.includes('{%');
  if (Array.isArray(value)) return value.some(isTemplated);
  if (value && typeof value === 'object') return Object.values(value).some(isTemplated);
  return false;
}

/** Problems with arguments as written; values still to be templated are only checked by name. */
export function checkArgsStatically(spec: ModuleSpec<Record<string, unknown>>, args: Record<string, unknown>): ArgProblem[] {
  const templated = Object.keys(args).filter((k) => isTemplated(args[k]));
  const concrete: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (!templated.includes(k)) concrete[k] = v;
  const v = validator(spec);
  if (v(concrete)) return [];
  const problems = describe(v.errors ?? [], spec);
  if (templated.length === 0) return problems;
  // With some values not yet known, only errors about concrete arguments are certain.
  return problems.filter((p) => p.arg !== undefined && !templated.includes(p.arg) && !/required|exactly one/.test(p.message));
}

/** The first problem with fully rendered arguments, as one line, or undefined when valid. */
export function validateArgs(spec: ModuleSpec<Record<string, unknown>>, args: Record<string, unknown>): string | undefined {
  const v = validator(spec);
  if (v(args)) return undefined;
  const p = describe(v.errors ?? [], spec)[0];
  return p ? (p.arg ? `${p.arg}: ${p.message}` : p.message) : 'invalid arguments';
}

function describe(errors: ErrorObject[], spec: ModuleSpec<Record<string, unknown>>): ArgProblem[] {
  const known = Object.keys((spec.argsSchema.properties as Record<string, unknown> | undefined) ?? {});
  const out: ArgProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let p: ArgProblem;
    const top = e.instancePath.split('/')[1];
    if (e.keyword === 'additionalProperties') {
      const arg = String((e.params as { additionalProperty: string }).additionalProperty);
      const hint = suggest(arg, known);
      p = { arg, message: `unsupported argument${hint ? ` (did you mean '${hint}'?)` : ''}; ${spec.name} takes ${known.join(', ')}` };
    } else if (e.keyword === 'required' && e.instancePath === '') {
      p = { message: `missing required argument '${(e.params as { missingProperty: string }).missingProperty}'` };
    } else if ((e.keyword === 'oneOf' || e.keyword === 'anyOf') && e.instancePath === '') {
      const alternatives = oneOfChoices(spec);
      p = { message: alternatives ? `needs exactly one of ${alternatives}` : 'arguments do not match any accepted form' };
    } else if (e.keyword === 'not' && e.instancePath === '') {
      p = { message: 'arguments are mutually exclusive' };
    } else if (e.keyword === 'required' && e.instancePath !== '' && errors.some((o) => o.keyword === 'oneOf')) {
      continue;
    } else {
      p = top ? { arg: decodeURIComponent(top), message: e.message ?? 'is invalid' } : { message: e.message ?? 'is invalid' };
    }
    const key = `${p.arg ?? ''}|${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  // A misspelled argument explains the rest (a `dset` is why `dest` is missing): it comes first.
  out.sort((a, b) => Number(b.message.startsWith('unsupported argument')) - Number(a.message.startsWith('unsupported argument')));
  // A oneOf failure is explained better by its own line than by its branches' `required` lines.
  if (out.some((p) => p.message.startsWith('needs exactly one of'))) return out.filter((p) => !p.message.startsWith('missing required argument') || !oneOfChoices(spec)?.includes(p.message.split("'")[1]!));
  return out;
}

function oneOfChoices(spec: ModuleSpec<Record<string, unknown>>): string | undefined {
  const branches = spec.argsSchema.oneOf as { required?: string[] }[] | undefined;
  if (!branches) return undefined;
  return branches.map((b) => (b.required ?? []).join('+')).join(' or ');
}
