// Runs the inventory schemas (ajv) and turns each failure into one ParseError line:
// `file:line:col: all.children.arm.hosts.arm-01.ansible_port: must be an integer from 1 to 65535`.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ParseError, type SourcePos } from '../core/errors.js';
import { closest } from './did-you-mean.js';
import { GROUP_VARS_SCHEMA, VARS_SCHEMA, YAML_INVENTORY_SCHEMA } from './schema.js';

/** Where the value (or, for a misspelled key, the key) at a path of keys sits in its file. */
export type Locate = (segments: string[], key: boolean) => SourcePos;

let compiled: { inventory: ValidateFunction; vars: ValidateFunction; groupVars: ValidateFunction } | undefined;

function validators(): NonNullable<typeof compiled> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, allowMatchingProperties: true });
    ajv.addKeyword({ keyword: 'message', schemaType: 'string' });
    compiled = {
      inventory: ajv.compile(YAML_INVENTORY_SCHEMA),
      vars: ajv.compile(VARS_SCHEMA),
      groupVars: ajv.compile(GROUP_VARS_SCHEMA),
    };
  }
  return compiled;
}

export type SchemaName = 'inventory' | 'vars' | 'groupVars';

/**
 * Validates `value` against one of the inventory schemas. `prefix` is the field path of `value`
 * itself (empty for a whole file).
 */
export function validateValue(schema: SchemaName, value: unknown, locate: Locate, prefix: string[] = []): ParseError[] {
  const validate = validators()[schema];
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: ParseError[] = [];
  for (const err of validate.errors ?? []) {
    if (err.keyword === 'if') continue;
    const problem = describe(err);
    const segments = [...pointerSegments(err.instancePath), ...(problem.extra ? [problem.extra] : [])];
    const field = fieldPath([...prefix, ...segments], value, prefix.length);
    if (seen.has(field)) continue;
    seen.add(field);
    out.push(new ParseError(locate(segments, problem.extra !== undefined), field, problem.message));
  }
  return out.sort(byPosition);
}

export function byPosition(a: ParseError, b: ParseError): number {
  const pa = a.pos;
  const pb = b.pos;
  if (!pa || !pb) return 0;
  if (pa.file !== pb.file) return pa.file < pb.file ? -1 : 1;
  return pa.line - pb.line || pa.col - pb.col;
}

function describe(err: ErrorObject): { message: string; extra?: string } {
  const parent = (err.parentSchema ?? {}) as { message?: unknown; properties?: Record<string, unknown> };
  if (err.keyword === 'additionalProperties') {
    const key = String((err.params as { additionalProperty?: unknown }).additionalProperty);
    const allowed = Object.keys(parent.properties ?? {}).filter((k) => k !== 'password');
    const guess = closest(key, allowed);
    const hint = guess ? `did you mean '${guess}'? ` : '';
    return { message: `unknown key '${key}' (${hint}allowed: ${allowed.join(', ')})`, extra: key };
  }
  if (err.keyword === 'required') {
    const missing = String((err.params as { missingProperty?: unknown }).missingProperty);
    return { message: `must have '${missing}'` };
  }
  if (typeof parent.message === 'string') return { message: parent.message };
  return { message: err.message ?? 'is not valid' };
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `all.children.arm.hosts.arm-01.ansible_port`, with `[i]` for list items. */
function fieldPath(segments: string[], value: unknown, skip: number): string {
  let out = segments.slice(0, skip).join('.');
  let cur: unknown = value;
  for (const seg of segments.slice(skip)) {
    if (Array.isArray(cur)) {
      out += `[${seg}]`;
      cur = cur[Number(seg)];
    } else {
      out = out ? `${out}.${seg}` : seg;
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}
