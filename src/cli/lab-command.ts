// `fleetboot lab up|down|status|hosts`: the embedded lab of simulated hosts on loopback.

import type { CommandModule } from 'yargs';
import { resolve } from 'node:path';
import { ExitCode, OptionsError } from '../core/errors.js';
import { archSpecTotal, parseArchSpec } from '../lab/arch.js';
import { labDown, labHosts, labStatus, labUp } from '../lab/control.js';
import { positiveInt } from './options.js';

interface LabArgs {
  action: 'up' | 'down' | 'status' | 'hosts';
  hosts?: number;
  arch?: string;
  'mirror-port'?: number;
  'install-ms'?: number;
  'installer-ca'?: string;
  dir: string;
  faults?: string;
  port?: number;
  bmc: boolean;
  'bmc-port'?: number;
  'bmc-profiles'?: string;
  'bmc-media-rate'?: number;
  cluster: boolean;
  'cluster-port'?: number;
  'cluster-arch'?: 'multi' | 'single';
}

export const DEFAULT_LAB_DIR = '.fleetboot/lab';
const DEFAULT_HOSTS = 8;

/** --hosts, or the sum of --arch's counts when only those are given. */
function hostCount(hosts: number | undefined, arch: string | undefined): number {
  if (hosts !== undefined) return positiveInt('--hosts', hosts);
  if (arch === undefined) return DEFAULT_HOSTS;
  try {
    return archSpecTotal(parseArchSpec(arch)) ?? DEFAULT_HOSTS;
  } catch (err) {
    throw new OptionsError(`--arch: ${(err as Error).message}`);
  }
}

export function labCommand(setCode: (c: number) => void): CommandModule<object, LabArgs> {
  return {
    command: 'lab <action>',
    describe: 'start, stop or show the lab of simulated hosts on 127.x.y.z (hosts: their disks and installs)',
    builder: (y) =>
      y
        .positional('action', { choices: ['up', 'down', 'status', 'hosts'] as const, demandOption: true })
        .option('hosts', { alias: 'n', type: 'number', describe: `up: how many hosts (default ${DEFAULT_HOSTS}, or the sum of --arch counts)` })
        .option('arch', { type: 'string', describe: 'up: aarch64=15,x86_64=5, or one architecture for all (default: about 3/4 aarch64)' })
        .option('mirror-port', { type: 'number', describe: 'up: HTTP port of the lab mirror on 127.10.0.254 (default: a free port; the inventory names it)' })
        .option('install-ms', { type: 'number', describe: 'up: how long coreos-installer takes to write the image, in ms (default 300)' })
        .option('installer-ca', { type: 'string', describe: 'up: a PEM CA file the hosts trust for HTTPS Ignition URLs (e.g. the artifact server`s)' })
        .option('dir', { type: 'string', default: DEFAULT_LAB_DIR, describe: 'the lab directory (inventory, keys, state)' })
        .option('faults', { type: 'string', describe: 'up: a YAML file of faults per host' })
        .option('port', { type: 'number', describe: 'up: SSH port of every host (default 2222; 0 picks a free port)' })
        .option('bmc', { type: 'boolean', default: true, describe: 'up: a simulated Redfish BMC per host (--no-bmc: none)' })
        .option('bmc-port', { type: 'number', describe: 'up: HTTPS port of every BMC (default 8443; 0 picks a free port)' })
        .option('bmc-media-rate', { type: 'number', describe: 'up: how fast a BMC reads its virtual CD image at boot, bytes/s (default 52428800, 50 MiB/s; 0: unpaced)' })
        .option('cluster', { type: 'boolean', default: true, describe: 'up: a simulated Kubernetes API on 127.10.0.253, with DIR/kubeconfig (--no-cluster: none)' })
        .option('cluster-port', { type: 'number', describe: 'up: HTTPS port of the cluster API (default: a free port; the kubeconfig names it)' })
        .option('cluster-arch', { choices: ['multi', 'single'] as const, describe: 'up: the payload ClusterVersion reports: multi-architecture (default) or single' })
        .option('bmc-profiles', { type: 'string', describe: 'up: generic (default), mixed, a profile (dell, hpe, supermicro, lenovo, openbmc, ami-ampere) or a comma list' }) as never,
    handler: async (args) => {
      const dir = resolve(args.dir);
      if (args.action === 'up') {
        const state = await labUp({
          hosts: hostCount(args.hosts, args.arch),
          dir,
          ...(args.arch !== undefined ? { arch: args.arch } : {}),
          ...(args['mirror-port'] !== undefined ? { mirrorPort: args['mirror-port'] } : {}),
          ...(args['install-ms'] !== undefined ? { installMs: args['install-ms'] } : {}),
          ...(args['installer-ca'] !== undefined ? { installerCa: resolve(args['installer-ca']) } : {}),
          ...(args.faults ? { faults: resolve(args.faults) } : {}),
          ...(args.port !== undefined ? { port: args.port } : {}),
          bmc: args.bmc,
          ...(args['bmc-port'] !== undefined ? { bmcPort: args['bmc-port'] } : {}),
          ...(args['bmc-profiles'] !== undefined ? { bmcProfiles: args['bmc-profiles'] } : {}),
          ...(args['bmc-media-rate'] !== undefined ? { bmcMediaRate: args['bmc-media-rate'] } : {}),
          cluster: args.cluster,
          ...(args['cluster-port'] !== undefined ? { clusterPort: args['cluster-port'] } : {}),
          ...(args['cluster-arch'] !== undefined ? { clusterArch: args['cluster-arch'] } : {}),
        });
        const arches = [...new Set(state.hosts.map((h) => h.arch))].map((a) => `${state.hosts.filter((h) => h.arch === a).length} ${a}`).join(', ');
        process.stdout.write(`lab up: ${state.hosts.length} hosts (${arches}), inventory ${dir}/inventory.yml\n`);
        if (state.mirror) process.stdout.write(`mirror: ${state.mirror.streamUrl}\n`);
        if (state.cluster) process.stdout.write(`cluster: ${state.cluster.url} (${state.cluster.arch}), kubeconfig ${state.cluster.kubeconfig}\n`);
        process.stdout.write(`try: fleetboot run playbooks/site.yml -i ${dir}/inventory.yml -i inventory/lab\n`);
      } else if (args.action === 'down') {
        await labDown(dir);
        process.stdout.write(`lab down: ${dir}\n`);
      } else if (args.action === 'hosts') {
        process.stdout.write(JSON.stringify(await labHosts(dir), null, 2) + '\n');
      } else {
        const status = await labStatus(dir);
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
      }
      setCode(ExitCode.OK);
    },
  };
}
