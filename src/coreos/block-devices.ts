// The live system's disks as root-device hints see them, read over SSH with two commands:
//   1. `lsblk --json --bytes --output <LSBLK_COLUMNS>`: one run for all devices (tree: children
//      carry partitions and their mount points, which tell the live media apart);
//   2. `udevadm info --query=property --name=<disk>`: once per whole disk, only when a hint
//      needs what lsblk lacks: the /dev/disk/by-path names (udev's DEVLINKS), `ID_WWN`,
//      `ID_WWN_WITH_EXTENSION`, `ID_WWN_VENDOR_EXTENSION`, and a serial lsblk did not show.
// Each field comes from where Ironic's agent reads it (openstack/ironic-python-agent
// hardware.py `list_all_block_devices` @ a9e64be5): name = /dev/<kname>; model, size,
// rotational, serial, wwn from lsblk (serial falls back to udev ID_SERIAL_SHORT then ID_SERIAL,
// wwn to ID_WWN); wwn_with_extension and wwn_vendor_extension from udev; vendor from sysfs
// (lsblk's VENDOR column reads the same sysfs file); hctl from the SCSI address (lsblk HCTL);
// by_path from the /dev/disk/by-path links.

import { shellQuote } from '../modules/command-line.js';

export const LSBLK_COLUMNS = [
  'NAME', 'KNAME', 'PATH', 'TYPE', 'SIZE', 'ROTA', 'RM', 'RO', 'MODEL', 'VENDOR', 'SERIAL', 'WWN', 'HCTL', 'TRAN', 'FSTYPE', 'LABEL', 'MOUNTPOINT',
] as const;

/** The lsblk command the install module runs (no sudo needed: lsblk reads sysfs and the udev db). */
export function lsblkCommand(): string {
  return `lsblk --json --bytes --output ${LSBLK_COLUMNS.join(',')}`;
}

/** The udev query for one disk; its output is `KEY=value` lines (see parseUdevProperties). */
export function udevCommand(devicePath: string): string {
  return `udevadm info --query=property --name=${shellQuote(devicePath)}`;
}

export interface BlockDevice {
  /** Kernel name: `sda`, `nvme0n1`. */
  kname: string;
  /** `/dev/<kname>`. */
  path: string;
  /** lsblk TYPE: disk, part, rom, loop, lvm, mpath, raid1, ... */
  type: string;
  size: number;
  rotational?: boolean;
  removable?: boolean;
  readOnly?: boolean;
  model?: string;
  vendor?: string;
  serial?: string;
  wwn?: string;
  hctl?: string;
  tran?: string;
  fstype?: string;
  label?: string;
  /** Mount points of this device and everything below it. */
  mountpoints: string[];
  /** Filesystem types of this device and everything below it. */
  fstypes: string[];
}

export class BlockDeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockDeviceError';
  }
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A trimmed non-empty string, or undefined (lsblk pads VENDOR with spaces and prints null). */
function text(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** lsblk prints booleans as true/false (util-linux 2.33+) or "0"/"1" (older). */
function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1') return true;
  if (v === 0 || v === '0') return false;
  return undefined;
}

function bytes(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Parses `lsblk --json --bytes` output into its top-level devices (children folded in). */
export function parseLsblk(output: string): BlockDevice[] {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch (err) {
    throw new BlockDeviceError(`lsblk output is not JSON (is --json supported?): ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = isObj(value) ? value['blockdevices'] : undefined;
  if (!Array.isArray(list)) throw new BlockDeviceError('lsblk output has no "blockdevices" list');
  return list.filter(isObj).map((raw, i) => device(raw, `blockdevices[${i}]`));
}

function device(raw: Json, where: string): BlockDevice {
  const kname = text(raw['kname']) ?? text(raw['name']);
  if (!kname) throw new BlockDeviceError(`lsblk output ${where} has no name`);
  const size = bytes(raw['size']);
  if (size === undefined) throw new BlockDeviceError(`lsblk output ${where} (${kname}): size is not a number of bytes (was --bytes given?)`);
  const mountpoints: string[] = [];
  const fstypes: string[] = [];
  collect(raw, mountpoints, fstypes);
  const path = text(raw['path']) ?? `/dev/${kname.replace(/^\/dev\//, '')}`;
  const out: BlockDevice = { kname: kname.replace(/^\/dev\//, ''), path, type: text(raw['type']) ?? 'unknown', size, mountpoints, fstypes };
  const opt: Array<[keyof BlockDevice, unknown]> = [
    ['rotational', flag(raw['rota'])],
    ['removable', flag(raw['rm'])],
    ['readOnly', flag(raw['ro'])],
    ['model', text(raw['model'])],
    ['vendor', text(raw['vendor'])],
    ['serial', text(raw['serial'])],
    ['wwn', text(raw['wwn'])],
    ['hctl', text(raw['hctl'])],
    ['tran', text(raw['tran'])],
    ['fstype', text(raw['fstype'])],
    ['label', text(raw['label'])],
  ];
  for (const [k, v] of opt) if (v !== undefined) (out as unknown as Json)[k] = v;
  return out;
}

function collect(raw: Json, mountpoints: string[], fstypes: string[]): void {
  const mp = raw['mountpoints'] ?? raw['mountpoint'];
  for (const m of Array.isArray(mp) ? mp : [mp]) {
    const t = text(m);
    if (t) mountpoints.push(t);
  }
  const fs = text(raw['fstype']);
  if (fs) fstypes.push(fs);
  const children = raw['children'];
  if (Array.isArray(children)) for (const c of children) if (isObj(c)) collect(c, mountpoints, fstypes);
}

/** Parses `udevadm info --query=property` output (`KEY=value` lines). */
export function parseUdevProperties(output: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    props[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return props;
}

export interface UdevDiskInfo {
  /** The disk's /dev/disk/by-path links (udev may make more than one). */
  byPath: string[];
  wwn?: string;
  wwnWithExtension?: string;
  wwnVendorExtension?: string;
  serial?: string;
}

/** The hint-relevant udev properties of one disk (device-mapper `DM_*` names as fallback, as IPA does). */
export function udevDiskInfo(props: Record<string, string>): UdevDiskInfo {
  const get = (key: string): string | undefined => text(props[`ID_${key}`]) ?? text(props[`DM_${key}`]);
  const byPath = (props['DEVLINKS'] ?? '').split(/\s+/).filter((l) => l.startsWith('/dev/disk/by-path/'));
  const out: UdevDiskInfo = { byPath };
  const wwn = get('WWN');
  const ext = get('WWN_WITH_EXTENSION');
  const vendorExt = get('WWN_VENDOR_EXTENSION');
  const serial = get('SERIAL_SHORT') ?? get('SERIAL');
  if (wwn) out.wwn = wwn;
  if (ext) out.wwnWithExtension = ext;
  if (vendorExt) out.wwnVendorExtension = vendorExt;
  if (serial) out.serial = serial;
  return out;
}

/** A disk as the hints see it: Ironic's device dictionary, fields as described at the top. */
export interface HintDisk {
  name: string;
  byPath: string[];
  size: number;
  rotational?: boolean;
  model?: string;
  vendor?: string;
  serial?: string;
  wwn?: string;
  wwnWithExtension?: string;
  wwnVendorExtension?: string;
  hctl?: string;
  /** Why this disk can never be the install target, when it cannot (live media, in use). */
  unusable?: string;
}

/** Live media on the host is an ISO9660 image (dd'd to USB, or the virtual CD if it shows as a disk). */
function unusableReason(dev: BlockDevice): string | undefined {
  if (dev.fstypes.includes('iso9660')) return `holds an iso9660 filesystem${dev.label ? ` '${dev.label}'` : ''} (the live media)`;
  if (dev.mountpoints.length > 0) return `is in use: mounted at ${dev.mountpoints.join(', ')}`;
  if (dev.readOnly) return 'is read-only';
  if (dev.size === 0) return 'has size 0 (no medium)';
  return undefined;
}

/**
 * The whole disks (TYPE disk) with what udev said about each (by kernel path; absent when
 * udevadm was not run). Partitions, ROMs, loops and mappers are not candidates.
 */
export function hintDisks(devices: readonly BlockDevice[], udev: ReadonlyMap<string, UdevDiskInfo> = new Map()): HintDisk[] {
  return devices
    .filter((d) => d.type === 'disk')
    .map((d) => {
      const u = udev.get(d.path) ?? udev.get(`/dev/${d.kname}`);
      const disk: HintDisk = { name: `/dev/${d.kname}`, byPath: u?.byPath ?? [], size: d.size };
      const set = <K extends keyof HintDisk>(k: K, v: HintDisk[K] | undefined): void => {
        if (v !== undefined) disk[k] = v;
      };
      set('rotational', d.rotational);
      set('model', d.model);
      set('vendor', d.vendor);
      set('serial', d.serial ?? u?.serial);
      set('wwn', d.wwn ?? u?.wwn);
      set('wwnWithExtension', u?.wwnWithExtension);
      set('wwnVendorExtension', u?.wwnVendorExtension);
      set('hctl', d.hctl);
      set('unusable', unusableReason(d));
      return disk;
    });
}
