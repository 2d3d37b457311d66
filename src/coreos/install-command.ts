// The `coreos-installer install` command line, built from typed arguments and checked against
// coreos-installer's own CLI definition (coreos/coreos-installer src/cmdline/install.rs,
// `InstallConfig`, v0.26.0 @ bee45001): names, repeatable options, the clap conflicts (stream /
// image-url / image-file; ignition-file / ignition-url), and the value syntaxes it parses
// (`--ignition-hash` in src/io/hash.rs, `--console` in src/cmdline/console.rs,
// `--save-partindex` in src/install.rs `parse_partition_filters`, `--fetch-retries` in
// src/cmdline/types.rs). Values are passed as `--name=value`, so one that starts with `-`
// cannot be read as an option. Each word is quoted with fleetboot's shell quoting.

import { joinArgv, shellQuote } from '../modules/command-line.js';
import { requireCoreosArch } from './architecture.js';
import { formatIgnitionHash, parseIgnitionHash } from './ignition-digest.js';

export interface InstallOptions {
  /** Destination disk, e.g. /dev/sda or /dev/disk/by-path/... */
  device: string;
  ignitionUrl?: string;
  ignitionFile?: string;
  /** `sha512-<hex>` or `sha256-<hex>`. */
  ignitionHash?: string;
  appendKargs?: readonly string[];
  deleteKargs?: readonly string[];
  copyNetwork?: boolean;
  /** Keyfile directory for --copy-network (coreos-installer's default: /etc/NetworkManager/system-connections/). */
  networkDir?: string;
  /** e.g. `ttyS0,115200n8`, `tty0` (repeatable). */
  consoles?: readonly string[];
  platform?: string;
  /** Hidden coreos-installer option: kernel arguments for the first boot only. */
  firstbootArgs?: string;
  savePartlabels?: readonly string[];
  savePartindexes?: readonly string[];
  offline?: boolean;
  imageUrl?: string;
  imageFile?: string;
  stream?: string;
  streamBaseUrl?: string;
  /** Either spelling (aarch64 or arm64); passed as the CoreOS name. */
  architecture?: string;
  preserveOnError?: boolean;
  /** A count, or `infinite`. */
  fetchRetries?: number | 'infinite';
  /** Allow an Ignition URL without https or hash. Only an explicit `true` is honoured. */
  insecureIgnition?: boolean;
  /** Allow an image without a signature. Only an explicit `true` is honoured. */
  insecure?: boolean;
  secureIpl?: boolean;
}

export interface InstallCommand {
  /** `coreos-installer install ...` words, unquoted. */
  argv: string[];
  /** The quoted shell command (with `sudo` unless asked not to). */
  command: string;
  /** Parts the caller must register as secrets before anything is shown (the per-host Ignition URL). */
  secrets: string[];
}

export class InstallCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstallCommandError';
  }
}

function fail(what: string): never {
  throw new InstallCommandError(what);
}

function url(name: string, value: string, schemes: readonly string[]): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    fail(`${name}: '${value}' is not a URL`);
  }
  if (!schemes.includes(u.protocol)) fail(`${name}: unknown protocol for URL '${value}' (coreos-installer takes ${schemes.map((s) => s.replace(':', '')).join(' or ')})`);
  return u;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  fail(`${name}: must be true or false, not ${JSON.stringify(value)}`);
}

function words(name: string, values: readonly string[] | undefined): string[] {
  return (values ?? []).map((v, i) => {
    if (typeof v !== 'string' || v === '' || /[\n\r\0]/.test(v)) fail(`${name}[${i}]: must be a non-empty single-line string`);
    return v;
  });
}

const SERIAL_CONSOLE = /^(ttyS|ttyAMA)([0-9]+)(?:,([0-9]+)(?:([noe])([5-8])?)?)?$/;

/** coreos-installer's `Console::from_str`, with its messages. */
export function checkConsole(spec: string): void {
  for (const prefix of ['console=', '/dev/']) if (spec.startsWith(prefix)) fail(`console '${spec}': spec should not start with "${prefix}"`);
  const m = SERIAL_CONSOLE.exec(spec);
  if (m) {
    if (Number(m[2]) > 255) fail(`console '${spec}': couldn't parse port`);
    if (m[3] !== undefined && Number(m[3]) > 0xffffffff) fail(`console '${spec}': couldn't parse speed`);
    return;
  }
  if (!['tty0', 'hvc0', 'ttysclp0'].includes(spec)) fail(`console '${spec}': invalid or unsupported console argument`);
}

/** coreos-installer's partition index syntax: `N`, `N-M`, `N-`, `-M`; several joined by commas. */
export function checkPartindex(value: string): void {
  for (const range of value.split(',')) {
    const parts = range.split('-');
    if (parts.length > 2) fail(`save_partindex: couldn't parse partition index range '${range}'`);
    const ends = parts.map((p) => {
      if (p === '') return undefined;
      if (!/^\d+$/.test(p) || Number(p) > 0xffffffff) fail(`save_partindex: couldn't parse partition index '${p}'`);
      if (Number(p) === 0) fail('save_partindex: partition index cannot be zero');
      return Number(p);
    });
    const [a, b] = parts.length === 1 ? [ends[0], ends[0]] : [ends[0], ends[1]];
    if (a === undefined && b === undefined) fail(`save_partindex: both ends of partition index range '${range}' cannot be open`);
    if (a !== undefined && b !== undefined && a > b) fail(`save_partindex: start of partition index range '${range}' cannot be greater than end`);
  }
}

/** The argv after `coreos-installer`, checked; throws InstallCommandError with a one-line reason. */
export function installArgv(o: InstallOptions): { argv: string[]; secrets: string[] } {
  const argv = ['install'];
  const secrets: string[] = [];
  const opt = (name: string, value: string): void => {
    argv.push(`--${name}=${value}`);
  };

  const sources = ([['stream', 'stream'], ['imageUrl', 'image_url'], ['imageFile', 'image_file']] as const).filter(([k]) => o[k] !== undefined);
  if (sources.length > 1) fail(`${sources.map(([, arg]) => arg).join(' and ')} conflict: give one image source (coreos-installer refuses more)`);
  if (o.stream !== undefined) {
    if (!/^[A-Za-z0-9._-]+$/.test(o.stream)) fail(`stream: '${o.stream}' is not a stream name (stable, testing, next)`);
    opt('stream', o.stream);
  }
  if (o.imageUrl !== undefined) opt('image-url', url('image_url', o.imageUrl, ['http:', 'https:']).href);
  if (o.imageFile !== undefined) opt('image-file', words('image_file', [o.imageFile])[0]!);

  if (o.ignitionUrl !== undefined && o.ignitionFile !== undefined) fail('ignition_url and ignition_file conflict: give one');
  const insecureIgnition = flag('insecure_ignition', o.insecureIgnition);
  let hash: string | undefined;
  if (o.ignitionHash !== undefined) {
    try {
      hash = formatIgnitionHash(parseIgnitionHash(o.ignitionHash));
    } catch (err) {
      fail(`ignition_hash: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (o.ignitionFile !== undefined) opt('ignition-file', words('ignition_file', [o.ignitionFile])[0]!);
  if (o.ignitionUrl !== undefined) {
    const u = url('ignition_url', o.ignitionUrl, ['http:', 'https:']);
    if (u.protocol === 'http:' && hash === undefined && !insecureIgnition) {
      fail('ignition_url is plain http:// without ignition_hash: coreos-installer refuses to fetch it; give ignition_hash (sha512-...) or, to accept an unverified config, insecure_ignition: true');
    }
    opt('ignition-url', o.ignitionUrl);
    // The URL carries the host's token; its quoted form differs when it holds a quote.
    secrets.push(o.ignitionUrl, shellQuote(`--ignition-url=${o.ignitionUrl}`));
  }
  if (hash !== undefined) {
    if (o.ignitionUrl === undefined && o.ignitionFile === undefined) fail('ignition_hash given without ignition_url or ignition_file: there is nothing to check it against');
    opt('ignition-hash', hash);
  }
  if (o.architecture !== undefined) {
    try {
      opt('architecture', requireCoreosArch(o.architecture));
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
  }
  if (o.platform !== undefined) {
    if (!/^[a-z0-9_-]+$/.test(o.platform)) fail(`platform: '${o.platform}' is not an Ignition platform ID (metal, qemu, vmware, ...)`);
    opt('platform', o.platform);
  }
  for (const c of words('console', o.consoles)) {
    checkConsole(c);
    opt('console', c);
  }
  if (o.firstbootArgs !== undefined) opt('firstboot-args', words('firstboot_args', [o.firstbootArgs])[0]!);
  for (const k of words('append_karg', o.appendKargs)) opt('append-karg', k);
  for (const k of words('delete_karg', o.deleteKargs)) opt('delete-karg', k);
  const copyNetwork = flag('copy_network', o.copyNetwork);
  if (copyNetwork) argv.push('--copy-network');
  if (o.networkDir !== undefined) {
    if (!copyNetwork) fail('network_dir is only used with copy_network: true; set copy_network or drop network_dir');
    if (!o.networkDir.startsWith('/')) fail(`network_dir: '${o.networkDir}' must be an absolute path`);
    opt('network-dir', o.networkDir);
  }
  for (const l of words('save_partlabel', o.savePartlabels)) opt('save-partlabel', l);
  for (const i of words('save_partindex', o.savePartindexes)) {
    checkPartindex(i);
    opt('save-partindex', i);
  }
  if (flag('offline', o.offline)) argv.push('--offline');
  if (flag('insecure', o.insecure)) argv.push('--insecure');
  if (insecureIgnition) argv.push('--insecure-ignition');
  if (o.streamBaseUrl !== undefined) opt('stream-base-url', url('stream_base_url', o.streamBaseUrl, ['http:', 'https:']).href);
  if (flag('preserve_on_error', o.preserveOnError)) argv.push('--preserve-on-error');
  if (o.fetchRetries !== undefined) {
    const r = o.fetchRetries;
    if (r !== 'infinite' && !(typeof r === 'number' && Number.isInteger(r) && r >= 0 && r <= 0xffffffff)) {
      fail(`fetch_retries: must be a whole number or 'infinite', not ${JSON.stringify(r)}`);
    }
    opt('fetch-retries', String(r));
  }
  if (flag('secure_ipl', o.secureIpl)) argv.push('--secure-ipl');

  if (typeof o.device !== 'string' || !/^\/dev\/[^\s\0]+$/.test(o.device)) fail(`device: '${String(o.device)}' must be a device path under /dev/`);
  argv.push(o.device);
  return { argv, secrets };
}

/** The whole command: `sudo coreos-installer install ...`, each word quoted. */
export function installCommand(o: InstallOptions, options: { sudo?: boolean } = {}): InstallCommand {
  const { argv, secrets } = installArgv(o);
  const full = ['coreos-installer', ...argv];
  const command = (options.sudo ?? true ? 'sudo ' : '') + joinArgv(full);
  return { argv: full, command, secrets };
}
