// The lab process: `node daemon.js --dir DIR [--hosts N] [--port P] [--names PREFIX] [--faults FILE]
//   [--no-bmc] [--bmc-port P] [--bmc-profiles SPEC] [--bmc-power-delay-ms MS] [--bmc-media-rate B/S] [--arch SPEC]
//   [--mirror-port P] [--install-ms MS] [--installer-ca PEM] [--no-cluster] [--cluster-port P] [--cluster-arch multi|single]`.
// It also runs the lab's mirror (live ISOs and stream metadata, mirror.ts) on 127.10.0.254 and,
// unless --no-cluster, the simulated cluster (cluster/) on 127.10.0.253, writing DIR/kubeconfig.
// With BMCs, it also writes DIR/bmc-ca.pem and DIR/bmc-passwords/<host>, and on shutdown
// DIR/bmc-stats.json (each BMC's peak concurrent requests and sessions).
// Starts the simulated hosts, writes DIR/lab.json, tells its parent (IPC) it is ready, and runs
// until SIGTERM/SIGINT, when it closes every server and removes lab.json. It logs to DIR/lab.log.

import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ssh2, { type ParsedKey } from 'ssh2';
import { errorMessage } from '../core/errors.js';
import { startBmcs, type BmcFleet } from './bmc/fleet.js';
import { assignProfiles } from './bmc/profiles.js';
import { LabCluster } from './cluster/cluster.js';
import type { ClusterArch } from './cluster/objects.js';
import { parseArchSpec, planArches, type ArchSpec } from './arch.js';
import { faultsFor, parseFaults, type FaultRule } from './faults.js';
import { followBmc } from './host-lifecycle.js';
import { HostMachine } from './host-machine.js';
import { LabMirror } from './mirror.js';
import { MAX_LAB_HOSTS, bmcAddress, planHosts } from './host-plan.js';
import { ensureUserKey, newHostKey } from './keys.js';
import { labPaths } from './lab-dir.js';
import { renderWorkerIgnition } from './lab-files.js';
import { SimHost } from './ssh-host.js';
import type { DaemonMessage, LabFile } from './types.js';

interface DaemonArgs {
  dir: string;
  hosts: number;
  port: number;
  names: string;
  faults?: string;
  bmc: boolean;
  bmcPort: number;
  bmcProfiles: string;
  bmcPowerDelayMs: number;
  bmcMediaRate?: number;
  arch?: ArchSpec;
  mirrorPort: number;
  installMs: number;
  /** PEM CA bundle the hosts' HTTPS downloads trust (the artifact server's CA). */
  installerCa?: string;
  cluster: boolean;
  clusterPort: number;
  clusterArch: ClusterArch;
}

function readArgs(argv: string[]): DaemonArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string' },
      hosts: { type: 'string', default: '3' },
      port: { type: 'string', default: '2222' },
      names: { type: 'string', default: 'node' },
      faults: { type: 'string' },
      'no-bmc': { type: 'boolean', default: false },
      'bmc-port': { type: 'string', default: '8443' },
      'bmc-profiles': { type: 'string', default: 'generic' },
      'bmc-power-delay-ms': { type: 'string', default: '200' },
      'bmc-media-rate': { type: 'string' },
      arch: { type: 'string' },
      'mirror-port': { type: 'string', default: '0' },
      'install-ms': { type: 'string', default: '300' },
      'installer-ca': { type: 'string' },
      'no-cluster': { type: 'boolean', default: false },
      'cluster-port': { type: 'string', default: '0' },
      'cluster-arch': { type: 'string', default: 'multi' },
    },
  });
  const bmcPort = Number(values['bmc-port']);
  const bmcPowerDelayMs = Number(values['bmc-power-delay-ms']);
  if (!Number.isInteger(bmcPort) || bmcPort < 0 || bmcPort > 65535) throw new Error('--bmc-port must be 0 to 65535');
  if (!Number.isFinite(bmcPowerDelayMs) || bmcPowerDelayMs < 0) throw new Error('--bmc-power-delay-ms must be 0 or more');
  const bmcMediaRate = values['bmc-media-rate'] === undefined ? undefined : Number(values['bmc-media-rate']);
  if (bmcMediaRate !== undefined && !(Number.isInteger(bmcMediaRate) && bmcMediaRate >= 0)) throw new Error('--bmc-media-rate must be 0 or more bytes/s');
  if (!values.dir) throw new Error('--dir DIR is required');
  const hosts = Number(values.hosts);
  const port = Number(values.port);
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_LAB_HOSTS) throw new Error(`--hosts must be 1 to ${MAX_LAB_HOSTS}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0 to 65535');
  const mirrorPort = Number(values['mirror-port']);
  if (!Number.isInteger(mirrorPort) || mirrorPort < 0 || mirrorPort > 65535) throw new Error('--mirror-port must be 0 to 65535');
  const installMs = Number(values['install-ms']);
  if (!Number.isFinite(installMs) || installMs < 0) throw new Error('--install-ms must be 0 or more');
  const clusterPort = Number(values['cluster-port']);
  if (!Number.isInteger(clusterPort) || clusterPort < 0 || clusterPort > 65535) throw new Error('--cluster-port must be 0 to 65535');
  const clusterArch = values['cluster-arch'];
  if (clusterArch !== 'multi' && clusterArch !== 'single') throw new Error('--cluster-arch must be multi or single');
  return {
    cluster: values['no-cluster'] !== true,
    clusterPort,
    clusterArch,
    ...(values.arch ? { arch: parseArchSpec(values.arch) } : {}),
    mirrorPort,
    installMs,
    ...(values['installer-ca'] ? { installerCa: readFileSync(resolve(values['installer-ca']), 'utf8') } : {}),
    dir: resolve(values.dir),
    hosts,
    port,
    names: values.names ?? 'node',
    faults: values.faults ? resolve(values.faults) : undefined,
    bmc: values['no-bmc'] !== true,
    bmcPort,
    bmcProfiles: values['bmc-profiles'] ?? 'generic',
    bmcPowerDelayMs,
    ...(bmcMediaRate !== undefined ? { bmcMediaRate } : {}),
  };
}

function log(dir: string, line: string): void {
  appendFileSync(labPaths(dir).log, `${new Date().toISOString()} ${line}\n`);
}

/** Listens every host on one port; with port 0, picks the first host's free port and retries if another address has it taken. */
async function listenAll(hosts: SimHost[], port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const [first, ...rest] = hosts;
    if (!first) return port;
    try {
      await first.listen(port);
      await Promise.all(rest.map((h) => h.listen(first.port)));
      return first.port;
    } catch (err) {
      await Promise.all(hosts.map((h) => h.close()));
      const code = (err as NodeJS.ErrnoException).code;
      if (port !== 0 || code !== 'EADDRINUSE' || attempt >= 5) {
        if (code === 'EADDRINUSE') {
          throw new Error(`port ${port || first.port} is in use on a lab address (another lab up? choose another --port)`);
        }
        throw err;
      }
    }
  }
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  const paths = labPaths(args.dir);
  const t0 = performance.now();
  const rules: FaultRule[] = args.faults ? parseFaults(readFileSync(args.faults, 'utf8'), args.faults) : [];
  const userKey = ssh2.utils.parseKey((await ensureUserKey(args.dir)).publicKey) as ParsedKey | Error;
  if (userKey instanceof Error) throw new Error(`${paths.publicKey}: ${userKey.message}`);

  const publicKeys: string[] = [];
  const plans = planHosts(args.hosts, args.names);
  const arches = planArches(plans.length, args.arch);
  const profiles = assignProfiles(args.bmcProfiles, plans.length);
  const machines: HostMachine[] = [];
  const mirror = new LabMirror({ port: args.mirrorPort, arches, machines: () => machines });
  const hosts = plans.map((plan, i) => {
    const key = newHostKey();
    publicKeys.push(key.publicKey);
    const faults = faultsFor(rules, plan.name);
    const arch = arches[i] ?? 'aarch64';
    const media = mirror.isos.get(arch);
    const machine = new HostMachine(plan.name, arch, { tinyDiskOnly: faults.installNoDisk === true, ...(media ? { media } : {}) });
    machines.push(machine);
    return new SimHost({ ...plan, port: args.port, hostKey: key.privateKey, userKey, faults, machine, installer: { writeMs: args.installMs, ...(args.installerCa ? { ca: args.installerCa } : {}) } });
  });
  try {
    await mirror.listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`mirror port ${args.mirrorPort} is in use on ${mirror.address} (another lab up? choose another --mirror-port)`);
    throw err;
  }
  let port: number;
  try {
    port = await listenAll(hosts, args.port);
  } catch (err) {
    await mirror.close();
    throw err;
  }
  let bmcs: BmcFleet | undefined;
  try {
    bmcs = args.bmc
      ? await startBmcs({
          hosts: plans,
          profiles,
          port: args.bmcPort,
          powerDelayMs: args.bmcPowerDelayMs,
          ...(args.bmcMediaRate !== undefined ? { mediaRateBytesPerSec: args.bmcMediaRate } : {}),
          caFile: paths.bmcCa,
          passwordsDir: paths.bmcPasswords,
          faultsOf: (name) => faultsFor(rules, name),
        })
      : undefined;
  } catch (err) {
    await Promise.all([...hosts.map((h) => h.close()), mirror.close()]);
    throw err;
  }
  let cluster: LabCluster | undefined;
  try {
    cluster = args.cluster
      ? await LabCluster.start({
          port: args.clusterPort,
          arch: args.clusterArch,
          // The lab CA stands in for the machine config server's CA, as in the worker.ign labUp writes.
          workerIgnition: renderWorkerIgnition(bmcs && existsSync(paths.bmcCa) ? readFileSync(paths.bmcCa, 'utf8') : undefined),
          stream: mirror.streamJson,
          faultsOf: (name) => {
            const f = faultsFor(rules, name);
            return {
              ...(f.kubeletNeverReady ? { neverReady: true } : {}),
              ...(f.kubeletReadyMs !== undefined ? { readyMs: f.kubeletReadyMs } : {}),
              ...(f.kubeletRotateMs !== undefined ? { rotateMs: f.kubeletRotateMs } : {}),
              ...(f.csrImpostor ? { impostor: f.csrImpostor } : {}),
            };
          },
          log: (line) => log(args.dir, line),
        })
      : undefined;
  } catch (err) {
    await Promise.all([...hosts.map((h) => h.close()), mirror.close(), bmcs?.close()]);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`cluster port ${args.clusterPort} is in use on 127.10.0.253 (another lab up? choose another --cluster-port)`);
    throw err;
  }
  if (cluster) writeFileSync(paths.kubeconfig, cluster.kubeconfig(), { mode: 0o600 });
  const bmcPort = bmcs?.port;
  // From a host's first BMC boot on, what answers its SSH is what that boot brought up.
  if (bmcs) for (const h of hosts) followBmc(h, bmcs, { log: (line) => log(args.dir, line), ...(cluster ? { cluster } : {}) });

  const lab: LabFile = {
    pid: process.pid,
    port,
    started: new Date().toISOString(),
    ...(args.faults ? { faults: args.faults } : {}),
    ...(bmcPort !== undefined ? { bmcPort } : {}),
    mirror: { address: mirror.address, port: mirror.port, streamUrl: mirror.streamUrl },
    ...(cluster ? { cluster: { url: cluster.url, address: cluster.address, port: cluster.port, kubeconfig: paths.kubeconfig, arch: args.clusterArch } } : {}),
    hosts: hosts.map((h, i) => ({
      name: h.name,
      address: h.address,
      port: h.port,
      arch: h.machine.arch,
      hostKey: publicKeys[i] ?? '',
      ...(bmcPort !== undefined ? { bmc: { address: bmcAddress(i), port: bmcPort, profile: profiles[i] ?? 'generic' } } : {}),
    })),
  };
  writeFileSync(`${paths.labJson}.tmp`, JSON.stringify(lab, null, 2));
  renameSync(`${paths.labJson}.tmp`, paths.labJson);
  const ms = Math.round(performance.now() - t0);
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  const bmcNote = bmcPort !== undefined ? `, BMCs on port ${bmcPort} (${args.bmcProfiles})` : '';
  const archNote = [...new Set(arches)].map((a) => `${arches.filter((x) => x === a).length} ${a}`).join(', ');
  const clusterNote = cluster ? `, cluster ${cluster.url} (${args.clusterArch})` : '';
  log(args.dir, `lab up: ${hosts.length} hosts (${archNote}) on port ${port}${bmcNote}, mirror ${mirror.streamUrl}${clusterNote}, pid ${process.pid}, ready in ${ms} ms, rss ${rssMb} MiB`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    if (bmcs) {
      const stats = Object.fromEntries(bmcs.servers.map((b, i) => [hosts[i]?.name ?? b.address, b.service.getStats()]));
      writeFileSync(paths.bmcStats, JSON.stringify(stats, null, 2));
    }
    void Promise.all([...hosts.map((h) => h.close()), bmcs?.close(), mirror.close(), cluster?.close()]).then(() => {
      rmSync(paths.labJson, { force: true });
      // Its tokens die with the lab.
      if (cluster) rmSync(paths.kubeconfig, { force: true });
      log(args.dir, `lab down (${signal})`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The parent may be gone already; the lab runs on by design.
  process.on('disconnect', () => undefined);
  send({ type: 'ready' });
}

function send(msg: DaemonMessage): void {
  if (process.send && process.connected) process.send(msg);
}

/** DIR from the command line, for logging even when the arguments are otherwise bad. */
function dirArg(): string | undefined {
  const i = process.argv.indexOf('--dir');
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// A bug in one simulated session must not take 500 hosts down: log it and go on.
process.on('uncaughtException', (err) => {
  const dir = dirArg();
  if (dir) log(dir, `uncaught: ${err.stack ?? String(err)}`);
});

main().catch((err: unknown) => {
  const message = errorMessage(err);
  send({ type: 'error', message });
  const dir = dirArg();
  if (dir) log(dir, `lab failed to start: ${message}`);
  process.exitCode = 1;
  process.disconnect?.();
});
