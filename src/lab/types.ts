// The lab's shapes as the CLI and tests see them, and lab.json as the daemon writes it.

import type { LabArch } from './arch.js';
import type { BmcProfileName } from './bmc/profiles.js';

/** The lab's mirror: live ISOs and stream metadata over HTTP on its own loopback address. */
export interface LabMirrorInfo {
  address: string;
  port: number;
  /** GET it for CoreOS stream metadata pointing at the lab's ISOs. */
  streamUrl: string;
}

/** The lab's simulated cluster: a Kubernetes API subset over HTTPS on its own loopback address. */
export interface LabClusterInfo {
  /** https://127.10.0.253:PORT */
  url: string;
  address: string;
  port: number;
  /** DIR/kubeconfig: context `lab`, the admin's token, the API CA embedded. */
  kubeconfig: string;
  /** What ClusterVersion says of the payload: `multi` (status.desired.architecture Multi) or `single`. */
  arch: 'multi' | 'single';
}

/** A host's simulated BMC: HTTPS Redfish on the host's own address. */
export interface LabBmc {
  address: string;
  port: number;
  profile: BmcProfileName;
}

export interface LabHost {
  name: string;
  address: string;
  port: number;
  /** CPU architecture (`uname -m`): aarch64, x86_64… */
  arch: LabArch;
  /** The host's public key, "ssh-ed25519 AAAA...". */
  hostKey: string;
  /** Absent when the lab runs without BMCs. */
  bmc?: LabBmc;
}

/** DIR/lab.json: present while a lab daemon runs. */
export interface LabFile {
  pid: number;
  port: number;
  /** ISO 8601. */
  started: string;
  /** Absolute path of the faults file in use, if any. */
  faults?: string;
  /** The BMCs' port (the same on every address), when the lab runs BMCs. */
  bmcPort?: number;
  mirror?: LabMirrorInfo;
  /** Absent when the lab runs without a cluster. */
  cluster?: LabClusterInfo;
  hosts: LabHost[];
}

export interface LabState extends LabFile {
  dir: string;
  inventory: string;
  knownHosts: string;
  sshConfig: string;
  privateKey: string;
  publicKey: string;
  /** DIR/bmc-ca.pem and DIR/bmc-passwords, when the lab runs BMCs. */
  bmcCa?: string;
  bmcPasswords?: string;
  /** DIR/kubeconfig, when the lab runs its cluster. */
  kubeconfig?: string;
  log: string;
  /** How long `labUp` took from spawning the daemon to its readiness, in milliseconds. */
  startupMs: number;
}

export interface LabHostStatus {
  name: string;
  address: string;
  port: number;
  arch?: LabArch;
  /** The host's SSH server sent its banner. */
  answers: boolean;
  /** The host's BMC answered GET /redfish/v1/ over verified HTTPS (absent without BMCs). */
  bmcAnswers?: boolean;
}

export type LabStatus =
  | { up: false; dir: string }
  | { up: true; dir: string; pid: number; port: number; started: string; hosts: LabHostStatus[] };

export interface LabUpOptions {
  hosts: number;
  dir: string;
  /** Same port on every host's address; 0 picks a free one. Default 2222. */
  port?: number;
  /** Path of a faults file (see faults.ts). */
  faults?: string;
  /** Host name prefix: `node` gives node-001, node-002… */
  names?: string;
  /** Start a simulated BMC per host (default true). */
  bmc?: boolean;
  /** The BMCs' HTTPS port on every address; 0 picks one free port for all. Default 8443, or 0 when `port` is 0. */
  bmcPort?: number;
  /** `generic` (default), `mixed` (cycle through all profiles), one profile name, or a comma list cycled through. */
  bmcProfiles?: string;
  /** How long a power change takes on the BMCs, in ms. Default 200. */
  bmcPowerDelayMs?: number;
  /** How fast a BMC reads its virtual CD's image at boot, bytes/s; 0 unpaced. Default 50 MB/s. */
  bmcMediaRate?: number;
  /** `aarch64=15,x86_64=5` (counts adding up to `hosts`), one architecture, or absent: ~3/4 aarch64. */
  arch?: string;
  /** The mirror's HTTP port on 127.10.0.254; 0 (default) picks a free one (the inventory names it). */
  mirrorPort?: number;
  /** How long coreos-installer takes to write the image, in ms. Default 300. */
  installMs?: number;
  /** A PEM CA file the hosts trust for HTTPS downloads (e.g. the artifact server's CA), besides Node's roots. */
  installerCa?: string;
  /** Run the simulated cluster (default true). */
  cluster?: boolean;
  /** The cluster's HTTPS port on 127.10.0.253; 0 (default) picks a free one (the kubeconfig names it). */
  clusterPort?: number;
  /** ClusterVersion's payload: `multi` (default) or `single` architecture. */
  clusterArch?: 'multi' | 'single';
}

/** What the daemon tells labUp over IPC. */
export type DaemonMessage = { type: 'ready' } | { type: 'error'; message: string };
