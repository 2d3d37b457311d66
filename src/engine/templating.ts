// What the engine needs from the template engine (implemented in src/playbook/template.ts).

import type { SourcePos } from '../core/errors.js';

export type Vars = Record<string, unknown>;

export interface TemplateEngine {
  render(value: unknown, vars: Vars, where?: SourcePos): unknown;
  renderString(template: string, vars: Vars, where?: SourcePos): string;
  evaluate(expression: string, vars: Vars, where?: SourcePos): unknown;
  isTrue(conditions: string[] | undefined, vars: Vars, where?: SourcePos): boolean;
  /** Throws on a syntax error or an unknown filter/test in any template of `value`, without rendering. */
  checkTemplates(value: unknown, where?: SourcePos): void;
  /** The same for a bare expression (`when:`, `until:`, assert's `that:`). */
  checkExpression(expression: string, where?: SourcePos): void;
}
