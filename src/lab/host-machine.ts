// What a lab host is beneath its shell: its architecture, disks, what it booted and what was
// installed on its disks. One object per host, shared by its SSH server, its installer and the
// lab's state endpoint, so that what an install writes is what the next boot from disk finds.

import type { LabArch } from './arch.js';
import { hostDisks, installedPartitions, liveMedia, uuidFrom, type BlockDevice } from './disks.js';

/** What `coreos-installer install` left on a disk. */
export interface InstallRecord {
  /** The install device as given (/dev/nvme0n1, a by-path link…). */
  device: string;
  /** Kernel name of the disk written (nvme0n1). */
  disk: string;
  /** The Ignition config written to the boot partition, if any. */
  ignition?: Buffer;
  ignitionSha512?: string;
  ignitionUrl?: string;
  appendKargs: string[];
  deleteKargs: string[];
  console: string[];
  platform?: string;
  copyNetwork: boolean;
  /** ISO 8601 time the install completed. */
  at: string;
  ms: number;
}

export interface LiveMediaInfo {
  size: number;
  volumeId: string;
}

export type BootState = 'live' | 'installed' | 'off';

export class HostMachine {
  readonly disks: BlockDevice[];
  /** The live system's media while booted live from the virtual CD. */
  media: LiveMediaInfo | undefined;
  boot: BootState = 'live';
  /** Completed installs, oldest first. */
  readonly installs: InstallRecord[] = [];
  /** Installs started (the `install_*` faults count them). */
  installAttempts = 0;
  /** Systems brought up by BMC boots so far (0 while the host is the lab's always-on live system). */
  systemBoots = 0;
  /** BMC boots handled so far, whatever came of them, and what came of the last one. */
  bootsSeen = 0;
  lastBoot: string | undefined;
  /** Why the running system lets nobody in, if so. */
  loginProblem: string | undefined;
  /** Kernel names of disks an interrupted or failed install left without a partition table. */
  readonly wiped = new Set<string>();

  constructor(
    readonly hostname: string,
    readonly arch: LabArch,
    opts: { tinyDiskOnly?: boolean; media?: LiveMediaInfo } = {},
  ) {
    this.disks = hostDisks(hostname, { tinyOnly: opts.tinyDiskOnly === true });
    this.media = opts.media;
  }

  /** The block devices the running system sees: the disks with their partitions, and the live media. */
  blockDevices(): BlockDevice[] {
    const disks = this.disks.map((d) => {
      const rec = this.lastInstallOn(d.name);
      if (!rec || this.wiped.has(d.name)) return d;
      const children = installedPartitions(d, uuidFrom(`${rec.at}:${d.name}`));
      // The installed system mounts its own partitions; the live system leaves them alone.
      if (this.boot === 'installed') {
        for (const p of children) {
          if (p.partlabel === 'boot') p.mountpoints = ['/boot'];
          if (p.partlabel === 'root') p.mountpoints = ['/sysroot', '/var', '/etc'];
        }
      }
      return { ...d, children, pttype: 'gpt' };
    });
    return this.boot === 'live' && this.media ? [...disks, liveMedia(this.media.size, this.media.volumeId)] : disks;
  }

  lastInstallOn(disk: string): InstallRecord | undefined {
    for (let i = this.installs.length - 1; i >= 0; i--) if (this.installs[i]?.disk === disk) return this.installs[i];
    return undefined;
  }

  /** The install the next boot from disk would find: the last one on a disk not wiped since. */
  bootableInstall(): InstallRecord | undefined {
    for (let i = this.installs.length - 1; i >= 0; i--) {
      const rec = this.installs[i];
      if (rec && !this.wiped.has(rec.disk)) return rec;
    }
    return undefined;
  }

  recordInstall(rec: InstallRecord): void {
    this.wiped.delete(rec.disk);
    this.installs.push(rec);
  }

  /** State as the lab's /lab/hosts endpoint shows it (Ignition bytes as their digest and size). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.hostname,
      arch: this.arch,
      boot: this.boot,
      systemBoots: this.systemBoots,
      bootsSeen: this.bootsSeen,
      ...(this.lastBoot ? { lastBoot: this.lastBoot } : {}),
      ...(this.loginProblem ? { loginProblem: this.loginProblem } : {}),
      disks: this.disks.map((d) => ({ name: d.name, model: d.model, serial: d.serial, size: d.size, rota: d.rota, tran: d.tran, byPath: d.byPath, wwn: d.wwn })),
      installAttempts: this.installAttempts,
      installs: this.installs.map(({ ignition, ...r }) => ({ ...r, ignitionBytes: ignition?.length ?? 0 })),
      bootable: this.bootableInstall()?.disk ?? null,
    };
  }
}
