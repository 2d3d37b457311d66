// Bringing a lab up and down from another process (the CLI, tests, benchmarks). The lab runs
// detached in its own process (daemon.ts), so what a run measures is fleetboot, not the lab.

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FleetbootError, OptionsError } from '../core/errors.js';
import { archSpecTotal, parseArchSpec } from './arch.js';
import { parseFaults } from './faults.js';
import { MAX_LAB_HOSTS } from './host-plan.js';
import { ensureUserKey } from './keys.js';
import { labPaths, readLabFile } from './lab-dir.js';
import { renderInventory, renderKnownHosts, renderSshConfig, renderWorkerIgnition } from './lab-files.js';
import { assignProfiles } from './bmc/profiles.js';
import { DEFAULT_MEDIA_RATE } from './bmc/media-reader.js';
import { probeBmc, probeSsh } from './probe.js';
import type { DaemonMessage, LabFile, LabState, LabStatus, LabUpOptions } from './types.js';

export type { LabFile, LabHost, LabHostStatus, LabState, LabStatus, LabUpOptions } from './types.js';

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 5_000;

/** Whether `pid` runs the lab daemon of `dir` (and not some process that got its pid later). */
async function isLabDaemon(pid: number, dir: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.some((a) => /daemon\.[cm]?[jt]s$/.test(a)) && cmdline.includes(dir);
  } catch {
    return true; // no /proc here: the signal check above is all we have
  }
}

function daemonCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  const daemon = fileURLToPath(new URL(`./daemon${extname(self)}`, import.meta.url));
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  // Under tsx the daemon is TypeScript too; make sure the child loads tsx even if we were not started through its CLI.
  if (daemon.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', import.meta.resolve('tsx'));
  return [...execArgv, daemon];
}

function waitReady(child: ReturnType<typeof spawn>, logFile: string): Promise<void> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new FleetbootError(`the lab did not get ready within ${READY_TIMEOUT_MS / 1000} s; see ${logFile}`));
    }, READY_TIMEOUT_MS);
    const settle = (err?: Error): void => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (err) fail(err);
      else done();
    };
    child.on('message', (msg: DaemonMessage) => {
      if (msg.type === 'ready') settle();
      else settle(new FleetbootError(`lab up failed: ${msg.message}`));
    });
    child.on('error', (err) => settle(new FleetbootError(`cannot start the lab: ${err.message}`)));
    child.on('exit', (code, signal) =>
      settle(new FleetbootError(`the lab exited (${signal ?? `code ${code}`}) before it was ready; see ${logFile}`)),
    );
  });
}

/** Starts a lab in DIR and resolves once every host listens, with the files clients need written. */
export async function labUp(opts: LabUpOptions): Promise<LabState> {
  const paths = labPaths(opts.dir);
  const port = opts.port ?? 2222;
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > MAX_LAB_HOSTS) {
    throw new OptionsError(`--hosts must be a whole number from 1 to ${MAX_LAB_HOSTS} (got ${opts.hosts})`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new OptionsError(`--port must be 0 to 65535 (got ${port})`);
  const names = opts.names ?? 'node';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(names)) throw new OptionsError(`--names must be a host name prefix such as "node" (got "${names}")`);
  const bmc = opts.bmc !== false;
  const bmcPort = opts.bmcPort ?? (port === 0 ? 0 : 8443);
  if (!Number.isInteger(bmcPort) || bmcPort < 0 || bmcPort > 65535) throw new OptionsError(`--bmc-port must be 0 to 65535 (got ${bmcPort})`);
  const bmcProfiles = opts.bmcProfiles ?? 'generic';
  try {
    assignProfiles(bmcProfiles, 1);
  } catch (err) {
    throw new OptionsError(`--bmc-profiles: ${(err as Error).message}`);
  }
  const powerDelay = opts.bmcPowerDelayMs ?? 200;
  if (!(powerDelay >= 0)) throw new OptionsError(`--bmc-power-delay-ms must be 0 or more (got ${powerDelay})`);
  const mediaRate = opts.bmcMediaRate ?? DEFAULT_MEDIA_RATE;
  if (!Number.isInteger(mediaRate) || mediaRate < 0) throw new OptionsError(`--bmc-media-rate must be a whole number of bytes/s, 0 for unpaced (got ${mediaRate})`);
  const mirrorPort = opts.mirrorPort ?? 0;
  if (!Number.isInteger(mirrorPort) || mirrorPort < 0 || mirrorPort > 65535) throw new OptionsError(`--mirror-port must be 0 to 65535 (got ${mirrorPort})`);
  const clusterPort = opts.clusterPort ?? 0;
  if (!Number.isInteger(clusterPort) || clusterPort < 0 || clusterPort > 65535) throw new OptionsError(`--cluster-port must be 0 to 65535 (got ${clusterPort})`);
  const clusterArch = opts.clusterArch ?? 'multi';
  if (clusterArch !== 'multi' && clusterArch !== 'single') throw new OptionsError(`--cluster-arch must be multi or single (got ${String(clusterArch)})`);
  const installMs = opts.installMs ?? 300;
  if (!(installMs >= 0)) throw new OptionsError(`--install-ms must be 0 or more (got ${installMs})`);
  if (opts.arch !== undefined) {
    let spec;
    try {
      spec = parseArchSpec(opts.arch);
    } catch (err) {
      throw new OptionsError(`--arch: ${(err as Error).message}`);
    }
    const total = archSpecTotal(spec);
    if (total !== undefined && total !== opts.hosts) throw new OptionsError(`--arch asks for ${total} hosts but --hosts is ${opts.hosts}; give matching counts or leave --hosts out`);
  }
  const faults = opts.faults ? resolve(opts.faults) : undefined;
  if (faults) {
    const text = await readFile(faults, 'utf8').catch((err: Error) => {
      throw new OptionsError(`cannot read the faults file: ${err.message}`);
    });
    parseFaults(text, faults); // a bad faults file fails here, in one line, rather than in the lab's log
  }

  await mkdir(paths.dir, { recursive: true });
  const running = await readLabFile(paths.dir);
  if (running && (await isLabDaemon(running.pid, paths.dir))) {
    throw new FleetbootError(`a lab is already up in ${paths.dir} (pid ${running.pid}); run \`fleetboot lab down --dir ${paths.dir}\` first`);
  }
  await rm(paths.labJson, { force: true });
  const key = await ensureUserKey(paths.dir);

  const args = ['--dir', paths.dir, '--hosts', String(opts.hosts), '--port', String(port), '--names', names];
  if (faults) args.push('--faults', faults);
  if (opts.arch !== undefined) args.push('--arch', opts.arch);
  args.push('--mirror-port', String(mirrorPort), '--install-ms', String(installMs));
  if (opts.installerCa) {
    const ca = resolve(opts.installerCa);
    await readFile(ca, 'utf8').catch((err: Error) => {
      throw new OptionsError(`cannot read --installer-ca: ${err.message}`);
    });
    args.push('--installer-ca', ca);
  }
  if (opts.cluster === false) args.push('--no-cluster');
  else args.push('--cluster-port', String(clusterPort), '--cluster-arch', clusterArch);
  if (bmc) args.push('--bmc-port', String(bmcPort), '--bmc-profiles', bmcProfiles, '--bmc-power-delay-ms', String(powerDelay), '--bmc-media-rate', String(mediaRate));
  else args.push('--no-bmc');
  const t0 = performance.now();
  const log = openSync(paths.log, 'a');
  const child = spawn(process.execPath, [...daemonCommand(), ...args], { detached: true, stdio: ['ignore', log, log, 'ipc'] });
  closeSync(log);
  try {
    await waitReady(child, paths.log);
  } finally {
    if (child.connected) child.disconnect();
    child.unref();
  }
  const startupMs = Math.round(performance.now() - t0);

  const lab = await readLabFile(paths.dir);
  if (!lab) throw new FleetbootError(`the lab said it was ready but ${paths.labJson} is missing; see ${paths.log}`);
  const client = {
    privateKey: paths.privateKey,
    knownHosts: paths.knownHosts,
    bmcCa: paths.bmcCa,
    bmcPasswords: paths.bmcPasswords,
    ...(lab.mirror ? { streamUrl: lab.mirror.streamUrl } : {}),
    workerIgnition: join(paths.dir, 'worker.ign'),
    ...(lab.cluster ? { kubeconfig: lab.cluster.kubeconfig } : {}),
  };
  // The lab CA stands in for the machine config server's CA.
  await writeFile(client.workerIgnition, renderWorkerIgnition(lab.bmcPort !== undefined ? await readFile(paths.bmcCa, 'utf8') : undefined));
  await writeFile(paths.knownHosts, renderKnownHosts(lab.hosts));
  await writeFile(paths.inventory, renderInventory(lab.hosts, client));
  await writeFile(paths.sshConfig, renderSshConfig(lab.hosts, client));
  return {
    ...lab,
    dir: paths.dir,
    inventory: paths.inventory,
    knownHosts: paths.knownHosts,
    sshConfig: paths.sshConfig,
    privateKey: paths.privateKey,
    publicKey: key.publicKey,
    ...(lab.bmcPort !== undefined ? { bmcCa: paths.bmcCa, bmcPasswords: paths.bmcPasswords } : {}),
    ...(lab.cluster ? { kubeconfig: lab.cluster.kubeconfig } : {}),
    log: paths.log,
    startupMs,
  };
}

/** Whether a process still exists. Polled: a process that is not our child has no exit event. */
async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    if (Date.now() >= until) return false;
    await delay(20);
  }
}

/** Stops the lab of DIR (SIGTERM, then SIGKILL after a while); does nothing if none is up. */
export async function labDown(dir: string): Promise<void> {
  const paths = labPaths(dir);
  const lab: LabFile | undefined = await readLabFile(paths.dir);
  if (lab && (await isLabDaemon(lab.pid, paths.dir))) {
    process.kill(lab.pid, 'SIGTERM');
    if (!(await waitGone(lab.pid, STOP_TIMEOUT_MS))) {
      process.kill(lab.pid, 'SIGKILL');
      await waitGone(lab.pid, STOP_TIMEOUT_MS);
    }
  }
  await rm(paths.labJson, { force: true });
}

/** Whether the lab of DIR is up and, for each host, whether its SSH server answers. */
export async function labStatus(dir: string): Promise<LabStatus> {
  const paths = labPaths(dir);
  const lab = await readLabFile(paths.dir);
  if (!lab || !(await isLabDaemon(lab.pid, paths.dir))) return { up: false, dir: paths.dir };
  const answers = await Promise.all(lab.hosts.map((h) => probeSsh(h.address, h.port)));
  const ca = lab.bmcPort !== undefined ? await readFile(paths.bmcCa, 'utf8').catch(() => undefined) : undefined;
  const bmcAnswers = await Promise.all(
    lab.hosts.map((h) => (h.bmc ? (ca ? probeBmc(h.bmc.address, h.bmc.port, ca) : Promise.resolve(false)) : Promise.resolve(undefined))),
  );
  return {
    up: true,
    dir: paths.dir,
    pid: lab.pid,
    port: lab.port,
    started: lab.started,
    hosts: lab.hosts.map((h, i) => {
      const b = bmcAnswers[i];
      return { name: h.name, address: h.address, port: h.port, ...(h.arch ? { arch: h.arch } : {}), answers: answers[i] === true, ...(b !== undefined ? { bmcAnswers: b } : {}) };
    }),
  };
}

/** Each host's machine as the lab sees it (architecture, disks, boot, installs), from the mirror's /lab/hosts. */
export async function labHosts(dir: string): Promise<unknown[]> {
  const lab = await readLabFile(labPaths(dir).dir);
  if (!lab?.mirror) throw new FleetbootError(`no lab with a mirror is up in ${dir}`);
  const res = await fetch(`http://${lab.mirror.address}:${lab.mirror.port}/lab/hosts`);
  if (!res.ok) throw new FleetbootError(`the lab answered ${res.status} for /lab/hosts`);
  const body: unknown = await res.json();
  return Array.isArray(body) ? body : [];
}
