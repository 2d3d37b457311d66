// What `command` and `shell` share: `creates`/`removes` guards, running over the pooled SSH
// connection with output streamed as events, and Ansible's result shape.

import type { TaskResult } from '../core/result.js';
import type { ModuleContext } from './contract.js';
import { inDirectory, lines } from './command-line.js';

export interface CommandGuards {
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: boolean;
}

/** `creates`/`removes` decide from fresh state whether the command runs at all. */
export async function guardSkip(guards: CommandGuards, ctx: ModuleContext): Promise<string | undefined> {
  if (!guards.creates && !guards.removes) return undefined;
  const conn = await ctx.ssh();
  if (guards.creates && (await conn.exists(guards.creates))) return `${guards.creates} exists, matching creates option`;
  if (guards.removes && !(await conn.exists(guards.removes))) return `${guards.removes} does not exist, matching removes option`;
  return undefined;
}

export async function runRemote(
  command: string,
  shown: string | string[],
  guards: CommandGuards,
  ctx: ModuleContext,
): Promise<TaskResult> {
  const skipReason = await guardSkip(guards, ctx);
  if (skipReason) return { changed: false, failed: false, rc: 0, stdout: skipReason, stdout_lines: [skipReason], stderr: '', stderr_lines: [], cmd: shown, msg: 'Did not run command since ' + skipReason.split(',')[0] };
  if (ctx.check) return { changed: false, failed: false, skipped: true, msg: 'Command would have run if not in check mode', cmd: shown };
  const conn = await ctx.ssh();
  const full = inDirectory(command, guards.chdir);
  const stdin = guards.stdin === undefined ? undefined : guards.stdin + (guards.stdin_add_newline === false ? '' : '\n');
  const started = Date.now();
  const r = await conn.exec(full, {
    stdin,
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    onStdout: (text) => ctx.emit({ kind: 'output', stream: 'stdout', text }),
    onStderr: (text) => ctx.emit({ kind: 'output', stream: 'stderr', text }),
  });
  const stdout = r.stdout.replace(/\n$/, '');
  const stderr = r.stderr.replace(/\n$/, '');
  const rc = r.rc ?? -1;
  const result: TaskResult = {
    changed: true,
    failed: rc !== 0,
    rc,
    cmd: shown,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    delta: formatDelta(Date.now() - started),
  };
  if (r.timedOut) result.msg = `command timed out after ${Math.round((ctx.timeoutMs ?? 0) / 1000)}s and was killed`;
  else if (r.rc === null) result.msg = `command ended by signal ${r.signal ?? 'unknown'}`;
  else if (rc !== 0) result.msg = 'non-zero return code';
  return result;
}

function formatDelta(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(6).padStart(9, '0');
  return `${h}:${String(m).padStart(2, '0')}:${s}`;
}
