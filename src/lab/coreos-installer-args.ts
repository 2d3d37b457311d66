// `coreos-installer install`'s command line as its clap parser reads it (src/cmdline/install.rs in
// coreos/coreos-installer): the same options, short names, value names, conflicts and clap's
// error texts (exit status 2). Pure.

export interface IgnitionDigest {
  algo: 'sha256' | 'sha512';
  hex: string;
}

export interface InstallArgs {
  configFile: string[];
  stream?: string;
  imageUrl?: string;
  imageFile?: string;
  ignitionFile?: string;
  ignitionUrl?: string;
  ignitionHash?: IgnitionDigest;
  architecture?: string;
  platform?: string;
  console: string[];
  firstbootArgs?: string;
  appendKarg: string[];
  deleteKarg: string[];
  copyNetwork: boolean;
  networkDir: string;
  savePartlabel: string[];
  savePartindex: string[];
  offline: boolean;
  insecure: boolean;
  insecureIgnition: boolean;
  streamBaseUrl?: string;
  preserveOnError: boolean;
  fetchRetries: number | 'infinite';
  destDevice?: string;
}

export type CliOutcome =
  | { kind: 'install'; args: InstallArgs }
  | { kind: 'print'; stdout: string }
  | { kind: 'error'; stderr: string; rc: number };

export const COREOS_INSTALLER_VERSION = '0.22.1';
const USAGE = 'Usage: coreos-installer install [OPTIONS] <DEST_DEVICE|--config-file <path>>';
const MORE = "For more information, try '--help'.";

type Kind = 'one' | 'many' | 'flag';
interface Opt {
  long: string;
  short?: string;
  alias?: string;
  kind: Kind;
  value?: string;
  /** clap's value_delimiter = ','. */
  comma?: boolean;
}

const OPTS: Opt[] = [
  { long: 'config-file', short: 'c', kind: 'many', value: 'path' },
  { long: 'stream', short: 's', kind: 'one', value: 'name' },
  { long: 'image-url', short: 'u', kind: 'one', value: 'URL' },
  { long: 'image-file', short: 'f', kind: 'one', value: 'path' },
  { long: 'ignition-file', short: 'i', alias: 'ignition', kind: 'one', value: 'path' },
  { long: 'ignition-url', short: 'I', kind: 'one', value: 'URL' },
  { long: 'ignition-hash', kind: 'one', value: 'digest' },
  { long: 'architecture', short: 'a', kind: 'one', value: 'name' },
  { long: 'platform', short: 'p', kind: 'one', value: 'name' },
  { long: 'console', kind: 'many', value: 'spec' },
  { long: 'firstboot-args', kind: 'one', value: 'args' },
  { long: 'append-karg', kind: 'many', value: 'arg' },
  { long: 'delete-karg', kind: 'many', value: 'arg' },
  { long: 'copy-network', short: 'n', kind: 'flag' },
  { long: 'network-dir', kind: 'one', value: 'path' },
  { long: 'save-partlabel', kind: 'many', value: 'lx', comma: true },
  { long: 'save-partindex', kind: 'many', value: 'id', comma: true },
  { long: 'offline', kind: 'flag' },
  { long: 'insecure', kind: 'flag' },
  { long: 'insecure-ignition', kind: 'flag' },
  { long: 'stream-base-url', kind: 'one', value: 'URL' },
  { long: 'preserve-on-error', kind: 'flag' },
  { long: 'fetch-retries', kind: 'one', value: 'N' },
];

const CONFLICTS: Array<[string, string]> = [
  ['stream', 'image-url'],
  ['stream', 'image-file'],
  ['image-url', 'image-file'],
  ['ignition-file', 'ignition-url'],
];

const display = (o: Opt): string => (o.kind === 'flag' ? `--${o.long}` : `--${o.long} <${o.value}>`);

class ClapError extends Error {
  constructor(
    message: string,
    readonly usage: boolean,
  ) {
    super(message);
  }
}

/** IgnitionHash::from_str: `<type>-<hex>`, type sha256 or sha512, the digest's length checked. */
export function parseDigest(input: string): IgnitionDigest {
  const dash = input.indexOf('-');
  if (dash < 0) throw new Error(`failed to detect hash-type and digest in '${input}'`);
  const kind = input.slice(0, dash);
  const hex = input.slice(dash + 1);
  if (kind !== 'sha256' && kind !== 'sha512') throw new Error(`unknown hash type '${kind}'`);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error('decoding hex digest');
  const bits = (hex.length / 2) * 8;
  if (bits !== (kind === 'sha256' ? 256 : 512)) throw new Error(`wrong digest length (${bits})`);
  return { algo: kind, hex: hex.toLowerCase() };
}

function checkUrl(value: string): void {
  try {
    new URL(value);
  } catch {
    throw new Error(/^[a-z][a-z0-9+.-]*:/i.test(value) ? 'invalid URL' : 'relative URL without a base');
  }
}

function emptyArgs(): InstallArgs {
  return {
    configFile: [], console: [], appendKarg: [], deleteKarg: [], copyNetwork: false,
    networkDir: '/etc/NetworkManager/system-connections/', savePartlabel: [], savePartindex: [],
    offline: false, insecure: false, insecureIgnition: false, preserveOnError: false, fetchRetries: 0,
  };
}

function apply(args: InstallArgs, o: Opt, value: string | undefined): void {
  const v = value ?? '';
  const bad = (why: string): never => {
    throw new ClapError(`invalid value '${v}' for '${display(o)}': ${why}`, false);
  };
  const tryValue = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      return bad((err as Error).message);
    }
  };
  switch (o.long) {
    case 'config-file': args.configFile.push(v); break;
    case 'stream': args.stream = v; break;
    case 'image-url': tryValue(() => checkUrl(v)); args.imageUrl = v; break;
    case 'image-file': args.imageFile = v; break;
    case 'ignition-file': args.ignitionFile = v; break;
    case 'ignition-url': tryValue(() => checkUrl(v)); args.ignitionUrl = new URL(v).href; break;
    case 'ignition-hash': args.ignitionHash = tryValue(() => parseDigest(v)); break;
    case 'architecture': args.architecture = v; break;
    case 'platform': args.platform = v; break;
    case 'console': args.console.push(v); break;
    case 'firstboot-args': args.firstbootArgs = v; break;
    case 'append-karg': args.appendKarg.push(v); break;
    case 'delete-karg': args.deleteKarg.push(v); break;
    case 'copy-network': args.copyNetwork = true; break;
    case 'network-dir': args.networkDir = v; break;
    case 'save-partlabel': args.savePartlabel.push(...v.split(',')); break;
    case 'save-partindex': args.savePartindex.push(...v.split(',')); break;
    case 'offline': args.offline = true; break;
    case 'insecure': args.insecure = true; break;
    case 'insecure-ignition': args.insecureIgnition = true; break;
    case 'stream-base-url': tryValue(() => checkUrl(v)); args.streamBaseUrl = v; break;
    case 'preserve-on-error': args.preserveOnError = true; break;
    case 'fetch-retries':
      if (v === 'infinite') args.fetchRetries = 'infinite';
      else if (/^\d+$/.test(v)) args.fetchRetries = Number(v);
      else bad('invalid digit found in string');
      break;
  }
}

/** Parses the words after `install`, clap-style. */
function parseInstall(words: string[]): InstallArgs {
  const args = emptyArgs();
  const seen = new Set<string>();
  const positional: string[] = [];
  const byLong = (name: string): Opt | undefined => OPTS.find((o) => o.long === name || o.alias === name);
  const take = (o: Opt, inline: string | undefined, i: number): [string | undefined, number] => {
    if (o.kind === 'flag') {
      if (inline !== undefined) throw new ClapError(`unexpected value '${inline}' for '--${o.long}' found; no more were expected`, true);
      return [undefined, i];
    }
    if (inline !== undefined) return [inline, i];
    const next = words[i + 1];
    // allow_hyphen_values only on --save-partindex ("-7").
    if (next === undefined || (next.startsWith('-') && next !== '-' && o.long !== 'save-partindex')) {
      throw new ClapError(`a value is required for '${display(o)}' but none was supplied`, false);
    }
    return [next, i + 1];
  };
  let onlyPositional = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (onlyPositional || w === '-' || !w.startsWith('-')) {
      positional.push(w);
      continue;
    }
    if (w === '--') {
      onlyPositional = true;
      continue;
    }
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = eq > 0 ? w.slice(2, eq) : w.slice(2);
      const o = byLong(name);
      if (!o) throw unexpected(w);
      const [value, next] = take(o, eq > 0 ? w.slice(eq + 1) : undefined, i);
      i = next;
      seen.add(o.long);
      apply(args, o, value);
      continue;
    }
    // Short options, possibly bundled (-nI URL, -IURL, -I=URL).
    for (let j = 1; j < w.length; j++) {
      const ch = w[j] ?? '';
      const o = OPTS.find((x) => x.short === ch);
      if (!o) throw unexpected(`-${ch}`);
      seen.add(o.long);
      if (o.kind === 'flag') {
        apply(args, o, undefined);
        continue;
      }
      let rest = w.slice(j + 1);
      if (rest.startsWith('=')) rest = rest.slice(1);
      const [value, next] = take(o, rest === '' ? undefined : rest, i);
      i = next;
      apply(args, o, value);
      break;
    }
  }
  for (const [a, b] of CONFLICTS) {
    if (seen.has(a) && seen.has(b)) {
      const oa = byLong(a) as Opt;
      const ob = byLong(b) as Opt;
      throw new ClapError(`the argument '${display(oa)}' cannot be used with '${display(ob)}'`, true);
    }
  }
  if (positional.length > 1) throw new ClapError(`unexpected argument '${positional[1]}' found`, true);
  if (positional[0] !== undefined) args.destDevice = positional[0];
  else if (args.configFile.length === 0) {
    throw new ClapError('the following required arguments were not provided:\n  <DEST_DEVICE|--config-file <path>>', true);
  }
  return args;
}

function unexpected(word: string): ClapError {
  return new ClapError(`unexpected argument '${word}' found\n\n  tip: to pass '${word}' as a value, use '-- ${word}'`, true);
}

function clapError(err: ClapError): CliOutcome {
  return { kind: 'error', stderr: `error: ${err.message}\n\n${err.usage ? `${USAGE}\n\n` : ''}${MORE}\n`, rc: 2 };
}

const SUBCOMMANDS = ['install', 'download', 'list-stream', 'iso', 'pxe', 'pack', 'dev', 'help'];

/** The whole `coreos-installer ARGS` command line. */
export function parseCommandLine(argv: string[]): CliOutcome {
  const [sub, ...rest] = argv;
  if (sub === '--version' || sub === '-V') return { kind: 'print', stdout: `coreos-installer ${COREOS_INSTALLER_VERSION}\n` };
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    return { kind: 'print', stdout: `Installer for Fedora CoreOS and RHEL CoreOS\n\nUsage: coreos-installer <COMMAND>\n\nCommands:\n  install      Install Fedora CoreOS or RHEL CoreOS\n  download     Download a CoreOS image\n  list-stream  List available images in a Fedora CoreOS stream\n  iso          Commands to manage a CoreOS live ISO image\n  pxe          Commands to manage a CoreOS live PXE image\n  help         Print this message or the help of the given subcommand(s)\n\nOptions:\n  -h, --help     Print help\n  -V, --version  Print version\n` };
  }
  if (!SUBCOMMANDS.includes(sub)) {
    return { kind: 'error', stderr: `error: unrecognized subcommand '${sub}'\n\nUsage: coreos-installer <COMMAND>\n\n${MORE}\n`, rc: 2 };
  }
  if (sub !== 'install') {
    return { kind: 'error', stderr: `coreos-installer ${sub}: not simulated by the lab (only \`install\` is)\n`, rc: 2 };
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    return { kind: 'print', stdout: `Install Fedora CoreOS or RHEL CoreOS\n\n${USAGE}\n\nOptions:\n${OPTS.map((o) => `  ${o.short ? `-${o.short}, ` : '    '}${display(o)}`).join('\n')}\n` };
  }
  try {
    return { kind: 'install', args: parseInstall(rest) };
  } catch (err) {
    if (err instanceof ClapError) return clapError(err);
    throw err;
  }
}

/** An install config file (YAML: long option names as keys) as command-line words. */
export function configToWords(doc: unknown): string[] {
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('invalid type: expected struct InstallConfig');
  const words: string[] = [];
  let dest: string | undefined;
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === 'dest-device') {
      dest = String(value);
      continue;
    }
    const o = OPTS.find((x) => x.long === key);
    if (!o || key === 'config-file' || key === 'firstboot-args') throw new Error(`unknown field \`${key}\``);
    if (o.kind === 'flag') {
      if (value === true) words.push(`--${key}`);
    } else if (Array.isArray(value)) for (const v of value) words.push(`--${key}`, String(v));
    else words.push(`--${key}`, String(value));
  }
  if (dest !== undefined) words.push(dest);
  return words;
}
