// ansible.builtin.command: runs a program with arguments, without shell processing.

import { ModuleFailure, type ModuleSpec } from './contract.js';
import { joinArgv, splitWords } from './command-line.js';
import { runRemote, type CommandGuards } from './run-command.js';

export interface CommandArgs extends CommandGuards {
  cmd?: string;
  argv?: string[];
}

export const guardProperties = {
  chdir: { type: 'string' },
  creates: { type: 'string' },
  removes: { type: 'string' },
  stdin: { type: 'string' },
  stdin_add_newline: { type: 'boolean' },
} as const;

export const commandModule: ModuleSpec<CommandArgs> = {
  name: 'command',
  freeForm: 'cmd',
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { cmd: { type: 'string' }, argv: { type: 'array', items: { type: 'string' }, minItems: 1 }, ...guardProperties },
    oneOf: [{ required: ['cmd'] }, { required: ['argv'] }],
  },
  async run(args, ctx) {
    let argv: string[];
    try {
      argv = args.argv ?? splitWords(args.cmd ?? '');
    } catch (err) {
      throw new ModuleFailure((err as Error).message);
    }
    if (argv.length === 0) throw new ModuleFailure('no command given');
    return runRemote(joinArgv(argv), args.argv ?? args.cmd ?? '', args, ctx);
  },
};
