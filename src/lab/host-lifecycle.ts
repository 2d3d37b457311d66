// A BMC-driven lab host's life: each boot its BMC reports decides what answers SSH on the host's
// address. A virtual CD boot that worked brings up the live system the ISO's embedded Ignition
// describes (read through the BMC's own Range reader, so a wrong overlay means no way in); a disk
// boot brings up what coreos-installer last installed, or nothing; a failed boot, nothing.
// Between a power change and the boot that follows, the host refuses connections. An install
// whose Ignition is the cluster's worker pointer, booted the first time, goes on as a real worker
// does: first boot (Ignition, OS image pull), a pivot reboot, then its kubelet joins the cluster.

import { setTimeout as delay } from 'node:timers/promises';
import ssh2, { type ParsedKey } from 'ssh2';
import { LAB_ARCHES } from './arch.js';
import type { BmcFleet } from './bmc/fleet.js';
import type { MediaReader } from './bmc/media-reader.js';
import type { BootRecord } from './bmc/state.js';
import type { KubeletNode } from './cluster/kubelet.js';
import { isWorkerPointer, QUICK_JOIN, type JoinTiming } from './cluster/worker-ignition.js';
import { bootFs } from './host-profile.js';
import { newHostKey } from './keys.js';
import { liveSystemFromImage, systemFromIgnition, type SystemSpec } from './live-system.js';
import type { RunningSystem, SimHost } from './ssh-host.js';

export interface LifecycleOptions {
  /** From the boot to sshd answering, in ms (scaled from ~90 s). Default 100. */
  bootMs?: number;
  log?: (line: string) => void;
  /** The lab's cluster: a worker's kubelet joins it (absent: installed workers never join). */
  cluster?: { kubeletBootstrap(node: KubeletNode): Promise<unknown> };
  /** The worker's first boot, pivot and kubelet start (default: lab-timing's quick profile). */
  join?: JoinTiming;
}

function parsedKeys(lines: readonly string[]): ParsedKey[] {
  return lines.flatMap((line) => {
    const k = ssh2.utils.parseKey(line);
    return k instanceof Error ? [] : [Array.isArray(k) ? (k[0] as ParsedKey) : k];
  });
}

/** sshd takes Ignition's host key when it parses; otherwise sshd-keygen makes a new one, as on CoreOS. */
function hostKeyOf(spec: SystemSpec): string {
  if (spec.hostKey && !(ssh2.utils.parseKey(spec.hostKey) instanceof Error)) return spec.hostKey;
  return newHostKey().privateKey;
}

function runningSystem(host: SimHost, kind: RunningSystem['kind'], spec: SystemSpec, kargs: readonly string[] = []): RunningSystem {
  host.machine.systemBoots++;
  host.machine.loginProblem = spec.problem;
  const fs = bootFs(host.profile, { installed: kind === 'installed', kargs });
  for (const f of spec.files) fs.writeFile(f.path, f.data, f.mode);
  const logins = new Map([...spec.logins].map(([user, keys]) => [user, parsedKeys(keys)]));
  return { kind, hostKey: hostKeyOf(spec), logins, fs };
}

/** Follows `host`'s BMC from its first boot on; returns the unsubscription. */
export function followBmc(host: SimHost, bmcs: BmcFleet, opts: LifecycleOptions = {}): () => void {
  const server = bmcs.serverOf(host.name);
  const state = server?.service.machine;
  let current: BootRecord | undefined;
  /** The boot whose system answers SSH now: a system of an earlier boot must not, even before it is stopped. */
  let upFor: BootRecord | undefined;
  const bootSystem = (boot: BootRecord, system: Parameters<SimHost['boot']>[0]): Promise<void> => {
    upFor = boot;
    return host.boot(system);
  };
  let chain = Promise.resolve();
  /** Installs whose first boot and pivot are done: later boots of them start the kubelet at once. */
  const pivoted = new WeakSet<object>();
  /** Installs whose kubelet has started joining (it keeps its certificates across reboots). */
  const joining = new WeakSet<object>();
  const log = opts.log ?? (() => undefined);
  const note = (what: string): void => {
    host.machine.lastBoot = what;
    log(`${host.name}: ${what}`);
  };

  const onBoot = (boot: BootRecord, reader: MediaReader | null): void => {
    current = boot;
    // Driven by its BMC from now on: up only while powered on and running the boot last reported.
    host.gate = () => state?.power === 'On' && state.boots[state.boots.length - 1] === current && upFor === current && host.machine.boot !== 'off';
    chain = chain
      .then(() => bootInto(boot, reader))
      .catch((err: unknown) => note(`boot failed in the lab: ${String(err)}`))
      .finally(() => host.machine.bootsSeen++);
  };

  const bootInto = async (boot: BootRecord, reader: MediaReader | null): Promise<void> => {
    await host.boot(null);
    if (boot.virtualCd) {
      if (boot.outcome !== 'booted' || !reader) {
        note(`virtual CD boot failed (${boot.reason ?? 'no image'}): nothing runs`);
        return;
      }
      await reader.open();
      const size = reader.size ?? 0;
      const live = await liveSystemFromImage({ size, read: (offset, length) => reader.read(offset, length) });
      if (!live.ok) {
        note(`${live.reason}: nothing runs`);
        return;
      }
      // RHCOS volume ids end with the architecture: firmware of another one finds no boot loader on the image.
      const isoArch = LAB_ARCHES.find((a) => live.volumeId.endsWith(`-${a}`));
      if (isoArch && isoArch !== host.machine.arch) {
        note(`the image is for ${isoArch}; the ${host.machine.arch} firmware found no boot loader on it: nothing runs`);
        return;
      }
      host.machine.media = { size: live.size, volumeId: live.volumeId };
      await delay(opts.bootMs ?? 100);
      if (current !== boot) return;
      await bootSystem(boot, runningSystem(host, 'live', live.spec));
      note(`live system up from ${boot.image ?? '?'} (${reader.stats.requests} range reads, ${reader.stats.bytes} bytes)${live.spec.problem ? `, but ${live.spec.problem}` : ''}`);
      return;
    }
    host.machine.media = undefined;
    const rec = host.machine.bootableInstall();
    if (!rec) {
      note('booted from disk, but no disk holds an installed system: nothing runs');
      return;
    }
    await delay(opts.bootMs ?? 100);
    if (current !== boot) return;
    const kargs = rec.appendKargs.filter((k) => !rec.deleteKargs.includes(k));
    const spec = systemFromIgnition(rec.ignition);
    await bootSystem(boot, runningSystem(host, 'installed', spec, kargs));
    note(`installed system up from ${rec.disk}`);
    if (!opts.cluster || !isWorkerPointer(rec.ignition)) return;
    const t = opts.join ?? QUICK_JOIN;
    if (!pivoted.has(rec)) {
      note('first boot: Ignition done, the machine-config daemon pulls the cluster`s OS image');
      await delay(t.firstBootMs);
      if (current !== boot) return;
      await host.boot(null);
      note('rebooting into the cluster`s OS image');
      await delay(t.pivotRebootMs);
      if (current !== boot) return;
      pivoted.add(rec);
      await bootSystem(boot, runningSystem(host, 'installed', spec, kargs));
      note(`installed system up from ${rec.disk} on the cluster's OS image`);
    }
    if (joining.has(rec)) return;
    joining.add(rec);
    await delay(t.kubeletStartMs);
    if (current !== boot) {
      joining.delete(rec);
      return;
    }
    const cluster = opts.cluster;
    // The kubelet runs on its own: the next BMC boot must not wait for an approval.
    void cluster
      .kubeletBootstrap({ name: host.name, arch: host.machine.arch, address: host.address })
      .then(() => note('kubelet: client and serving certificates issued, Node Ready'))
      .catch((err: unknown) => note(`kubelet: ${err instanceof Error ? err.message : String(err)}`));
  };

  return bmcs.onBoot(host.name, onBoot);
}
