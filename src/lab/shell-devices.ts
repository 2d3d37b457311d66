// The lab shell's commands about block devices: lsblk, udevadm info, and ls of /dev/disk/by-*.

import { isLabArch } from './arch.js';
import { diskLinks, findDevice, type BlockDevice } from './disks.js';
import { HostMachine } from './host-machine.js';
import { lsblk as runLsblk } from './lsblk.js';
import { MemFs } from './memfs.js';
import type { ShellEnv, ShellHost } from './shell-types.js';

/** The host's machine; a shell without one (unit tests) gets a machine made from its profile. */
export function machineOf(host: ShellHost): HostMachine {
  if (!host.machine) host.machine = new HostMachine(host.profile.hostname, isLabArch(host.profile.machine) ? host.profile.machine : 'aarch64');
  return host.machine;
}

export function lsblk(args: string[], { io, host }: ShellEnv): number {
  const r = runLsblk(args, machineOf(host).blockDevices());
  if (r.stdout) io.stdout(r.stdout);
  if (r.stderr) io.stderr(r.stderr);
  return r.rc;
}

function links(host: ShellHost): Map<string, string> {
  return diskLinks(machineOf(host).blockDevices());
}

/** `udevadm info --query=symlink|name|path|property --name=/dev/X` (or the device as operand). */
export function udevadm(args: string[], { io, host }: ShellEnv): number {
  if (args[0] !== 'info') {
    io.stderr(args[0] ? `udevadm: unknown command '${args[0]}' in the lab (only 'info' is simulated)\n` : 'udevadm: missing command\n');
    return args[0] ? 1 : 2;
  }
  let query = 'all';
  let name: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i] ?? '';
    const value = (): string => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[++i] ?? ''));
    if (a === '-q' || a.startsWith('--query')) query = value();
    else if (a === '-n' || a.startsWith('--name')) name = value();
    else if (!a.startsWith('-')) name = a;
  }
  if (!name) {
    io.stderr('udevadm: a device name is required\n');
    return 1;
  }
  const path = name.startsWith('/dev/') ? name : `/dev/${name}`;
  const devices = machineOf(host).blockDevices();
  const d = findDevice(devices, path);
  if (!d) {
    io.stderr(`Unknown device "${name}": No such device\n`);
    return 4;
  }
  const mine = [...links(host)].filter(([, target]) => target === d.name).map(([link]) => `disk/${link}`).sort();
  const sysPath = `/devices/${d.tran === 'nvme' ? 'pci0000:00/0000:00:01.0/0000:01:00.0/nvme/nvme0' : 'pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0'}/block/${d.name}`;
  switch (query) {
    case 'symlink':
      io.stdout(`${mine.join(' ')}\n`);
      return 0;
    case 'name':
      io.stdout(`${d.name}\n`);
      return 0;
    case 'path':
      io.stdout(`${sysPath}\n`);
      return 0;
    case 'property':
    case 'all': {
      const props = properties(d, path, mine);
      if (query === 'property') io.stdout(props.map(([k, v]) => `${k}=${v}\n`).join(''));
      else io.stdout(`P: ${sysPath}\nN: ${d.name}\n${mine.map((l) => `S: ${l}\n`).join('')}${props.map(([k, v]) => `E: ${k}=${v}\n`).join('')}`);
      return 0;
    }
    default:
      io.stderr(`udevadm: unknown query type '${query}'\n`);
      return 1;
  }
}

function properties(d: BlockDevice, path: string, mine: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [['DEVNAME', path], ['DEVTYPE', d.type === 'part' ? 'partition' : 'disk'], ['SUBSYSTEM', 'block']];
  if (d.model) out.push(['ID_MODEL', d.model.replace(/ /g, '_')]);
  if (d.serial) out.push(['ID_SERIAL_SHORT', d.serial]);
  if (d.wwn) out.push(['ID_WWN', d.wwn]);
  if (d.byPath) out.push(['ID_PATH', d.byPath.replace(/-part\d+$/, '')]);
  if (d.fstype) out.push(['ID_FS_TYPE', d.fstype]);
  out.push(['DEVLINKS', mine.map((l) => `/dev/${l}`).join(' ')]);
  return out;
}

/** `ls [-l] [-1] [-a] DIR…`: /dev/disk/by-* from the devices, other directories from the host's files. */
export function ls(args: string[], { io, host, state }: ShellEnv): number {
  let long = false;
  const paths: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') && a.length > 1) {
      if (a.includes('l')) long = true;
    } else paths.push(a);
  }
  if (paths.length === 0) paths.push('.');
  const all = links(host);
  let rc = 0;
  const date = new Date();
  const stamp = `${date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${String(date.getUTCDate()).padStart(2)} ${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  paths.forEach((p, n) => {
    const full = MemFs.resolve(p, state.cwd);
    const header = paths.length > 1 ? `${n ? '\n' : ''}${p}:\n` : '';
    const m = /^\/dev\/disk\/(by-[a-z]+)$/.exec(full);
    if (m) {
      const entries = [...all].filter(([link]) => link.startsWith(`${m[1]}/`)).map(([link, target]) => [link.slice((m[1] ?? '').length + 1), target] as const);
      entries.sort(([a], [b]) => (a < b ? -1 : 1));
      const body = long
        ? `total 0\n${entries.map(([l, t]) => `lrwxrwxrwx. 1 root root ${`../../${t}`.length} ${stamp} ${l} -> ../../${t}\n`).join('')}`
        : entries.map(([l]) => `${l}\n`).join('');
      io.stdout(header + body);
      return;
    }
    if (full === '/dev/disk') {
      const kinds = [...new Set([...all.keys()].map((k) => k.split('/')[0] ?? ''))].sort();
      io.stdout(header + kinds.map((k) => `${k}\n`).join(''));
      return;
    }
    const dev = /^\/dev\/(.+)$/.exec(full);
    if (dev && findDevice(machineOf(host).blockDevices(), full)) {
      io.stdout(long ? `brw-rw----. 1 root disk ${stamp} ${full}\n` : `${full}\n`);
      return;
    }
    const st = host.fs.stat(full);
    if (!st) {
      io.stderr(`ls: cannot access '${p}': No such file or directory\n`);
      rc = 2;
      return;
    }
    if (st.kind === 'file') {
      io.stdout(long ? `-rw-r--r--. 1 root root ${st.size} ${stamp} ${p}\n` : `${p}\n`);
      return;
    }
    const names = host.fs.readdir(full).sort();
    io.stdout(header + (long ? `total 0\n${names.map((x) => `${host.fs.stat(`${full}/${x}`)?.kind === 'dir' ? 'd' : '-'}rw-r--r--. 1 root root 0 ${stamp} ${x}\n`).join('')}` : names.map((x) => `${x}\n`).join('')));
  });
  return rc;
}
