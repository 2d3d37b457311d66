// Reading fields of a Redfish resource (after sushy's Field): required ones fail naming their
// JSON path, optional ones are undefined when absent; enum values are kept as the BMC sent them.

import { MissingFieldError } from './errors.js';

export type Json = Record<string, unknown>;

export function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(obj: Json, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isJson(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function optString(obj: Json, ...path: string[]): string | undefined {
  const v = at(obj, path);
  return typeof v === 'string' ? v : undefined;
}

export function reqString(resource: string, obj: Json, ...path: string[]): string {
  const v = at(obj, path);
  if (v === undefined || v === null) throw new MissingFieldError(resource, path.join('.'));
  if (typeof v !== 'string') throw new MissingFieldError(resource, path.join('.'), `is not a string`);
  return v;
}

export function optBool(obj: Json, ...path: string[]): boolean | undefined {
  const v = at(obj, path);
  return typeof v === 'boolean' ? v : undefined;
}

/** A list of strings; non-strings in it are dropped, a non-list is undefined. */
export function optStrings(obj: Json, ...path: string[]): string[] | undefined {
  const v = at(obj, path);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** `{ "@odata.id": ... }` at the path. */
export function optLink(obj: Json, ...path: string[]): string | undefined {
  const v = at(obj, path);
  return isJson(v) && typeof v['@odata.id'] === 'string' ? v['@odata.id'] : undefined;
}

export function optObject(obj: Json, ...path: string[]): Json | undefined {
  const v = at(obj, path);
  return isJson(v) ? v : undefined;
}

/** Member URIs of a collection; `Members` and each member's `@odata.id` are required. */
export function collectionMembers(resource: string, obj: Json): string[] {
  const members = obj.Members;
  if (!Array.isArray(members)) throw new MissingFieldError(resource, 'Members');
  return members.map((m, i) => {
    if (!isJson(m) || typeof m['@odata.id'] !== 'string') throw new MissingFieldError(resource, `Members[${i}].@odata.id`);
    return m['@odata.id'];
  });
}
