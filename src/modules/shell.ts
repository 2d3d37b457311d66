// ansible.builtin.shell: runs a command line through a shell (pipes, redirections, variables).

import type { ModuleSpec } from './contract.js';
import { shellQuote } from './command-line.js';
import { guardProperties } from './command.js';
import { runRemote, type CommandGuards } from './run-command.js';

export interface ShellArgs extends CommandGuards {
  cmd: string;
  executable?: string;
}

export const shellModule: ModuleSpec<ShellArgs> = {
  name: 'shell',
  freeForm: 'cmd',
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['cmd'],
    properties: { cmd: { type: 'string', minLength: 1 }, executable: { type: 'string' }, ...guardProperties },
  },
  async run(args, ctx) {
    // Ansible runs shell commands with /bin/sh unless told otherwise; so do we, explicitly,
    // rather than relying on the remote user's login shell.
    const sh = args.executable ?? '/bin/sh';
    return runRemote(`${shellQuote(sh)} -c ${shellQuote(args.cmd)}`, args.cmd, args, ctx);
  },
};
