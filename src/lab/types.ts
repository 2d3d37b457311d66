// The lab's shapes as the CLI and tests see them, and lab.json as the daemon writes it.

export interface LabHost {
  name: string;
  address: string;
  port: number;
  /** The host's public key, "ssh-ed25519 AAAA...". */
  hostKey: string;
}

/** DIR/lab.json: present while a lab daemon runs. */
export interface LabFile {
  pid: number;
  port: number;
  /** ISO 8601. */
  started: string;
  /** Absolute path of the faults file in use, if any. */
  faults?: string;
  hosts: LabHost[];
}

export interface LabState extends LabFile {
  dir: string;
  inventory: string;
  knownHosts: string;
  sshConfig: string;
  privateKey: string;
  publicKey: string;
  log: string;
  /** How long `labUp` took from spawning the daemon to its readiness, in milliseconds. */
  startupMs: number;
}

export interface LabHostStatus {
  name: string;
  address: string;
  port: number;
  /** The host's SSH server sent its banner. */
  answers: boolean;
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
}

/** What the daemon tells labUp over IPC. */
export type DaemonMessage = { type: 'ready' } | { type: 'error'; message: string };
