// ansible.builtin.set_fact: sets host variables for the rest of the run.

import type { ModuleSpec } from './contract.js';

export const setFactModule: ModuleSpec<Record<string, unknown>> = {
  name: 'set_fact',
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    minProperties: 1,
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  },
  async run(args) {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (k !== 'cacheable') facts[k] = v;
    return { changed: false, failed: false, ansible_facts: facts };
  },
};
