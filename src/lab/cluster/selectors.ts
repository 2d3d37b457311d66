// Field and label selectors as list and watch take them (`a=b,c!=d`; labels also `k`, `!k`), as
// predicates over objects (pure).

import { ApiError } from './api-error.js';
import type { KubeObject } from './store.js';

export type Predicate = (o: KubeObject) => boolean;

function fieldValue(o: KubeObject, path: string): string {
  let v: unknown = o;
  for (const part of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  return v === undefined || v === null ? '' : String(v);
}

function terms(selector: string, kind: string): Array<{ key: string; op: '=' | '!=' | 'exists' | '!exists'; value: string }> {
  return selector
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(t);
      if (m?.[1] !== undefined) return { key: m[1].trim(), op: m[2] === '!=' ? ('!=' as const) : ('=' as const), value: (m[3] ?? '').trim() };
      if (kind === 'label' && /^!?[A-Za-z0-9./_-]+$/.test(t)) return t.startsWith('!') ? { key: t.slice(1), op: '!exists' as const, value: '' } : { key: t, op: 'exists' as const, value: '' };
      throw new ApiError(400, 'BadRequest', `unable to parse requirement: invalid ${kind} selector "${t}"`);
    });
}

export function fieldSelector(selector: string | null | undefined): Predicate {
  if (!selector) return () => true;
  const ts = terms(selector, 'field');
  return (o) => ts.every((t) => (t.op === '=' ? fieldValue(o, t.key) === t.value : fieldValue(o, t.key) !== t.value));
}

export function labelSelector(selector: string | null | undefined): Predicate {
  if (!selector) return () => true;
  const ts = terms(selector, 'label');
  return (o) =>
    ts.every((t) => {
      const labels = o.metadata.labels ?? {};
      const has = Object.hasOwn(labels, t.key);
      if (t.op === 'exists') return has;
      if (t.op === '!exists') return !has;
      return t.op === '=' ? labels[t.key] === t.value : labels[t.key] !== t.value;
    });
}
