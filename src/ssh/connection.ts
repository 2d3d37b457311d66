// One SSH connection to one host (ssh2 Client): commands on exec channels (at most
// MAX_EXEC_CHANNELS at once, the rest queued, since OpenSSH allows 10 sessions per
// connection), and file access over one SFTP session opened on first use and reused.

import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { SshConnectionLostError, targetLabel } from './errors.js';
import { rememberExit, runOnChannel } from './run-on-channel.js';
import { sftpExists, sftpReadFile, sftpStat, sftpWriteFileAtomic } from './sftp-files.js';
import type { ExecOptions, ExecResult, RemoteStat, SshConnection, SshTarget } from './types.js';

/** Exec channels open at once; with the SFTP session that stays under OpenSSH's MaxSessions 10. */
export const MAX_EXEC_CHANNELS = 8;
const CLOSE_GRACE_MS = 2_000;
const OPEN_ATTEMPTS = 5;

export interface ClosedInfo {
  /** Closed by `close()`, not lost. */
  expected: boolean;
  reason: string;
}

export class SshClientConnection implements SshConnection {
  private state: 'open' | 'closing' | 'closed' = 'open';
  private lastError: string | undefined;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private readonly channels = new PQueue({ concurrency: MAX_EXEC_CHANNELS });
  private readonly closeListeners: ((info: ClosedInfo) => void)[] = [];
  private readonly closed: Promise<void>;

  constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    /** What connecting did worth telling, e.g. that accept-new recorded the host key. */
    readonly note?: string,
  ) {
    client.on('error', (err: Error) => {
      this.lastError ??= err.message;
    });
    this.closed = new Promise((resolve) => {
      client.once('close', () => {
        const expected = this.state === 'closing';
        this.state = 'closed';
        const reason = expected ? 'closed by fleetboot' : `connection lost${this.lastError ? `: ${this.lastError}` : ''}`;
        for (const listener of this.closeListeners) listener({ expected, reason });
        resolve();
      });
    });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Called once when the connection ends, whoever ended it. */
  onClose(listener: (info: ClosedInfo) => void): void {
    this.closeListeners.push(listener);
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    this.assertOpen('run a command');
    // Abort while waiting for a channel: the queue drops the command. Once it runs, abort is
    // handled by the command itself, which must also signal the remote process.
    let started = false;
    const whileQueued = new AbortController();
    const onAbort = (): void => {
      if (!started) whileQueued.abort(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.channels.add(
        async () => {
          started = true;
          return this.execNow(command, options);
        },
        { signal: whileQueued.signal },
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async execNow(command: string, options: ExecOptions): Promise<ExecResult> {
    options.signal?.throwIfAborted();
    this.assertOpen('run a command');
    const channel = await this.openExec(command);
    const outcome = await runOnChannel(channel, options);
    if (outcome.aborted) throw options.signal?.reason ?? new Error('aborted');
    if (outcome.unexplained && this.state !== 'open') throw this.lost('while running command');
    return outcome.result;
  }

  /**
   * Opens the exec channel, trying again a few times when the server refuses: OpenSSH frees a
   * closed session lazily, so it may refuse a new one for a moment even below MaxSessions.
   */
  private async openExec(command: string): Promise<ClientChannel> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openExecOnce(command);
      } catch (err) {
        if (this.state !== 'open') throw this.lost('while starting command', err);
        if (attempt >= OPEN_ATTEMPTS) {
          const what = err instanceof Error ? err.message : String(err);
          throw new Error(`${targetLabel(this.target)}: cannot start command: ${what} (tried ${attempt} times; does sshd allow sessions, MaxSessions?)`, { cause: err });
        }
        await sleep(50 * 2 ** attempt);
      }
    }
  }

  private openExecOnce(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        this.client.exec(command, (err, channel) => (err ? reject(err) : resolve(rememberExit(channel))));
      } catch (err) {
        reject(err);
      }
    });
  }

  exists(path: string): Promise<boolean> {
    return this.withSftp('check a path', (sftp) => sftpExists(sftp, path));
  }

  stat(path: string): Promise<RemoteStat | null> {
    return this.withSftp('stat a path', (sftp) => sftpStat(sftp, path));
  }

  readFile(path: string): Promise<Buffer | null> {
    return this.withSftp('read a file', (sftp) => sftpReadFile(sftp, path));
  }

  writeFile(path: string, data: Buffer, mode?: number): Promise<void> {
    return this.withSftp('write a file', (sftp) => sftpWriteFileAtomic(sftp, path, data, mode));
  }

  private async withSftp<T>(action: string, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    this.assertOpen(action);
    let sftp: SFTPWrapper;
    try {
      sftp = await this.sftp();
    } catch (err) {
      if (this.state !== 'open') throw this.lost(`while trying to ${action} over SFTP`, err);
      const what = err instanceof Error ? err.message : String(err);
      throw new Error(`${targetLabel(this.target)}: cannot open an SFTP session (${what}); is the sftp subsystem enabled in sshd_config?`, { cause: err });
    }
    try {
      return await fn(sftp);
    } catch (err) {
      if (this.state !== 'open') throw this.lost(`while trying to ${action} over SFTP`, err);
      const what = err instanceof Error ? err.message : String(err);
      throw new Error(`${targetLabel(this.target)}: ${what}`, { cause: err });
    }
  }

  private sftp(): Promise<SFTPWrapper> {
    if (this.sftpSession) return this.sftpSession;
    const session = new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
    });
    this.sftpSession = session;
    const forget = (): void => {
      if (this.sftpSession === session) this.sftpSession = undefined;
    };
    session.then((sftp) => sftp.once('close', forget), forget);
    return session;
  }

  private assertOpen(action: string): void {
    if (this.state === 'open') return;
    if (this.state === 'closing') throw new Error(`${targetLabel(this.target)}: cannot ${action}: the connection was closed`);
    throw this.lost(`before it could ${action}`);
  }

  private lost(when: string, cause?: unknown): SshConnectionLostError {
    const expected = this.state === 'closing';
    const detail = !expected && this.lastError ? ` (${this.lastError})` : '';
    const what = expected ? `connection closed by fleetboot ${when}` : `connection lost ${when}${detail}`;
    return new SshConnectionLostError(this.target, what, cause === undefined ? undefined : { cause });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'open') {
      this.state = 'closing';
      this.client.end();
    }
    const timer = setTimeout(() => this.client.destroy(), CLOSE_GRACE_MS);
    await this.closed;
    clearTimeout(timer);
  }
}
