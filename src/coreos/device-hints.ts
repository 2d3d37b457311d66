// Root device hints exactly as Metal3 defines them (metal3-io/baremetal-operator @ 02aa5059:
// apis/metal3.io/v1alpha1/baremetalhost_types.go `RootDeviceHints`, the webhook's
// `validateRootDeviceHints`, and pkg/provisioner/ironic/devicehints `MakeHintMap`, which turns
// them into Ironic hints), matched as Ironic's agent matches them (openstack/ironic-python-agent
// @ a9e64be5 ironic_python_agent/device_hints.py `find_devices_by_hints`):
//   deviceName          `s==` exact; a /dev/disk/by-path/ name is matched against by-path links
//   hctl, serialNumber, wwn, wwnWithExtension, wwnVendorExtension   `s==` exact
//   model, vendor       `<in>`: the hint is a substring of the disk's value
//   minSizeGigabytes    `>=` against the size in GiB (bytes / 2^30, not 10^9)
//   rotational          boolean equality
// Both sides of a string comparison are normalized as Ironic does: trimmed, lower-cased, then
// URL-quoted (Python's urllib.parse.quote), so matching ignores case and outer spaces. A disk
// that lacks a value a hint asks about does not match. All hints must match.
// Unlike Ironic, which takes the first match, several matches are a failure here: never a guess.

import type { BlockDevice, HintDisk } from './block-devices.js';

export interface RootDeviceHints {
  deviceName?: string;
  hctl?: string;
  model?: string;
  vendor?: string;
  serialNumber?: string;
  minSizeGigabytes?: number;
  wwn?: string;
  wwnWithExtension?: string;
  wwnVendorExtension?: string;
  rotational?: boolean;
}

const STRING_HINTS = ['deviceName', 'hctl', 'model', 'vendor', 'serialNumber', 'wwn', 'wwnWithExtension', 'wwnVendorExtension'] as const;
const HINT_KEYS = [...STRING_HINTS, 'minSizeGigabytes', 'rotational'];

export class DeviceHintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceHintError';
  }
}

/** Reads and checks hints (Metal3's field names); empty strings and 0 mean "not set", as in Metal3. */
export function parseRootDeviceHints(value: unknown, field = 'root_device_hints'): RootDeviceHints {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new DeviceHintError(`${field}: must be a mapping of Metal3 root device hints (${HINT_KEYS.join(', ')})`);
  const raw = value as Record<string, unknown>;
  const hints: RootDeviceHints = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!HINT_KEYS.includes(k)) throw new DeviceHintError(`${field}.${k}: unknown hint (Metal3's hints: ${HINT_KEYS.join(', ')})`);
    if (v === undefined || v === null) continue;
    if (k === 'rotational') {
      if (typeof v !== 'boolean') throw new DeviceHintError(`${field}.rotational: must be true or false`);
      hints.rotational = v;
    } else if (k === 'minSizeGigabytes') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new DeviceHintError(`${field}.minSizeGigabytes: must be a whole number of GiB, 0 or more`);
      if (v > 0) hints.minSizeGigabytes = v;
    } else {
      if (typeof v !== 'string') throw new DeviceHintError(`${field}.${k}: must be a string`);
      if (v.trim() !== '') hints[k as (typeof STRING_HINTS)[number]] = v;
    }
  }
  if (hints.deviceName !== undefined) checkDeviceName(hints.deviceName, `${field}.deviceName`);
  return hints;
}

/** Metal3's webhook rule: a /dev/ path, directly under /dev/ or /dev/disk/by-path/ (messages are its own). */
function checkDeviceName(name: string, where: string): void {
  if (!name.startsWith('/dev/')) throw new DeviceHintError(`${where}: device name of root device hint must be a /dev/ path, not "${name}"`);
  const sub = name.slice('/dev/'.length).replace(/^disk\/by-path\//, '');
  if (sub.includes('/')) throw new DeviceHintError(`${where}: device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not "${name}"`);
}

export function isByPath(deviceName: string): boolean {
  return deviceName.startsWith('/dev/disk/by-path/');
}

/**
 * Whether the hints need `udevadm info` per disk: by-path names and the WWN extensions come only
 * from udev; serial and wwn only when lsblk left them out for some whole disk.
 */
export function hintsNeedUdev(hints: RootDeviceHints, devices: readonly BlockDevice[] = []): boolean {
  const disks = devices.filter((d) => d.type === 'disk');
  return (
    (hints.deviceName !== undefined && isByPath(hints.deviceName)) ||
    hints.wwnWithExtension !== undefined ||
    hints.wwnVendorExtension !== undefined ||
    (hints.serialNumber !== undefined && (disks.length === 0 || disks.some((d) => d.serial === undefined))) ||
    (hints.wwn !== undefined && (disks.length === 0 || disks.some((d) => d.wwn === undefined)))
  );
}

/** Python's urllib.parse.quote(s, safe='/'): bytes other than A-Za-z0-9_.-~/ become %XX. */
function pyQuote(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.\-~/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function normalize(s: string): string {
  return pyQuote(s.trim().toLowerCase());
}

const GiB = 1024 ** 3;

function gib(bytes: number): string {
  const v = bytes / GiB;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} GiB`;
}

/** Why the disk fails the hints (empty: it matches them all). */
export function hintMismatches(disk: HintDisk, hints: RootDeviceHints): string[] {
  const why: string[] = [];
  const exact = (label: string, want: string | undefined, have: string | undefined): void => {
    if (want === undefined) return;
    if (have === undefined) why.push(`has no ${label}`);
    else if (normalize(have) !== normalize(want)) why.push(`${label} '${have}' is not '${want}'`);
  };
  const contains = (label: string, want: string | undefined, have: string | undefined): void => {
    if (want === undefined) return;
    if (have === undefined) why.push(`has no ${label}`);
    else if (!normalize(have).includes(normalize(want))) why.push(`${label} '${have}' does not contain '${want}'`);
  };
  if (hints.deviceName !== undefined) {
    if (isByPath(hints.deviceName)) {
      const want = normalize(hints.deviceName);
      if (disk.byPath.length === 0) why.push('has no /dev/disk/by-path link');
      else if (!disk.byPath.some((p) => normalize(p) === want)) why.push(`by-path ${disk.byPath.join(', ')} is not ${hints.deviceName}`);
    } else exact('name', hints.deviceName, disk.name);
  }
  exact('hctl', hints.hctl, disk.hctl);
  contains('model', hints.model, disk.model);
  contains('vendor', hints.vendor, disk.vendor);
  exact('serial number', hints.serialNumber, disk.serial);
  exact('wwn', hints.wwn, disk.wwn);
  exact('wwnWithExtension', hints.wwnWithExtension, disk.wwnWithExtension);
  exact('wwnVendorExtension', hints.wwnVendorExtension, disk.wwnVendorExtension);
  if (hints.minSizeGigabytes !== undefined && disk.size / GiB < hints.minSizeGigabytes) {
    why.push(`size ${gib(disk.size)} is below ${hints.minSizeGigabytes} GiB`);
  }
  if (hints.rotational !== undefined) {
    if (disk.rotational === undefined) why.push('does not say whether it is rotational');
    else if (disk.rotational !== hints.rotational) why.push(disk.rotational ? 'is rotational' : 'is not rotational');
  }
  return why;
}

export interface CandidateReport {
  name: string;
  /** Empty when the disk matched. */
  rejected: string[];
}

export type DeviceChoice =
  | { ok: true; device: string; disk: HintDisk; candidates: CandidateReport[] }
  | { ok: false; message: string; candidates: CandidateReport[] };

/** The hints as written in messages: `{model: 'x', minSizeGigabytes: 100}`. */
export function describeHints(hints: RootDeviceHints): string {
  const parts = Object.entries(hints).map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : String(v)}`);
  return parts.length === 0 ? 'no hints' : `{${parts.join(', ')}}`;
}

function brief(disk: HintDisk): string {
  const bits = [gib(disk.size), disk.model && `model '${disk.model}'`, disk.serial && `serial '${disk.serial}'`].filter(Boolean);
  return `${disk.name} (${bits.join(', ')})`;
}

/**
 * The one disk the hints pick, or a failure naming every candidate and why it was rejected.
 * Disks that can never be the target (the live media, mounted, read-only) are rejected whatever
 * the hints say. With no hints, a single usable disk is chosen; more are a failure.
 */
export function chooseInstallDevice(disks: readonly HintDisk[], hints: RootDeviceHints): DeviceChoice {
  const candidates: CandidateReport[] = disks.map((d) => {
    const rejected = hintMismatches(d, hints);
    if (d.unusable) rejected.push(d.unusable);
    return { name: d.name, rejected };
  });
  const matched = disks.filter((_, i) => candidates[i]!.rejected.length === 0);
  const said = describeHints(hints);
  if (disks.length === 0) return { ok: false, message: 'lsblk shows no whole disks (TYPE disk) on the host: nothing to install to', candidates };
  if (matched.length === 1) return { ok: true, device: matched[0]!.name, disk: matched[0]!, candidates };
  if (matched.length === 0) {
    const list = candidates.map((c) => `${c.name}: ${c.rejected.join(', ')}`).join('; ');
    return { ok: false, message: `no disk matches the root device hints ${said}: ${list}`, candidates };
  }
  const list = matched.map(brief).join(', ');
  const add = Object.keys(hints).length === 0 ? 'give root_device_hints' : 'add a hint';
  return {
    ok: false,
    message: `${matched.length} disks match the root device hints ${said}: ${list}; ${add} (serialNumber, wwn, hctl or deviceName) that tells them apart`,
    candidates,
  };
}
