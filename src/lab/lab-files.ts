// What labUp writes for clients of the lab (pure): an Ansible YAML inventory, an OpenSSH
// known_hosts file and an ssh_config, all from lab.json and the key's path. (The cluster's
// kubeconfig is written by the daemon, which holds its tokens.)

import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LabHost } from './types.js';

export interface ClientPaths {
  privateKey: string;
  knownHosts: string;
  /** Where the BMC CA and passwords are (needed when hosts have a `bmc`). */
  bmcCa?: string;
  bmcPasswords?: string;
  /** The lab mirror's stream metadata URL, written as group var `coreos_stream_url`. */
  streamUrl?: string;
  /** The worker Ignition the lab's cluster would hand out, written as group var `worker_ignition_file`. */
  workerIgnition?: string;
  /** The lab cluster's kubeconfig, written as group var `fleetboot_kubeconfig`. */
  kubeconfig?: string;
}

/**
 * A worker Ignition of the shape OpenShift keeps in secret `worker-user-data-managed`: a pointer
 * that merges the machine config server's config, trusting its CA. (The lab has no machine config
 * server yet; an installed host only records the Ignition it was given.)
 */
export function renderWorkerIgnition(caPem: string | undefined): string {
  const security = caPem
    ? { tls: { certificateAuthorities: [{ source: `data:text/plain;charset=utf-8;base64,${Buffer.from(caPem).toString('base64')}` }] } }
    : undefined;
  const ignition = {
    config: { merge: [{ source: 'https://api-int.lab.fleetboot.test:22623/config/worker' }] },
    ...(security ? { security } : {}),
    version: '3.2.0',
  };
  return `${JSON.stringify({ ignition })}\n`;
}

interface InventoryBmc {
  address: string;
  port: number;
  user: string;
  password_file: string;
  ca_file: string;
}

/** `[addr]:port` as known_hosts and ssh want it (a bare address on port 22). */
export function hostPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

export function renderKnownHosts(hosts: readonly LabHost[]): string {
  return hosts.map((h) => `${hostPattern(h.address, h.port)} ${h.hostKey}\n`).join('');
}

/**
 * An inventory Ansible reads as is: one group `lab`, the connection settings shared by all
 * hosts as group vars, each host's address and port as host vars.
 */
export function renderInventory(hosts: readonly LabHost[], paths: ClientPaths): string {
  const entries: Record<string, { ansible_host: string; ansible_port: number; arch?: string; bmc?: InventoryBmc }> = {};
  for (const h of hosts) {
    // `arch` as a host var overrides the lab group's default (inventory/lab/group_vars).
    const arch = h.arch ? { arch: h.arch } : {};
    entries[h.name] = { ansible_host: h.address, ansible_port: h.port, ...arch };
    if (h.bmc && paths.bmcCa && paths.bmcPasswords) {
      entries[h.name] = {
        ansible_host: h.address,
        ansible_port: h.port,
        ...arch,
        bmc: { address: h.bmc.address, port: h.bmc.port, user: 'admin', password_file: join(paths.bmcPasswords, h.name), ca_file: paths.bmcCa },
      };
    }
  }
  const inventory = {
    all: {
      children: {
        lab: {
          vars: {
            ansible_user: 'core',
            ansible_ssh_private_key_file: paths.privateKey,
            fleetboot_known_hosts_file: paths.knownHosts,
            // For Ansible itself: trust exactly the lab's host keys.
            ansible_ssh_common_args: `-o UserKnownHostsFile=${paths.knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`,
            ...(paths.streamUrl ? { coreos_stream_url: paths.streamUrl } : {}),
            ...(paths.workerIgnition ? { worker_ignition_file: paths.workerIgnition } : {}),
            ...(paths.kubeconfig ? { fleetboot_kubeconfig: paths.kubeconfig } : {}),
          },
          hosts: entries,
        },
      },
    },
  };
  return `# Written by fleetboot lab up: the lab hosts, for fleetboot and for Ansible alike.\n${stringify(inventory)}`;
}

export function renderSshConfig(hosts: readonly LabHost[], paths: ClientPaths): string {
  return hosts
    .map(
      (h) =>
        `Host ${h.name}\n  HostName ${h.address}\n  Port ${h.port}\n  User core\n  IdentityFile ${paths.privateKey}\n` +
        `  IdentitiesOnly yes\n  UserKnownHostsFile ${paths.knownHosts}\n  StrictHostKeyChecking yes\n`,
    )
    .join('');
}
