// ansible.builtin.assert: fails the host unless every condition holds.

import { truthy } from '../playbook/py-values.js';
import type { ModuleSpec } from './contract.js';

export interface AssertArgs {
  that: string | boolean | (string | boolean)[];
  fail_msg?: string;
  msg?: string;
  success_msg?: string;
  quiet?: boolean;
}

export const assertModule: ModuleSpec<AssertArgs> = {
  name: 'assert',
  local: true,
  supportsCheck: true,
  expressionArgs: ['that'],
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['that'],
    properties: {
      that: { anyOf: [{ type: ['string', 'boolean'] }, { type: 'array', items: { type: ['string', 'boolean'] }, minItems: 1 }] },
      fail_msg: { type: 'string' },
      msg: { type: 'string' },
      success_msg: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  },
  async run(args, ctx) {
    const conditions = Array.isArray(args.that) ? args.that : [args.that];
    for (const condition of conditions) {
      // Jinja2's truth, not JavaScript's: an empty list or dict is false.
      const ok = typeof condition === 'boolean' ? condition : truthy(ctx.evaluate(condition));
      if (!ok) {
        return {
          changed: false,
          failed: true,
          assertion: condition,
          evaluated_to: false,
          msg: args.fail_msg ?? args.msg ?? 'Assertion failed',
        };
      }
    }
    return { changed: false, failed: false, msg: args.quiet ? undefined : (args.success_msg ?? 'All assertions passed') };
  },
};
