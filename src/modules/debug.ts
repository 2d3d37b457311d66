// ansible.builtin.debug: shows a message or a variable's value.

import type { ModuleSpec } from './contract.js';

export interface DebugArgs {
  msg?: unknown;
  var?: string;
  verbosity?: number;
}

export const debugModule: ModuleSpec<DebugArgs> = {
  name: 'debug',
  local: true,
  supportsCheck: true,
  expressionArgs: ['var'],
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { msg: {}, var: { type: 'string', minLength: 1 }, verbosity: { type: 'integer', minimum: 0 } },
    not: { required: ['msg', 'var'] },
  },
  async run(args, ctx) {
    // Shown only from that many -v on, as Ansible does; the run's level is `ansible_verbosity`.
    const level = Number(ctx.vars.ansible_verbosity ?? 0);
    if (args.verbosity !== undefined && args.verbosity > (Number.isFinite(level) ? level : 0)) {
      return { changed: false, failed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' };
    }
    if (args.var !== undefined) {
      let value: unknown;
      try {
        value = ctx.evaluate(args.var);
      } catch {
        value = 'VARIABLE IS NOT DEFINED!';
      }
      return { changed: false, failed: false, [args.var]: value };
    }
    const msg = args.msg ?? 'Hello world!';
    // Results carry text; a structured message is shown as JSON, as Ansible displays it.
    return { changed: false, failed: false, msg: typeof msg === 'string' ? msg : JSON.stringify(msg, null, 2) };
  },
};
