// All simulated BMCs of a lab: the CA and leaf certificates, one password per BMC (written to
// DIR/bmc-passwords/<host>, mode 0600), and one HTTPS Redfish service per host, on the BMC's own address.

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostFaults } from '../faults.js';
import type { HostPlan } from '../host-plan.js';
import { makeLabCa, makeLeaves } from './certs.js';
import { BMC_PROFILES, type BmcProfileName } from './profiles.js';
import { BmcServer } from './server.js';
import { BmcService, type BmcFaults } from './service.js';
import type { BootListener } from './state.js';

export interface BmcFleetOptions {
  hosts: HostPlan[];
  profiles: BmcProfileName[];
  /** Same port on every address; 0 picks one free port for all. */
  port: number;
  powerDelayMs: number;
  caFile: string;
  passwordsDir: string;
  faultsOf: (host: string) => HostFaults;
  /** Bytes per second each BMC's firmware reads a virtual CD image at (default 50 MB/s); 0 = unpaced. */
  mediaRateBytesPerSec?: number;
  /** CA of the image server, for profiles that verify its certificate (none does by default). */
  mediaCa?: string;
  /** SessionService SessionTimeout in seconds (default 1800). */
  sessionTimeoutSec?: number;
}

export interface BmcFleet {
  servers: BmcServer[];
  port: number;
  /**
   * Every boot of `host`'s machine once its outcome is known; a virtual CD boot that worked hands
   * over its open image reader (the live system reads its Ignition through it). Returns the removal.
   */
  onBoot(host: string, listener: BootListener): () => void;
  /** The BMC of the lab host named `host`. */
  serverOf(host: string): BmcServer | undefined;
  close(): Promise<void>;
}

export function bmcFaults(h: HostFaults): BmcFaults {
  return {
    ...(h.bmc503Burst !== undefined ? { burst503: h.bmc503Burst } : {}),
    ...(h.bmcSessionLimit !== undefined ? { sessionLimit: h.bmcSessionLimit } : {}),
    ...(h.bmcSlowMs !== undefined ? { slowMs: h.bmcSlowMs } : {}),
    ...(h.bmcBusyResetMs !== undefined ? { busyResetMs: h.bmcBusyResetMs } : {}),
    ...(h.bmcTwoAtOnce ? { twoAtOnce: h.bmcTwoAtOnce } : {}),
    ...(h.bmcRequireIfMatch !== undefined ? { requireIfMatch: h.bmcRequireIfMatch } : {}),
    ...(h.bmcAsyncActions !== undefined ? { asyncActions: h.bmcAsyncActions } : {}),
    ...(h.bmcStaleMediaMs !== undefined ? { staleMediaMs: h.bmcStaleMediaMs } : {}),
  };
}

/** A stable, locally administered MAC from the lab address 127.10.x.y: 52:54:00:0a:xx:yy. */
export function labMac(address: string): string {
  const [, , x = '0', y = '0'] = address.split('.');
  const hex = (n: string): string => Number(n).toString(16).padStart(2, '0');
  return `52:54:00:0a:${hex(x)}:${hex(y)}`;
}

async function listenAll(servers: BmcServer[], port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const [first, ...rest] = servers;
    if (!first) return port;
    try {
      await first.listen(port);
      await Promise.all(rest.map((s) => s.listen(first.port)));
      return first.port;
    } catch (err) {
      await Promise.all(servers.map((s) => s.close()));
      const code = (err as NodeJS.ErrnoException).code;
      if (port !== 0 || code !== 'EADDRINUSE' || attempt >= 5) {
        if (code === 'EADDRINUSE') throw new Error(`BMC port ${port || first.port} is in use on a lab address (another lab up? choose another bmcPort)`);
        throw err;
      }
    }
  }
}

export async function startBmcs(opts: BmcFleetOptions): Promise<BmcFleet> {
  const ca = await makeLabCa();
  const leaves = await makeLeaves(ca, opts.hosts.map((h) => h.bmcAddress));
  await writeFile(opts.caFile, ca.certPem, { mode: 0o644 });
  await mkdir(opts.passwordsDir, { recursive: true, mode: 0o700 });
  const servers = await Promise.all(
    opts.hosts.map(async (h, i) => {
      const password = randomBytes(12).toString('base64url');
      await writeFile(join(opts.passwordsDir, h.name), `${password}\n`, { mode: 0o600 });
      const leaf = leaves.get(h.bmcAddress);
      if (!leaf) throw new Error(`no certificate for ${h.bmcAddress}`);
      const service = new BmcService({
        identity: { name: h.name, address: h.address, uuid: randomUUID(), serial: `LAB${String(i + 1).padStart(6, '0')}`, mac: labMac(h.address) },
        profile: BMC_PROFILES[opts.profiles[i] ?? 'generic'],
        password,
        powerDelayMs: opts.powerDelayMs,
        faults: bmcFaults(opts.faultsOf(h.name)),
        ...(opts.sessionTimeoutSec !== undefined ? { sessionTimeoutSec: opts.sessionTimeoutSec } : {}),
        media: {
          ...(opts.mediaRateBytesPerSec !== undefined ? { rateBytesPerSec: opts.mediaRateBytesPerSec } : {}),
          ...(opts.mediaCa !== undefined ? { ca: opts.mediaCa } : {}),
        },
      });
      return new BmcServer(h.bmcAddress, service, { key: leaf.keyPem, cert: leaf.certPem });
    }),
  );
  const port = await listenAll(servers, opts.port);
  const byHost = new Map(opts.hosts.map((h, i) => [h.name, servers[i]]));
  return {
    servers,
    port,
    onBoot(host, listener) {
      const server = byHost.get(host);
      if (!server) throw new Error(`no BMC for host ${host}`);
      return server.service.onBoot(listener);
    },
    serverOf: (host) => byHost.get(host),
    close: async () => void (await Promise.all(servers.map((s) => s.close()))),
  };
}
