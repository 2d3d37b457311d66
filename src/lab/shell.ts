// The lab hosts' command interpreter. It never runs a program or shell of this machine: every
// command is one of the few built in (shell-commands.ts) working on the host's in-memory files;
// anything else is "command not found" (127), as on a host that lacks the program.

import { parseScript, ShellSyntaxError, type ListItem, type Word } from './shell-parse.js';
import { lookupCommand } from './shell-commands.js';
import { ExitRequest, type ShellEnv, type ShellHost, type ShellIo, type ShellState } from './shell-types.js';

export { ExitRequest, type ShellEnv, type ShellHost, type ShellIo, type ShellState };

export function newShellState(host: ShellHost): ShellState {
  const { profile, user } = host;
  const vars = new Map<string, string>([
    ['HOME', user.home],
    ['USER', user.name],
    ['LOGNAME', user.name],
    ['HOSTNAME', profile.hostname],
    ['PATH', '/usr/local/bin:/usr/bin:/usr/local/sbin:/usr/sbin'],
    ['SHELL', '/bin/bash'],
    ['PWD', user.home],
  ]);
  return { cwd: user.home, vars, status: 0 };
}

function expandWord(word: Word, state: ShellState): string {
  let out = '';
  for (const p of word.parts) {
    if (p.kind === 'lit') out += p.text;
    else if (p.name === '?') out += String(state.status);
    else if (p.name === '$') out += '1';
    else if (p.name === '#') out += '0';
    else out += state.vars.get(p.name) ?? '';
  }
  return out;
}

/** `NAME=value` at the head of a command: a variable assignment, when the name is unquoted. */
function assignment(word: Word, state: ShellState): [string, string] | undefined {
  const first = word.parts[0];
  if (first?.kind !== 'lit' || first.quoted) return undefined;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text);
  if (!m || m[1] === undefined) return undefined;
  const rest: Word = { parts: [{ ...first, text: first.text.slice(m[0].length) }, ...word.parts.slice(1)], quoted: true };
  return [m[1], expandWord(rest, state)];
}

async function runItem(item: ListItem, env: ShellEnv): Promise<number> {
  const { state } = env;
  let i = 0;
  const assigned: Array<[string, string]> = [];
  for (let a; i < item.words.length && (a = assignment(item.words[i] as Word, state)); i++) assigned.push(a);
  const argv: string[] = [];
  for (const w of item.words.slice(i)) {
    const text = expandWord(w, state);
    if (text !== '' || w.quoted) argv.push(text);
  }
  // Assignments alone set shell variables; before a command they would only be its environment,
  // which no lab command reads.
  if (argv.length === 0) {
    for (const [k, v] of assigned) state.vars.set(k, v);
    return 0;
  }
  return env.runArgv(argv);
}

function makeEnv(host: ShellHost, io: ShellIo, state: ShellState): ShellEnv {
  const env: ShellEnv = {
    host,
    io,
    state,
    runScript: (script) => runShell(script, host, io, { cwd: state.cwd, vars: new Map(state.vars), status: 0 }),
    runArgv: async (argv) => {
      const name = argv[0] ?? '';
      const command = lookupCommand(name);
      if (!command) {
        io.stderr(`sh: ${name}: command not found\n`);
        return 127;
      }
      return command(argv.slice(1), env);
    },
    runArgvAs: (argv, user) => makeEnv({ ...host, user }, io, state).runArgv(argv),
  };
  return env;
}

function onceStdin(io: ShellIo): ShellIo {
  if (!io.stdin) return io;
  let read: Promise<Buffer> | undefined;
  const source = io.stdin;
  // The first reader gets the data, later ones find it consumed, as with a real pipe.
  return { ...io, stdin: () => (read ? Promise.resolve(Buffer.alloc(0)) : (read = source())) };
}

/** Runs a command string as the host's shell would; resolves with its exit status. */
export async function runShell(script: string, host: ShellHost, io: ShellIo, state?: ShellState): Promise<number> {
  const st = state ?? newShellState(host);
  const shellIo = state ? io : onceStdin(io);
  let items: ListItem[];
  try {
    items = parseScript(script);
  } catch (err) {
    if (!(err instanceof ShellSyntaxError)) throw err;
    io.stderr(`sh: ${err.message}\n`);
    return 2;
  }
  const env = makeEnv(host, shellIo, st);
  try {
    for (const item of items) {
      if (item.connector === '&&' && st.status !== 0) continue;
      if (item.connector === '||' && st.status === 0) continue;
      if (io.signal?.aborted) return 130;
      st.status = await runItem(item, env);
    }
  } catch (err) {
    if (err instanceof ExitRequest) return err.code;
    if (err instanceof Error && err.name === 'AbortError') return 130;
    throw err;
  }
  return st.status;
}
