// coreos.install: runs `coreos-installer install` in the live system over SSH. The device is
// given, or chosen from Metal3 root-device hints against `lsblk --json --bytes` read now (no
// match, or several, is a failure that lists the candidates, never a guess). Output streams into
// the host's log, progress lines feed the live view, and the exit status decides.

import { hintDisks, lsblkCommand, parseLsblk, parseUdevProperties, udevCommand, udevDiskInfo, type UdevDiskInfo } from '../coreos/block-devices.js';
import { chooseInstallDevice, hintsNeedUdev, parseRootDeviceHints, type RootDeviceHints } from '../coreos/device-hints.js';
import { installCommand, type InstallOptions } from '../coreos/install-command.js';
import { ProgressSplitter } from '../coreos/install-progress.js';
import type { SshConnection } from '../ssh/types.js';
import { lines } from './command-line.js';
import { ModuleFailure, type ModuleContext, type ModuleSpec } from './contract.js';
import { installerError, ProgressThrottle } from './coreos-install-output.js';

export interface CoreosInstallArgs {
  device?: string;
  root_device_hints?: Record<string, unknown>;
  ignition_url?: string;
  ignition_hash?: string;
  insecure_ignition?: boolean;
  append_karg?: string[];
  delete_karg?: string[];
  copy_network?: boolean;
  network_dir?: string;
  console?: string[];
  platform?: string;
  firstboot_args?: string;
  save_partlabel?: string[];
  save_partindex?: string[];
  offline?: boolean;
  image_url?: string;
  image_file?: string;
  fetch_retries?: number | 'infinite';
  preserve_on_error?: boolean;
  architecture?: string;
  stream?: string;
  become?: boolean;
}

const KEEP_LINES = 20;
const strings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The install options from the module's arguments (device filled in later). */
export function installOptions(args: CoreosInstallArgs, device: string): InstallOptions {
  const o: InstallOptions = { device };
  const set = <K extends keyof InstallOptions>(k: K, v: InstallOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('ignitionUrl', args.ignition_url);
  set('ignitionHash', args.ignition_hash);
  set('insecureIgnition', args.insecure_ignition);
  set('appendKargs', args.append_karg);
  set('deleteKargs', args.delete_karg);
  set('copyNetwork', args.copy_network);
  set('networkDir', args.network_dir);
  set('consoles', args.console);
  set('platform', args.platform);
  set('firstbootArgs', args.firstboot_args);
  set('savePartlabels', args.save_partlabel);
  set('savePartindexes', args.save_partindex);
  set('offline', args.offline);
  set('imageUrl', args.image_url);
  set('imageFile', args.image_file);
  set('fetchRetries', args.fetch_retries);
  set('preserveOnError', args.preserve_on_error);
  set('architecture', args.architecture);
  set('stream', args.stream);
  return o;
}

async function run(conn: SshConnection, command: string, ctx: ModuleContext, what: string): Promise<string> {
  const r = await conn.exec(command, { signal: ctx.signal });
  if (r.rc !== 0) {
    const err = r.stderr.trim().split('\n').at(-1) ?? '';
    throw new ModuleFailure(`${what} failed (rc ${r.rc ?? r.signal ?? 'none'})${err ? `: ${err}` : ''}`, { cmd: command, rc: r.rc ?? -1 });
  }
  return r.stdout;
}

/** Reads the host's disks now and picks the one the hints name. */
async function chooseDevice(conn: SshConnection, hints: RootDeviceHints, ctx: ModuleContext): Promise<string> {
  const out = await run(conn, lsblkCommand(), ctx, 'lsblk');
  let devices;
  try {
    devices = parseLsblk(out);
  } catch (err) {
    throw new ModuleFailure(message(err));
  }
  const udev = new Map<string, UdevDiskInfo>();
  if (hintsNeedUdev(hints, devices)) {
    for (const d of devices.filter((x) => x.type === 'disk')) {
      udev.set(d.path, udevDiskInfo(parseUdevProperties(await run(conn, udevCommand(d.path), ctx, `udevadm info for ${d.path}`))));
    }
  }
  const choice = chooseInstallDevice(hintDisks(devices, udev), hints);
  if (!choice.ok) throw new ModuleFailure(choice.message, { candidates: choice.candidates });
  return choice.device;
}

export const coreosInstallModule: ModuleSpec<CoreosInstallArgs> = {
  name: 'coreos.install',
  aliases: ['fleetboot.coreos.install'],
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      device: { type: 'string', pattern: '^/dev/' },
      root_device_hints: { type: ['object', 'null'] },
      ignition_url: { type: 'string', minLength: 1 },
      ignition_hash: { type: 'string', minLength: 1 },
      insecure_ignition: { type: 'boolean' },
      append_karg: strings,
      delete_karg: strings,
      copy_network: { type: 'boolean' },
      network_dir: { type: 'string', minLength: 1 },
      console: strings,
      platform: { type: 'string', minLength: 1 },
      firstboot_args: { type: 'string', minLength: 1 },
      save_partlabel: strings,
      save_partindex: strings,
      offline: { type: 'boolean' },
      image_url: { type: 'string', minLength: 1 },
      image_file: { type: 'string', minLength: 1 },
      fetch_retries: { anyOf: [{ type: 'integer', minimum: 0 }, { const: 'infinite' }] },
      preserve_on_error: { type: 'boolean' },
      architecture: { type: 'string', minLength: 1 },
      stream: { type: 'string', minLength: 1 },
      become: { type: 'boolean' },
    },
    not: { required: ['device', 'root_device_hints'] },
  },
  async run(args, ctx) {
    let hints: RootDeviceHints = {};
    if (args.device === undefined) {
      try {
        hints = parseRootDeviceHints(args.root_device_hints ?? ctx.vars['root_device_hints']);
      } catch (err) {
        throw new ModuleFailure(message(err));
      }
    }
    // The per-host URL carries its token: hidden even in a message about a bad argument.
    if (args.ignition_url) ctx.addSecret(args.ignition_url);
    // The command is checked before the host is touched: a bad argument fails without a connection.
    const probe = (device: string): ReturnType<typeof installCommand> => {
      try {
        return installCommand(installOptions(args, device), { sudo: args.become ?? true });
      } catch (err) {
        throw new ModuleFailure(message(err));
      }
    };
    probe(args.device ?? '/dev/sda');

    const device = args.device ?? (await chooseDevice(await ctx.ssh(), hints, ctx));
    const cmd = probe(device);
    for (const s of cmd.secrets) ctx.addSecret(s);
    if (ctx.check) return { changed: true, failed: false, device, cmd: cmd.command, msg: 'check mode: coreos-installer would run' };
    const conn = await ctx.ssh();

    const splitter = new ProgressSplitter();
    const throttle = new ProgressThrottle();
    const errLines: string[] = [];
    const feed = (found: ReturnType<ProgressSplitter['push']>): void => {
      for (const p of found.progress) {
        const update = throttle.next(p);
        if (update) ctx.emit({ kind: 'progress', ...update });
      }
      errLines.push(...found.lines);
      if (errLines.length > 10 * KEEP_LINES) errLines.splice(0, errLines.length - KEEP_LINES);
    };
    const installStarted = new Date().toISOString();
    const r = await conn.exec(cmd.command, {
      signal: ctx.signal,
      ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}),
      onStdout: (text) => ctx.emit({ kind: 'output', stream: 'stdout', text }),
      onStderr: (text) => {
        ctx.emit({ kind: 'output', stream: 'stderr', text });
        feed(splitter.push(text));
      },
    });
    feed(splitter.end());
    const rc = r.rc ?? -1;
    const result = {
      changed: true,
      device,
      cmd: cmd.command,
      rc,
      stdout_lines: lines(r.stdout.replace(/[\r\n]+$/, '')).slice(-KEEP_LINES),
      stderr_lines: errLines.slice(-KEEP_LINES),
    };
    // cluster.join approves only CSRs created after this moment.
    if (rc === 0 && !r.timedOut) return { ...result, failed: false, ansible_facts: { fleetboot_install_started: installStarted } };
    let msg: string;
    if (r.timedOut) msg = `coreos-installer timed out after ${(ctx.timeoutMs ?? 0) / 1000}s: its session was closed`;
    else if (r.rc === null) msg = `coreos-installer ended without an exit status (signal ${r.signal ?? 'none'}; the connection may have dropped)`;
    else msg = `coreos-installer failed (rc ${rc}): ${installerError(r.stderr) ?? errLines.at(-1) ?? 'no error message'}`;
    throw new ModuleFailure(msg, result);
  },
};
