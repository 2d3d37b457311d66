// The shapes shared by the lab shell and its commands.

import type { HostFaults } from './faults.js';
import type { HostMachine } from './host-machine.js';
import type { HostProfile, LabUser } from './host-profile.js';
import type { MemFs } from './memfs.js';

export interface ShellIo {
  stdout(chunk: string | Buffer): void;
  stderr(chunk: string | Buffer): void;
  /** Everything the client sends on stdin, once it has sent EOF. */
  stdin?: () => Promise<Buffer>;
  /** Aborted when the channel closes: sleeping commands stop. */
  signal?: AbortSignal;
  /** Cuts the client's whole SSH connection (fault `install_drop_ssh`). */
  drop?: () => void;
}

/** How the host's installer behaves: the lab's time scale and whom HTTPS downloads trust. */
export interface InstallerSettings {
  /** How long writing the image takes, in ms (scaled from ~2 minutes). */
  writeMs: number;
  /** PEM CA certificates HTTPS downloads trust besides Node's own. */
  ca?: string;
}

export interface ShellHost {
  profile: HostProfile;
  fs: MemFs;
  user: LabUser;
  /** Disks, boot and installs; absent in tests of the shell alone (a machine is made from the profile). */
  machine?: HostMachine;
  faults?: HostFaults;
  installer?: InstallerSettings;
}

export interface ShellState {
  cwd: string;
  vars: Map<string, string>;
  /** `$?`. */
  status: number;
}

/** What a command sees: the host, its output and the shell it runs in. */
export interface ShellEnv {
  host: ShellHost;
  io: ShellIo;
  state: ShellState;
  /** Runs a script in a child shell (for `sh -c`). */
  runScript(script: string): Promise<number>;
  /** Runs an already expanded command line. */
  runArgv(argv: string[]): Promise<number>;
  /** Runs an already expanded command line as another user (for `sudo`). */
  runArgvAs(argv: string[], user: LabUser): Promise<number>;
}

/** Thrown by `exit`; ends the (sub)shell it runs in. */
export class ExitRequest {
  constructor(readonly code: number) {}
}
