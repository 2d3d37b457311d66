// The commands a lab host knows, by name. Each gets its arguments (already expanded) and the
// shell it runs in, writes through the shell's io and returns its exit status.

import { setTimeout as delay } from 'node:timers/promises';
import { posix } from 'node:path';
import { LAB_USERS } from './host-profile.js';
import { MemFs } from './memfs.js';
import { evaluateTest } from './shell-condition.js';
import { coreosInstaller } from './coreos-installer.js';
import { ls, lsblk, udevadm } from './shell-devices.js';
import { cat, mkdir, rm } from './shell-files.js';
import { ExitRequest, type ShellEnv } from './shell-types.js';

export type Command = (args: string[], env: ShellEnv) => number | Promise<number>;

const BIN_DIRS = new Set(['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin']);

function echo(args: string[], { io }: ShellEnv): number {
  let newline = true;
  while (args[0] === '-n') {
    newline = false;
    args = args.slice(1);
  }
  io.stdout(args.join(' ') + (newline ? '\n' : ''));
  return 0;
}

function hostname(args: string[], { io, host }: ShellEnv): number {
  const name = host.profile.hostname;
  const flag = args[0];
  if (flag === undefined || ['-f', '--fqdn', '--long', '-A', '--all-fqdns'].includes(flag)) io.stdout(`${name}\n`);
  else if (flag === '-s' || flag === '--short') io.stdout(`${name.split('.')[0]}\n`);
  else {
    io.stderr('hostname: you must be root to change the host name\n');
    return 1;
  }
  return 0;
}

const UNAME_LONG: Record<string, string> = {
  '--all': 'a', '--kernel-name': 's', '--nodename': 'n', '--kernel-release': 'r', '--kernel-version': 'v',
  '--machine': 'm', '--processor': 'p', '--hardware-platform': 'i', '--operating-system': 'o',
};

function uname(args: string[], { io, host }: ShellEnv): number {
  const { profile } = host;
  const want = new Set<string>();
  for (const arg of args) {
    const long = UNAME_LONG[arg];
    if (long) want.add(long);
    else if (/^-[asnrvmpio]+$/.test(arg)) for (const ch of arg.slice(1)) want.add(ch);
    else {
      io.stderr(arg.startsWith('-') ? `uname: invalid option -- '${arg.slice(1)}'\n` : `uname: extra operand '${arg}'\n`);
      return 1;
    }
  }
  if (want.size === 0) want.add('s');
  const all = want.has('a');
  const fields: Array<[string, string]> = [
    ['s', 'Linux'],
    ['n', profile.hostname],
    ['r', profile.kernel],
    ['v', '#1 SMP PREEMPT_DYNAMIC Sat Jul 27 20:51:04 UTC 2024'],
    ['m', profile.machine],
    ['p', 'unknown'],
    ['i', 'unknown'],
    ['o', 'GNU/Linux'],
  ];
  // Like GNU uname, -a leaves out the processor and platform when they are unknown.
  const out = fields.filter(([k]) => want.has(k) || (all && k !== 'p' && k !== 'i')).map(([, v]) => v);
  io.stdout(out.join(' ') + '\n');
  return 0;
}

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

async function sleep(args: string[], { io }: ShellEnv): Promise<number> {
  if (args.length === 0) {
    io.stderr('sleep: missing operand\n');
    return 1;
  }
  let seconds = 0;
  for (const arg of args) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
    if (!m) {
      io.stderr(`sleep: invalid time interval '${arg}'\n`);
      return 1;
    }
    seconds += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1);
  }
  await delay(seconds * 1000, undefined, { signal: io.signal });
  return 0;
}

const SUDO_VALUE_OPTS = new Set(['-u', '-g', '-p', '-C', '-h', '-U', '-r', '-t', '-D']);

function sudo(args: string[], env: ShellEnv): Promise<number> | number {
  let i = 0;
  let as = 'root';
  for (; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    if (a === '-u') as = args[i + 1] ?? as;
    if (SUDO_VALUE_OPTS.has(a)) i++;
  }
  const rest = args.slice(i);
  if (rest.length === 0) {
    env.io.stderr('usage: sudo [-AbEHknPS] [-u user] command [arg ...]\n');
    return 1;
  }
  const user = Object.hasOwn(LAB_USERS, as) ? LAB_USERS[as] : undefined;
  if (!user) {
    env.io.stderr(`sudo: unknown user ${as}\n`);
    return 1;
  }
  // The lab's users may all use sudo without a password, as `core` may on CoreOS.
  return env.runArgvAs(rest, user);
}

function exit(args: string[], { io, state }: ShellEnv): never {
  const arg = args[0];
  if (arg === undefined) throw new ExitRequest(state.status);
  if (!/^-?\d+$/.test(arg)) {
    io.stderr(`sh: exit: ${arg}: numeric argument required\n`);
    throw new ExitRequest(2);
  }
  throw new ExitRequest(((Number(arg) % 256) + 256) % 256);
}

const SH_VALUE_OPTS = new Set(['-o', '+o']);

async function sh(args: string[], env: ShellEnv): Promise<number> {
  let i = 0;
  let fromArg = false;
  for (; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      i++;
      break;
    }
    if (!/^[-+]/.test(a)) break;
    if (SH_VALUE_OPTS.has(a)) i++;
    else if (a.startsWith('-') && !a.startsWith('--') && a.includes('c')) fromArg = true;
  }
  const operand = args[i];
  if (fromArg) {
    if (operand === undefined) {
      env.io.stderr('sh: -c: option requires an argument\n');
      return 2;
    }
    return env.runScript(operand);
  }
  if (operand !== undefined) {
    const path = MemFs.resolve(operand, env.state.cwd);
    if (env.host.fs.stat(path)?.kind !== 'file') {
      env.io.stderr(`sh: ${operand}: No such file or directory\n`);
      return 127;
    }
    return env.runScript(env.host.fs.readFile(path).toString('utf8'));
  }
  const script = env.io.stdin ? await env.io.stdin() : Buffer.alloc(0);
  return env.runScript(script.toString('utf8'));
}

function cd(args: string[], { io, state, host }: ShellEnv): number {
  const target = args[0] ?? state.vars.get('HOME') ?? '/';
  const path = MemFs.resolve(target, state.cwd);
  const st = host.fs.stat(path);
  if (!st || st.kind !== 'dir') {
    io.stderr(`sh: cd: ${target}: ${st ? 'Not a directory' : 'No such file or directory'}\n`);
    return 1;
  }
  state.vars.set('OLDPWD', state.cwd);
  state.cwd = path;
  state.vars.set('PWD', path);
  return 0;
}

function test(name: string): Command {
  return (args, { io, host, state }) => {
    if (name === '[') {
      if (args[args.length - 1] !== ']') {
        io.stderr("sh: [: missing `]'\n");
        return 2;
      }
      args = args.slice(0, -1);
    }
    const r = evaluateTest(args, (p) => host.fs.stat(MemFs.resolve(p, state.cwd)));
    if (r.status === 2) io.stderr(`sh: ${name}: ${r.error}\n`);
    return r.status;
  };
}

const COMMANDS: Record<string, Command> = {
  echo,
  true: () => 0,
  ':': () => 0,
  false: () => 1,
  hostname,
  uname,
  sleep,
  sudo,
  exit,
  sh,
  bash: sh,
  cd,
  pwd: (_args, { io, state }) => (io.stdout(`${state.cwd}\n`), 0),
  whoami: (_args, { io, host }) => (io.stdout(`${host.user.name}\n`), 0),
  test: test('test'),
  '[': test('['),
  cat,
  mkdir,
  rm,
  ls,
  lsblk,
  udevadm,
  'coreos-installer': coreosInstaller,
};

/** The command a name runs (also `/usr/bin/NAME` and the like); undefined when there is none. */
export function lookupCommand(name: string): Command | undefined {
  const dir = posix.dirname(name);
  const base = name.includes('/') ? (BIN_DIRS.has(dir) ? posix.basename(name) : '') : name;
  return Object.hasOwn(COMMANDS, base) ? COMMANDS[base] : undefined;
}
