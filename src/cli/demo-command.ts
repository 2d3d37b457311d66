// `fleetboot demo` (what `npm start` runs): bring the lab up, provision it with the shipped
// playbook (playbooks/provision-iso.yml) and inventory, show the recap, bring the lab down.

import type { CommandModule } from 'yargs';
import { join, resolve } from 'node:path';
import { labDown, labStatus, labUp } from '../lab/control.js';
import { DEFAULT_FORKS, run } from './run-command.js';
import { positiveInt } from './options.js';
import { packageRoot } from './version.js';
import { createKubeClient } from '../cluster/kube-client.js';
import { loadKubeconfig } from '../cluster/kubeconfig.js';
import { errorMessage } from '../core/errors.js';
import { formatNodesTable } from '../output/nodes-table.js';

interface DemoArgs {
  hosts: number;
  dir: string;
  json: boolean;
  verbose: number;
}

/** The lab cluster's Nodes as kubectl shows them: the end of every host's story. */
async function labNodes(kubeconfig: string): Promise<string> {
  try {
    const client = await createKubeClient(loadKubeconfig({ kubeconfig }).kubeConfig);
    try {
      const nodes = await client.list('nodes');
      return `\nNodes of the lab cluster (kubectl --kubeconfig ${kubeconfig} get nodes):\n${formatNodesTable(nodes.items)}`;
    } finally {
      client.close();
    }
  } catch (err) {
    return `\n[WARNING]: could not list the lab cluster's Nodes: ${errorMessage(err)}\n`;
  }
}

export function demoCommand(setCode: (c: number) => void): CommandModule<object, DemoArgs> {
  return {
    command: 'demo',
    describe: 'start the lab, install its hosts with playbooks/provision-iso.yml, stop the lab (npm start)',
    builder: (y) =>
      y
        .option('hosts', { alias: 'n', type: 'number', default: 24, describe: 'how many simulated hosts' })
        .option('dir', { type: 'string', default: '.fleetboot/demo-lab', describe: 'the lab directory' })
        .option('json', { type: 'boolean', default: false })
        .option('verbose', { alias: 'v', type: 'count' }) as never,
    handler: async (args) => {
      const root = packageRoot();
      const dir = resolve(args.dir);
      if ((await labStatus(dir)).up) await labDown(dir);
      process.stdout.write(`Starting a lab of ${args.hosts} simulated hosts (SSH, a Redfish BMC each, aarch64 and x86_64) in ${dir} ...\n`);
      // Any free port: never collide with another lab.
      await labUp({ hosts: positiveInt('--hosts', args.hosts), dir, port: 0, bmcPort: 0 });
      try {
        setCode(
          await run({
            playbook: join(root, 'playbooks', 'provision-iso.yml'),
            inventory: [join(dir, 'inventory.yml'), join(root, 'inventory', 'lab')],
            forks: DEFAULT_FORKS,
            'list-hosts': false,
            'list-tasks': false,
            check: false,
            json: args.json,
            verbose: args.verbose ?? 0,
            'retry-file': false,
          }),
        );
        if (!args.json) process.stdout.write(await labNodes(join(dir, 'kubeconfig')));
      } finally {
        await labDown(dir);
        process.stdout.write(`Lab stopped. Run logs and journal: .fleetboot/runs/ (newest last).\n`);
      }
    },
  };
}
