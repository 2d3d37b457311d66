// What `command` and `shell` share: `creates`/`removes` guards, running over the pooled SSH
// connection with output streamed as events, and Ansible's result shape.

import { posix } from 'node:path';
import type { TaskResult } from '../core/result.js';
import type { ModuleContext } from './contract.js';
import { globWord, inDirectory, isGlob, lines } from './command-line.js';

export interface CommandGuards {
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: boolean;
}

/**
 * `creates`/`removes` decide from fresh state whether the command runs at all: the message
 * saying why not (Ansible's words), or undefined. A relative path is taken from `chdir`, as
 * Ansible changes directory before it looks; a glob pattern matches any file.
 */
export async function guardSkip(guards: CommandGuards, ctx: ModuleContext): Promise<string | undefined> {
  if (!guards.creates && !guards.removes) return undefined;
  const conn = await ctx.ssh();
  const present = async (path: string): Promise<boolean> => {
    const at = guards.chdir && !posix.isAbsolute(path) ? posix.join(guards.chdir, path) : path;
    if (!isGlob(at)) return conn.exists(at);
    // The shell leaves a pattern that matches nothing as it is, and that names no file.
    const r = await conn.exec(`set -- ${globWord(at)}; [ -e "$1" ] || [ -L "$1" ]`, { signal: ctx.signal });
    return r.rc === 0;
  };
  const shoulda = ctx.check ? 'Would' : 'Did';
  if (guards.creates && (await present(guards.creates))) return `${shoulda} not run command since '${guards.creates}' exists`;
  if (guards.removes && !(await present(guards.removes))) return `${shoulda} not run command since '${guards.removes}' does not exist`;
  return undefined;
}

export async function runRemote(
  command: string,
  shown: string | string[],
  guards: CommandGuards,
  ctx: ModuleContext,
): Promise<TaskResult> {
  const skipped = await guardSkip(guards, ctx);
  if (skipped) return { changed: false, failed: false, rc: 0, stdout: '', stdout_lines: [], stderr: '', stderr_lines: [], cmd: shown, msg: skipped };
  if (ctx.check) {
    const msg = 'Command would have run if not in check mode';
    // With creates/removes the guard was decided, so "it would change" is a real answer; without, nothing is known.
    if (guards.creates || guards.removes) return { changed: true, failed: false, rc: 0, cmd: shown, msg };
    return { changed: false, failed: false, skipped: true, cmd: shown, msg };
  }
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
  // Ansible's strip_empty_ends: all trailing CR/LF go.
  const stdout = r.stdout.replace(/[\r\n]+$/, '');
  const stderr = r.stderr.replace(/[\r\n]+$/, '');
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
  // OpenSSH refuses KILL for root sessions, so the process may live on: say what was done, not that it died.
  if (r.timedOut) result.msg = `command timed out after ${(ctx.timeoutMs ?? 0) / 1000}s: sent it KILL and closed its session`;
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
