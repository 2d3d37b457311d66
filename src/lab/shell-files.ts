// The lab shell's file commands (cat, mkdir, rm) over the host's in-memory filesystem, with
// coreutils' messages and exit statuses.

import { FsError, MemFs } from './memfs.js';
import type { ShellEnv } from './shell-types.js';

const REASON: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ENOTEMPTY: 'Directory not empty',
  EINVAL: 'Invalid argument',
};

function reason(err: unknown): string {
  if (err instanceof FsError) return REASON[err.code] ?? err.code;
  throw err;
}

/** Splits leading `-xyz` flags (up to `--`) from operands; undefined with a message on an unknown flag. */
function flags(cmd: string, args: string[], allowed: string, env: ShellEnv): { set: Set<string>; rest: string[] } | undefined {
  const set = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (const ch of a.slice(1)) {
      if (!allowed.includes(ch)) {
        env.io.stderr(`${cmd}: invalid option -- '${ch}'\n`);
        return undefined;
      }
      set.add(ch);
    }
  }
  return { set, rest: args.slice(i) };
}

export async function cat(args: string[], env: ShellEnv): Promise<number> {
  const parsed = flags('cat', args, 'uA', env);
  if (!parsed) return 1;
  const names = parsed.rest.length > 0 ? parsed.rest : ['-'];
  let status = 0;
  for (const name of names) {
    if (name === '-') {
      const data = env.io.stdin ? await env.io.stdin() : Buffer.alloc(0);
      if (data.length > 0) env.io.stdout(data);
      continue;
    }
    try {
      const data = env.host.fs.readFile(MemFs.resolve(name, env.state.cwd));
      if (data.length > 0) env.io.stdout(data);
    } catch (err) {
      env.io.stderr(`cat: ${name}: ${reason(err)}\n`);
      status = 1;
    }
  }
  return status;
}

export function mkdir(args: string[], env: ShellEnv): number {
  let mode: number | undefined;
  const mi = args.findIndex((a) => a === '-m');
  if (mi >= 0) {
    mode = parseInt(args[mi + 1] ?? '', 8);
    if (Number.isNaN(mode)) {
      env.io.stderr(`mkdir: invalid mode '${args[mi + 1] ?? ''}'\n`);
      return 1;
    }
    args = [...args.slice(0, mi), ...args.slice(mi + 2)];
  }
  const parsed = flags('mkdir', args, 'pv', env);
  if (!parsed) return 1;
  if (parsed.rest.length === 0) {
    env.io.stderr('mkdir: missing operand\n');
    return 1;
  }
  let status = 0;
  for (const name of parsed.rest) {
    try {
      env.host.fs.mkdir(MemFs.resolve(name, env.state.cwd), { parents: parsed.set.has('p'), mode, uid: env.host.user.uid });
    } catch (err) {
      env.io.stderr(`mkdir: cannot create directory '${name}': ${reason(err)}\n`);
      status = 1;
    }
  }
  return status;
}

export function rm(args: string[], env: ShellEnv): number {
  const parsed = flags('rm', args, 'frRv', env);
  if (!parsed) return 1;
  const { set, rest } = parsed;
  const force = set.has('f');
  const recursive = set.has('r') || set.has('R');
  if (rest.length === 0 && !force) {
    env.io.stderr('rm: missing operand\n');
    return 1;
  }
  let status = 0;
  for (const name of rest) {
    const path = MemFs.resolve(name, env.state.cwd);
    const st = env.host.fs.stat(path);
    if (!st) {
      if (!force) {
        env.io.stderr(`rm: cannot remove '${name}': No such file or directory\n`);
        status = 1;
      }
    } else if (st.kind === 'dir' && !recursive) {
      env.io.stderr(`rm: cannot remove '${name}': Is a directory\n`);
      status = 1;
    } else if (path === '/') {
      env.io.stderr("rm: it is dangerous to operate recursively on '/'\n");
      status = 1;
    } else if (st.kind === 'dir') {
      env.host.fs.rmdir(path, { recursive: true });
    } else {
      env.host.fs.unlink(path);
    }
  }
  return status;
}
