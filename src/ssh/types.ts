// The SSH transport as modules see it: a pooled connection per host, commands with streamed
// output, and SFTP file access. Implemented with ssh2 in this folder; tests may inject fakes.

/** How unknown host keys are treated. Never "accept silently". */
export type HostKeyPolicy = 'strict' | 'accept-new';

/** Everything needed to reach one host, derived from its inventory variables. */
export interface SshTarget {
  /** Inventory name, for messages and events. */
  host: string;
  address: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  /** Path of an ssh-agent socket, tried after the key file (default $SSH_AUTH_SOCK; empty: no agent). */
  agent?: string;
  knownHostsFile: string;
  hostKeyPolicy: HostKeyPolicy;
  /** A pinned host key ("ssh-ed25519 AAAA..."): when set, only this key is accepted. */
  pinnedHostKey?: string;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  /** Kill the command (close the channel) after this long; the result then has `timedOut`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

export interface ExecResult {
  /** Exit status; null when the command ended by a signal or the channel closed without one. */
  rc: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

export interface RemoteStat {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits (0o7777). */
  mode: number;
  size: number;
}

export interface SshConnection {
  readonly target: SshTarget;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Whether a remote path exists (SFTP stat). */
  exists(path: string): Promise<boolean>;
  /** What a remote path is (symlinks followed), or null when it does not exist. */
  stat(path: string): Promise<RemoteStat | null>;
  /** Reads a remote file over SFTP; null when it does not exist. */
  readFile(path: string): Promise<Buffer | null>;
  /** Writes a remote file over SFTP (atomically where the server allows), with an optional mode. */
  writeFile(path: string, data: Buffer, mode?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SshPool {
  /** The host's connection, connecting on first use and reusing it after. */
  get(target: SshTarget, signal?: AbortSignal): Promise<SshConnection>;
  /** Forgets (and closes) a host's connection, e.g. after it dropped. */
  drop(host: string): Promise<void>;
  closeAll(): Promise<void>;
}

/** The host could not be reached or authenticated: Ansible's "unreachable". */
export class SshUnreachableError extends Error {
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SshUnreachableError';
  }
}
