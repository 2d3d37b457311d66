// `coreos-installer` on a lab host: `install` as coreos-installer does it (src/install.rs in
// coreos/coreos-installer), on the host's simulated disks. Messages, their order and exit status
// follow the real program: everything on stderr, errors as anyhow prints them ("Error: …" with its
// "Caused by:" chain), exit 1 on failure, 2 on a bad command line. The image is "written" in the
// lab's scaled time with coreos-installer's progress lines; what was installed is recorded on the
// host's machine for its next boot from disk.

import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { configToWords, parseCommandLine, type InstallArgs } from './coreos-installer-args.js';
import { findDevice } from './disks.js';
import type { HostFaults } from './faults.js';
import { HostMachine, type InstallRecord } from './host-machine.js';
import { FCOS_VERSION } from './host-profile.js';
import { loopbackGet } from './loopback-fetch.js';
import { MemFs } from './memfs.js';
import type { ShellEnv } from './shell-types.js';

/** What the live image's osmet unpacks to: ~2.6 GiB, as a Fedora CoreOS metal image. */
export const IMAGE_BYTES = 2_791_309_312;
const DEFAULT_WRITE_MS = 300;
const PROGRESS_STEPS = 8;

/** anyhow's `{:?}`: the error, then its causes (numbered when more than one). */
export function anyhowDebug(chain: readonly string[]): string {
  const [top = '', ...causes] = chain;
  if (causes.length === 0) return top;
  if (causes.length === 1) return `${top}\n\nCaused by:\n    ${causes[0]}`;
  return `${top}\n\nCaused by:\n${causes.map((c, i) => `    ${i}: ${c}`).join('\n')}`;
}

/** byte_unit's binary units to one decimal, as coreos-installer's progress lines show sizes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

class Failure {
  constructor(readonly chain: string[]) {}
}

/** Whether the fault applies to the attempt numbered `attempt` (1-based). */
const hits = (times: number | undefined, attempt: number): boolean => times !== undefined && attempt <= times;

async function fetchIgnition(url: string, args: InstallArgs, env: ShellEnv, faults: HostFaults): Promise<Buffer> {
  const top = `downloading source Ignition config ${url}`;
  const u = new URL(url);
  const signal = env.io.signal;
  if (faults.slowDownloadSeconds) await delay(faults.slowDownloadSeconds * 1000, undefined, signal ? { signal } : undefined);
  let tries = args.fetchRetries === 'infinite' ? Infinity : args.fetchRetries + 1;
  let wait = 1;
  for (;;) {
    const r = await loopbackGet(u, { ...(env.host.installer?.ca ? { ca: env.host.installer.ca } : {}), ...(signal ? { signal } : {}) });
    if (r.ok) return r.body;
    tries--;
    if (!r.retry || tries <= 0) throw new Failure([top, `fetching '${url}'`, ...r.chain]);
    env.io.stderr(`Error fetching '${url}': ${r.chain[0]}\nSleeping ${wait}s and retrying...\n`);
    // The lab's time scale: a second of backoff is 50 ms.
    await delay(wait * 50, undefined, signal ? { signal } : undefined);
    wait = Math.min(wait * 2, 600);
  }
}

function readIgnitionFile(path: string, env: ShellEnv): Buffer {
  const full = MemFs.resolve(path, env.state.cwd);
  const st = env.host.fs.stat(full);
  if (!st) throw new Failure([`opening source Ignition config ${path}`, 'No such file or directory (os error 2)']);
  if (st.kind === 'dir') throw new Failure([`opening source Ignition config ${path}`, 'Is a directory (os error 21)']);
  return env.host.fs.readFile(full);
}

function digestOf(algo: 'sha256' | 'sha512', data: Buffer): string {
  return createHash(algo).update(data).digest('hex');
}

/** Words from --config-file files, then the command line's own, as expand_config_files does. */
function expandConfigFiles(args: InstallArgs, words: string[], env: ShellEnv): InstallArgs {
  if (args.configFile.length === 0) return args;
  const all: string[] = [];
  for (const path of args.configFile) {
    const full = MemFs.resolve(path, env.state.cwd);
    if (env.host.fs.stat(full)?.kind !== 'file') throw new Failure([`opening config file ${path}`, 'No such file or directory (os error 2)']);
    try {
      all.push(...configToWords(parseYaml(env.host.fs.readFile(full).toString('utf8'))));
    } catch (err) {
      throw new Failure([`parsing config file ${path}`, (err as Error).message]);
    }
  }
  // The command line's own words minus its --config-file options.
  const own: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '-c' || w === '--config-file') i++;
    else if (!w.startsWith('--config-file=') && !/^-c./.test(w)) own.push(w);
  }
  const merged = [...all, ...own];
  env.io.stdout(`Running with arguments: ${merged.join(' ')}\n`);
  const again = parseCommandLine(['install', ...merged]);
  if (again.kind !== 'install') throw new Failure(['reprocessing command-line arguments', again.kind === 'error' ? again.stderr.trim() : '']);
  return again.args;
}

async function install(words: string[], parsed: InstallArgs, env: ShellEnv): Promise<number> {
  const { io, host } = env;
  const machine = host.machine ?? new HostMachine(host.profile.hostname, host.profile.machine === 'x86_64' ? 'x86_64' : 'aarch64');
  const faults = host.faults ?? {};
  const signal = io.signal;
  const sleep = (ms: number): Promise<void> => delay(ms, undefined, signal ? { signal } : undefined);
  const args = expandConfigFiles(parsed, words, env);
  const device = args.destDevice;
  if (device === undefined) throw new Failure(['destination device must be specified']);

  let ignition: Buffer | undefined;
  if (args.ignitionFile !== undefined) ignition = readIgnitionFile(args.ignitionFile, env);
  else if (args.ignitionUrl !== undefined) {
    const url = new URL(args.ignitionUrl);
    if (url.protocol === 'http:') {
      if (!args.ignitionHash && !args.insecureIgnition) {
        throw new Failure(['refusing to fetch Ignition config over HTTP without --ignition-hash or --insecure-ignition']);
      }
    } else if (url.protocol !== 'https:') throw new Failure([`unknown protocol for URL '${args.ignitionUrl}'`]);
    ignition = await fetchIgnition(args.ignitionUrl, args, env, faults);
  }
  const attempt = machine.installAttempts + 1;
  // Fault: the bytes the host received are not the ones served (still JSON: a byte more at the end).
  if (ignition && hits(faults.ignitionHashMismatch, attempt)) ignition = Buffer.concat([ignition, Buffer.from('\n')]);
  if (ignition) {
    try {
      JSON.parse(ignition.toString('utf8'));
    } catch {
      throw new Failure(['parsing specified Ignition config', 'expected value at line 1 column 1']);
    }
  }

  const target = findDevice(machine.blockDevices(), device);
  if (!target) throw new Failure([`getting sector size of ${device}`, `opening "${device}"`, 'No such file or directory (os error 2)']);
  if (host.user.uid !== 0) throw new Failure([`getting sector size of ${device}`, `opening "${device}"`, 'Permission denied (os error 13)']);
  if (target.type !== 'disk' || target.mountpoints.length > 0 || target.children.some((c) => c.mountpoints.length > 0)) {
    throw new Failure([`checking for exclusive access to ${device}`, 'found busy partitions']);
  }

  // From the live system coreos-installer copies the image it booted (osmet); anything else downloads.
  const arch = args.architecture ?? machine.arch;
  if (args.imageUrl || args.imageFile || args.stream || arch !== machine.arch || machine.boot !== 'live') {
    const where = args.imageUrl ?? args.imageFile ?? `${(args.streamBaseUrl ?? 'https://builds.coreos.fedoraproject.org/streams/').replace(/\/?$/, '/')}${args.stream ?? 'stable'}.json`;
    throw new Failure([`fetching '${where}'`, `the lab installs only the live system's own image (osmet, ${machine.arch}); it does not download images`]);
  }
  io.stderr(`Installing Fedora CoreOS ${FCOS_VERSION} ${machine.arch} (512-byte sectors)\n`);

  machine.installAttempts = attempt;
  const started = performance.now();
  const writeMs = host.installer?.writeMs ?? DEFAULT_WRITE_MS;
  const total = formatBytes(IMAGE_BYTES);
  const failAt = hits(faults.installFail, attempt) ? 3 : -1;
  const dropAt = hits(faults.installDropSsh, attempt) ? 4 : -1;
  for (let step = 1; step <= PROGRESS_STEPS; step++) {
    await sleep(writeMs / PROGRESS_STEPS);
    if (step === dropAt && io.drop) {
      // The connection goes, and coreos-installer with it (SIGHUP): a half-written disk.
      machine.wiped.add(target.name);
      io.drop();
      return 129;
    }
    if (step === failAt) {
      io.stderr(`\nError: ${anyhowDebug(['decoding and writing image', 'Input/output error (os error 5)'])}\n\n`);
      return resetAndFail(args, machine, target.name, io);
    }
    const pos = Math.floor((IMAGE_BYTES * step) / PROGRESS_STEPS);
    io.stderr(`Read disk ${formatBytes(pos)}/${total} (${Math.floor((100 * pos) / IMAGE_BYTES)}%)\n`);
  }

  let ignitionSha512: string | undefined;
  if (ignition) {
    io.stderr('Writing Ignition config\n');
    const want = args.ignitionHash;
    if (want) {
      const got = digestOf(want.algo, ignition);
      if (got !== want.hex) {
        const chain = ['writing Ignition configuration', 'failed to validate Ignition configuration digest', `hash mismatch, computed '${got}' but expected '${want.hex}'`];
        io.stderr(`\nError: ${anyhowDebug(chain)}\n\n`);
        return resetAndFail(args, machine, target.name, io);
      }
    }
    ignitionSha512 = digestOf('sha512', ignition);
  }
  if (args.platform && args.platform !== 'metal') io.stderr(`Setting platform to ${args.platform}\n`);
  if (args.console.length) io.stderr('Configuring console settings\n');
  if (args.firstbootArgs) io.stderr('Writing first-boot kernel arguments\n');
  if (args.appendKarg.length || args.deleteKarg.length) io.stderr('Modifying kernel arguments\n');
  if (args.copyNetwork) {
    const dir = args.networkDir.replace(/\/?$/, '/');
    io.stderr(`Copying networking configuration from ${dir}\n`);
    const fs = host.fs;
    if (fs.stat(dir)?.kind === 'dir') for (const f of fs.readdir(dir)) if (fs.stat(dir + f)?.kind === 'file') io.stderr(`Copying ${dir}${f} to installed system\n`);
  }
  const rec: InstallRecord = {
    device,
    disk: target.name,
    ...(ignition ? { ignition, ignitionSha512 } : {}),
    ...(args.ignitionUrl ? { ignitionUrl: args.ignitionUrl } : {}),
    appendKargs: [...args.appendKarg],
    deleteKargs: [...args.deleteKarg],
    console: [...args.console],
    ...(args.platform ? { platform: args.platform } : {}),
    copyNetwork: args.copyNetwork,
    at: new Date().toISOString(),
    ms: Math.round(performance.now() - started),
  };
  machine.recordInstall(rec);
  io.stderr('Install complete.\n');
  return 0;
}

function resetAndFail(args: InstallArgs, machine: HostMachine, disk: string, io: ShellEnv['io']): number {
  if (args.preserveOnError) io.stderr('Preserving partition table as requested\n');
  else io.stderr('Resetting partition table\n');
  machine.wiped.add(disk);
  io.stderr('Error: install failed\n');
  return 1;
}

/** The `coreos-installer` command of the lab shell. */
export async function coreosInstaller(argv: string[], env: ShellEnv): Promise<number> {
  const cli = parseCommandLine(argv);
  if (cli.kind === 'print') {
    env.io.stdout(cli.stdout);
    return 0;
  }
  if (cli.kind === 'error') {
    env.io.stderr(cli.stderr);
    return cli.rc;
  }
  try {
    return await install(argv.slice(1), cli.args, env);
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    env.io.stderr(`Error: ${anyhowDebug(err.chain)}\n`);
    return 1;
  }
}
