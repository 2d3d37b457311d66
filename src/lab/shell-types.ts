// The shapes shared by the lab shell and its commands.

import type { HostProfile, LabUser } from './host-profile.js';
import type { MemFs } from './memfs.js';

export interface ShellIo {
  stdout(chunk: string | Buffer): void;
  stderr(chunk: string | Buffer): void;
  /** Everything the client sends on stdin, once it has sent EOF. */
  stdin?: () => Promise<Buffer>;
  /** Aborted when the channel closes: sleeping commands stop. */
  signal?: AbortSignal;
}

export interface ShellHost {
  profile: HostProfile;
  fs: MemFs;
  user: LabUser;
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
  /** Runs an already expanded command line (for `sudo`). */
  runArgv(argv: string[]): Promise<number>;
}

/** Thrown by `exit`; ends the (sub)shell it runs in. */
export class ExitRequest {
  constructor(readonly code: number) {}
}
