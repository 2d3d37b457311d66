// `fleetboot inventory list|graph|validate`: ansible-inventory's job, with the same JSON.

import type { CommandModule } from 'yargs';
import { ExitCode } from '../core/errors.js';
import { inventorySources } from './options.js';
import { loadInventoryForCli, validateInventory } from './wiring.js';

interface InventoryArgs {
  action: 'list' | 'graph' | 'validate';
  inventory?: string[];
  limit?: string;
  json: boolean;
  vars: boolean;
  group?: string;
}

export function inventoryCommand(setCode: (c: number) => void): CommandModule<object, InventoryArgs> {
  return {
    command: 'inventory <action> [group]',
    describe: 'show or check an inventory (ansible-inventory)',
    builder: (y) =>
      y
        .positional('action', { choices: ['list', 'graph', 'validate'] as const, demandOption: true })
        .positional('group', { type: 'string', describe: 'graph: the group to start from (default all)' })
        .option('inventory', { alias: 'i', type: 'string', array: true, describe: 'inventory file or directory (repeatable)' })
        .option('limit', { alias: 'l', type: 'string', describe: 'only hosts matching this pattern, or @FILE' })
        .option('json', { type: 'boolean', default: true, describe: 'list: JSON as `ansible-inventory --list` prints it' })
        .option('vars', { type: 'boolean', default: false, describe: 'graph: show variables' }) as never,
    handler: async (args) => {
      const sources = inventorySources(args.inventory);
      if (args.action === 'validate') {
        const v = await validateInventory(sources);
        for (const w of v.warnings) process.stderr.write(`[WARNING]: ${w}\n`);
        for (const e of v.errors) process.stderr.write(`ERROR! ${e.message}\n`);
        if (v.errors.length > 0) return setCode(ExitCode.PARSE_ERROR);
        process.stdout.write(`inventory ok: ${v.hosts} hosts in ${v.groups} groups (${sources.join(', ')})\n`);
        return setCode(ExitCode.OK);
      }
      const inv = await loadInventoryForCli(sources, args.limit);
      switch (args.action) {
        case 'list':
          process.stdout.write(inv.listText());
          break;
        case 'graph':
          process.stdout.write(inv.graph(args.group, args.vars));
          break;
      }
      setCode(ExitCode.OK);
    },
  };
}
