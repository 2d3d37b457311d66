// ansible.builtin.fail: fails the host with a message.

import type { ModuleSpec } from './contract.js';

export const failModule: ModuleSpec<{ msg?: string }> = {
  name: 'fail',
  local: true,
  supportsCheck: true,
  argsSchema: { type: 'object', additionalProperties: false, properties: { msg: { type: 'string' } } },
  async run(args) {
    return { changed: false, failed: true, msg: args.msg ?? 'Failed as requested from task' };
  },
};
