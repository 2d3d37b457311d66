// Arguments of filters, tests and lookups as nunjucks passes them: positional values, then
// keyword arguments (`map(attribute='x')`) as a last object marked `__keywords`.

import type { NjContext } from './nunjucks-internals.js';
import { JinjaUndefined, UndefinedError } from './jinja-runtime.js';

export class Args {
  readonly positional: unknown[];
  readonly keywords: Record<string, unknown>;

  constructor(raw: unknown[]) {
    const last = raw[raw.length - 1];
    if (typeof last === 'object' && last !== null && Object.hasOwn(last, '__keywords')) {
      const { __keywords: _marker, ...kw } = last as Record<string, unknown>;
      this.positional = raw.slice(0, -1);
      this.keywords = kw;
    } else {
      this.positional = raw;
      this.keywords = {};
    }
  }

  /** The argument at `index`, or the keyword `name`, or `dflt`. */
  get(index: number, name: string, dflt?: unknown): unknown {
    if (index < this.positional.length) return this.positional[index];
    if (Object.hasOwn(this.keywords, name)) return this.keywords[name];
    return dflt;
  }

  bool(index: number, name: string, dflt = false): boolean {
    const v = this.get(index, name, dflt);
    return v === true || (typeof v === 'string' && ['true', 'yes', '1'].includes(v.toLowerCase())) || v === 1;
  }

  /** Positional arguments from `index` on. */
  rest(index: number): unknown[] {
    return this.positional.slice(index);
  }
}

export type FilterImpl = (this: NjContext, value: unknown, args: Args) => unknown;

/** Wraps an implementation as the variadic function nunjucks calls. */
export function filterFn(impl: FilterImpl): (this: NjContext, ...raw: unknown[]) => unknown {
  return function (this: NjContext, value: unknown, ...raw: unknown[]): unknown {
    return impl.call(this, value, new Args(raw));
  };
}

/** Fails like Jinja2's StrictUndefined when a filter is given an undefined value. */
export function defined(v: unknown): unknown {
  if (v instanceof JinjaUndefined) throw new UndefinedError(v.reason);
  if (v === undefined) throw new UndefinedError('value is undefined');
  return v;
}
