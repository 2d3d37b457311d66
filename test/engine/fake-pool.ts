// A scripted SSH pool for engine tests: commands answer from a function of (host, command).

import type { ExecOptions, ExecResult, RemoteStat, SshConnection, SshPool, SshTarget } from '../../src/ssh/types.js';
import { SshUnreachableError } from '../../src/ssh/types.js';

export type Script = (host: string, command: string, opts: ExecOptions) => Promise<Partial<ExecResult> | 'unreachable'> | Partial<ExecResult> | 'unreachable';

export class FakePool implements SshPool {
  readonly commands: { host: string; command: string }[] = [];
  readonly files = new Map<string, Buffer>();
  connects = 0;
  constructor(
    private readonly script: Script,
    private readonly unreachable: ReadonlySet<string> = new Set(),
  ) {}

  async get(target: SshTarget): Promise<SshConnection> {
    if (this.unreachable.has(target.host)) throw new SshUnreachableError(target.host, `${target.host}: connection refused`);
    this.connects++;
    const pool = this;
    return {
      target,
      async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
        pool.commands.push({ host: target.host, command });
        const r = await pool.script(target.host, command, opts);
        if (r === 'unreachable') throw new SshUnreachableError(target.host, `${target.host}: connection lost while running command`);
        const result = { rc: 0, stdout: '', stderr: '', ...r };
        if (result.stdout) opts.onStdout?.(result.stdout);
        return result;
      },
      async exists(path: string) {
        return pool.files.has(`${target.host}:${path}`);
      },
      async stat(path: string): Promise<RemoteStat | null> {
        const f = pool.files.get(`${target.host}:${path}`);
        return f ? { kind: 'file', mode: 0o644, size: f.length } : null;
      },
      async readFile(path: string) {
        return pool.files.get(`${target.host}:${path}`) ?? null;
      },
      async writeFile(path: string, data: Buffer) {
        pool.files.set(`${target.host}:${path}`, data);
      },
      async close() {},
    };
  }
  async drop(): Promise<void> {}
  async closeAll(): Promise<void> {}
}
