// `fleetboot lab up|down|status`: the embedded lab of simulated hosts on loopback.

import type { CommandModule } from 'yargs';
import { resolve } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { labDown, labStatus, labUp } from '../lab/control.js';
import { positiveInt } from './options.js';

interface LabArgs {
  action: 'up' | 'down' | 'status';
  hosts: number;
  dir: string;
  faults?: string;
  port?: number;
  bmc: boolean;
  'bmc-port'?: number;
  'bmc-profiles'?: string;
}

export const DEFAULT_LAB_DIR = '.fleetboot/lab';

export function labCommand(setCode: (c: number) => void): CommandModule<object, LabArgs> {
  return {
    command: 'lab <action>',
    describe: 'start, stop or show the lab of simulated hosts on 127.x.y.z',
    builder: (y) =>
      y
        .positional('action', { choices: ['up', 'down', 'status'] as const, demandOption: true })
        .option('hosts', { alias: 'n', type: 'number', default: 8, describe: 'up: how many hosts' })
        .option('dir', { type: 'string', default: DEFAULT_LAB_DIR, describe: 'the lab directory (inventory, keys, state)' })
        .option('faults', { type: 'string', describe: 'up: a YAML file of faults per host' })
        .option('port', { type: 'number', describe: 'up: SSH port of every host (default 2222; 0 picks a free port)' })
        .option('bmc', { type: 'boolean', default: true, describe: 'up: a simulated Redfish BMC per host (--no-bmc: none)' })
        .option('bmc-port', { type: 'number', describe: 'up: HTTPS port of every BMC (default 8443; 0 picks a free port)' })
        .option('bmc-profiles', { type: 'string', describe: 'up: generic (default), mixed, a profile (dell, hpe, supermicro, lenovo, openbmc, ami-ampere) or a comma list' }) as never,
    handler: async (args) => {
      const dir = resolve(args.dir);
      if (args.action === 'up') {
        const state = await labUp({
          hosts: positiveInt('--hosts', args.hosts),
          dir,
          ...(args.faults ? { faults: resolve(args.faults) } : {}),
          ...(args.port !== undefined ? { port: args.port } : {}),
          bmc: args.bmc,
          ...(args['bmc-port'] !== undefined ? { bmcPort: args['bmc-port'] } : {}),
          ...(args['bmc-profiles'] !== undefined ? { bmcProfiles: args['bmc-profiles'] } : {}),
        });
        process.stdout.write(`lab up: ${state.hosts.length} hosts, inventory ${dir}/inventory.yml\n`);
        process.stdout.write(`try: fleetboot run playbooks/site.yml -i ${dir}/inventory.yml -i inventory/lab\n`);
      } else if (args.action === 'down') {
        await labDown(dir);
        process.stdout.write(`lab down: ${dir}\n`);
      } else {
        const status = await labStatus(dir);
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
      }
      setCode(ExitCode.OK);
    },
  };
}
