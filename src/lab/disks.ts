// A lab host's block devices, as lsblk and udev see them. Decided by the host name, so a host keeps
// its disks across lab restarts: an NVMe system disk on every host (at the same PCI address, so
// `/dev/nvme0n1` and its by-path name hold fleet-wide), and on about half of them a second, SATA
// disk. The live media (the BMC's virtual CD) appears as sr0 while the host runs the live system.

import { createHash } from 'node:crypto';

export interface BlockDevice {
  /** Kernel name: nvme0n1, sda, sr0, nvme0n1p3. */
  name: string;
  majMin: string;
  type: 'disk' | 'part' | 'rom';
  size: number;
  rota: boolean;
  rm: boolean;
  ro: boolean;
  model: string | null;
  /** As sysfs has it: SCSI vendors are padded to 8 characters ("ATA     "). */
  vendor: string | null;
  serial: string | null;
  wwn: string | null;
  hctl: string | null;
  tran: string | null;
  fstype: string | null;
  label: string | null;
  uuid: string | null;
  partlabel: string | null;
  /** Partition table type of a disk (gpt), null when it has none. */
  pttype: string | null;
  mountpoints: string[];
  /** The name under /dev/disk/by-path/ (without the directory). */
  byPath: string | null;
  /** Names under /dev/disk/by-id/. */
  byId: string[];
  children: BlockDevice[];
}

interface DiskModel {
  tran: 'nvme' | 'sata';
  model: string;
  vendor: string | null;
  size: number;
  rota: boolean;
}

// Sizes are what these drives report in bytes.
const NVME: DiskModel[] = [
  { tran: 'nvme', model: 'SAMSUNG MZQL2960HCJR-00A07', vendor: null, size: 960_197_124_096, rota: false },
  { tran: 'nvme', model: 'SAMSUNG MZQL21T9HCJR-00A07', vendor: null, size: 1_920_383_410_176, rota: false },
  { tran: 'nvme', model: 'Micron_7450_MTFDKCC960TFR', vendor: null, size: 960_197_124_096, rota: false },
  { tran: 'nvme', model: 'INTEL SSDPF2KX038TZ', vendor: null, size: 3_840_755_982_336, rota: false },
];
const SATA: DiskModel[] = [
  { tran: 'sata', model: 'ST4000NM0035-1V4107', vendor: 'ATA     ', size: 4_000_787_030_016, rota: true },
  { tran: 'sata', model: 'INTEL SSDSC2KB240G8', vendor: 'ATA     ', size: 240_057_409_536, rota: false },
  { tran: 'sata', model: 'MZ7LH480HAHQ-00005', vendor: 'ATA     ', size: 480_103_981_056, rota: false },
];
/** What a host with fault `install_no_disk` has instead: one small SATA DOM. */
const TINY: DiskModel = { tran: 'sata', model: 'SATADOM-SL 3ME3', vendor: 'ATA     ', size: 16_013_942_784, rota: false };

function seedBytes(name: string): Buffer {
  return createHash('sha256').update(`fleetboot-lab-disks:${name}`).digest();
}

const hex = (b: Buffer): string => b.toString('hex');

function pick<T>(list: readonly T[], byte: number): T {
  return list[byte % list.length] as T;
}

function nvmeDisk(m: DiskModel, seed: Buffer): BlockDevice {
  const serial = `S${hex(seed.subarray(4, 10)).toUpperCase().slice(0, 11)}`;
  const eui = `eui.${hex(seed.subarray(10, 26))}`;
  return {
    name: 'nvme0n1', majMin: '259:0', type: 'disk', size: m.size, rota: m.rota, rm: false, ro: false,
    model: m.model, vendor: m.vendor, serial, wwn: eui, hctl: null, tran: 'nvme',
    fstype: null, label: null, uuid: null, partlabel: null, pttype: null, mountpoints: [],
    byPath: 'pci-0000:01:00.0-nvme-1',
    byId: [`nvme-${m.model.replace(/ /g, '_')}_${serial}`, `nvme-${eui}`],
    children: [],
  };
}

function sataDisk(m: DiskModel, seed: Buffer, index: number): BlockDevice {
  const letter = String.fromCharCode(0x61 + index);
  const serial = `${m.model.startsWith('ST') ? 'ZC' : 'PHYF'}${hex(seed.subarray(26, 30)).toUpperCase()}`;
  const wwn = `0x5${hex(seed.subarray(20, 28)).slice(0, 15)}`;
  return {
    name: `sd${letter}`, majMin: `8:${index * 16}`, type: 'disk', size: m.size, rota: m.rota, rm: false, ro: false,
    model: m.model, vendor: m.vendor, serial, wwn, hctl: `${index}:0:0:0`, tran: 'sata',
    fstype: null, label: null, uuid: null, partlabel: null, pttype: null, mountpoints: [],
    byPath: `pci-0000:00:17.0-ata-${index + 1}`,
    byId: [`ata-${m.model.replace(/ /g, '_')}_${serial}`, `wwn-${wwn}`],
    children: [],
  };
}

/** The host's disks (not the live media). */
export function hostDisks(hostname: string, opts: { tinyOnly?: boolean } = {}): BlockDevice[] {
  const seed = seedBytes(hostname);
  if (opts.tinyOnly) return [sataDisk(TINY, seed, 0)];
  const disks = [nvmeDisk(pick(NVME, seed[0] ?? 0), seed)];
  // About half the hosts have a second disk: a SATA data disk.
  if (((seed[1] ?? 0) & 1) === 1) disks.push(sataDisk(pick(SATA, seed[2] ?? 0), seed, 0));
  return disks;
}

/** The BMC's virtual CD with the live ISO in it, as the live system sees it (mounted at /run/media/iso). */
export function liveMedia(isoSize: number, volumeId: string): BlockDevice {
  return {
    name: 'sr0', majMin: '11:0', type: 'rom', size: isoSize, rota: false, rm: true, ro: false,
    model: 'Virtual CDROM0', vendor: 'AMI     ', serial: 'AAAABBBBCCCC1', wwn: null, hctl: '6:0:0:0', tran: 'usb',
    fstype: 'iso9660', label: volumeId, uuid: '2024-07-29-14-12-01-00', partlabel: null, pttype: null, mountpoints: ['/run/media/iso'],
    byPath: 'pci-0000:00:14.0-usb-0:1.1:1.0-scsi-0:0:0:0',
    byId: ['usb-AMI_Virtual_CDROM0_AAAABBBBCCCC1-0:0'],
    children: [],
  };
}

/** A stable UUID-shaped string from a text. */
export function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The partitions coreos-installer leaves on a disk (the metal image's layout). */
export function installedPartitions(disk: BlockDevice, bootUuid: string): BlockDevice[] {
  const nvme = disk.name.startsWith('nvme');
  const [major, minor0] = disk.majMin.split(':').map(Number) as [number, number];
  const layout: Array<[string, number, string | null, string | null]> = [
    ['BIOS-BOOT', 1 * 2 ** 20, null, null],
    ['EFI-SYSTEM', 127 * 2 ** 20, 'vfat', 'EFI-SYSTEM'],
    ['boot', 384 * 2 ** 20, 'ext4', 'boot'],
    ['root', 0, 'xfs', 'root'],
  ];
  const used = layout.reduce((s, [, size]) => s + size, 2 ** 20);
  return layout.map(([partlabel, size, fstype, label], i) => {
    const n = i + 1;
    return {
      ...disk,
      name: nvme ? `${disk.name}p${n}` : `${disk.name}${n}`,
      majMin: nvme ? `${major}:${n}` : `${major}:${minor0 + n}`,
      type: 'part',
      size: size || disk.size - used - 2 ** 20,
      model: null, vendor: null, serial: null, hctl: null, tran: null,
      fstype, label, partlabel, pttype: 'gpt',
      uuid: partlabel === 'boot' ? bootUuid : fstype ? uuidFrom(`${disk.serial ?? disk.name}:${n}`) : null,
      mountpoints: [],
      byPath: disk.byPath ? `${disk.byPath}-part${n}` : null,
      byId: disk.byId.map((id) => `${id}-part${n}`),
      children: [],
    };
  });
}

/** Every /dev/disk/by-* link of the devices (and their partitions): "by-path/NAME" → kernel name. */
export function diskLinks(devices: readonly BlockDevice[]): Map<string, string> {
  const links = new Map<string, string>();
  const add = (d: BlockDevice): void => {
    if (d.byPath) links.set(`by-path/${d.byPath}`, d.name);
    for (const id of d.byId) links.set(`by-id/${id}`, d.name);
    if (d.type === 'part' && d.partlabel) links.set(`by-partlabel/${d.partlabel}`, d.name);
    if (d.label) links.set(`by-label/${d.label}`, d.name);
    if (d.uuid) links.set(`by-uuid/${d.uuid}`, d.name);
    d.children.forEach(add);
  };
  devices.forEach(add);
  return links;
}

/** The device a path names: /dev/NAME or /dev/disk/by-*\/LINK; undefined when there is none. */
export function findDevice(devices: readonly BlockDevice[], path: string): BlockDevice | undefined {
  const all = devices.flatMap((d) => [d, ...d.children]);
  const m = /^\/dev\/(.+)$/.exec(path);
  if (!m || m[1] === undefined) return undefined;
  let name = m[1];
  if (name.startsWith('disk/')) {
    const target = diskLinks(devices).get(name.slice('disk/'.length));
    if (!target) return undefined;
    name = target;
  }
  return all.find((d) => d.name === name);
}
