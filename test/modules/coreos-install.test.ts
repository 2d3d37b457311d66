// coreos.install against a scripted SSH connection: lsblk JSON and coreos-installer output as the
// real programs print them (success with progress, a hash mismatch with rc 1, several matching
// disks, no disk), and the pure pieces that read coreos-installer's output.

import assert from 'node:assert/strict';
import type { ModuleEvent } from '../../src/modules/contract.js';
import { coreosInstallModule, type CoreosInstallArgs } from '../../src/modules/coreos-install.js';
import { installerError, ProgressThrottle } from '../../src/modules/coreos-install-output.js';
import type { ExecOptions, ExecResult, SshConnection, SshPool, SshTarget } from '../../src/ssh/types.js';
import { makeContext, runModule, type ContextOptions } from './context.js';

const GiB = 2 ** 30;
const URL_ = 'http://10.0.0.5:8080/a/TOKENTOKENTOKEN/config.ign';
const HASH = `sha512-${'ab'.repeat(64)}`;

const disk = (name: string, size: number, extra: Record<string, unknown> = {}) => ({
  name, kname: name, path: `/dev/${name}`, type: 'disk', size, rota: false, rm: false, ro: false,
  model: 'QEMU HARDDISK', vendor: 'QEMU', serial: `SER-${name}`, wwn: null, hctl: '0:0:0:0', tran: 'sata', fstype: null, label: null, mountpoint: null, ...extra,
});
const LIVE_CD = { ...disk('sr0', 1_100_000_000), type: 'rom', fstype: 'iso9660', label: 'rhcos-418', mountpoint: '/run/media/iso' };
const lsblk = (...devs: unknown[]) => JSON.stringify({ blockdevices: devs });

const PROGRESS = ['Read disk 349.0 MiB/2.6 GiB (13%)', 'Read disk 349.5 MiB/2.6 GiB (13%)', 'Read disk 1.3 GiB/2.6 GiB (50%)', 'Read disk 2.6 GiB/2.6 GiB (100%)'];
const SUCCESS = ['Installing Red Hat Enterprise Linux CoreOS 418.94.1 (Ootpa) aarch64 (512-byte sectors)', ...PROGRESS, 'Writing Ignition config', 'Install complete.'].join('\n') + '\n';
const MISMATCH =
  ['Installing Red Hat Enterprise Linux CoreOS 418.94.1 (Ootpa) aarch64 (512-byte sectors)', ...PROGRESS, 'Writing Ignition config', '',
    "Error: writing Ignition configuration", '', 'Caused by:', '    0: failed to validate Ignition configuration digest', "    1: hash mismatch, computed 'cd' but expected 'ab'", '',
    'Resetting partition table', 'Error: install failed'].join('\n') + '\n';

interface Script {
  lsblk?: string;
  udev?: Record<string, string>;
  install?: { rc: number | null; stderr: string };
}

class FakeConnection implements SshConnection {
  readonly commands: string[] = [];
  constructor(readonly target: SshTarget, private readonly script: Script) {}
  async exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    if (command.startsWith('lsblk ')) return { rc: 0, stdout: this.script.lsblk ?? lsblk(), stderr: '' };
    if (command.startsWith('udevadm ')) {
      const dev = command.split('--name=')[1]!.replace(/'/g, '');
      return { rc: 0, stdout: this.script.udev?.[dev] ?? '', stderr: '' };
    }
    if (command.startsWith('sudo coreos-installer install ') && this.script.install) {
      // Streamed in uneven chunks, as a channel delivers them.
      const text = this.script.install.stderr;
      for (let i = 0; i < text.length; i += 37) o.onStderr?.(text.slice(i, i + 37));
      return { rc: this.script.install.rc, stdout: '', stderr: text };
    }
    return { rc: 127, stdout: '', stderr: `sh: ${command.split(' ')[0]}: command not found\n` };
  }
  exists(): Promise<boolean> { return Promise.resolve(false); }
  stat(): Promise<null> { return Promise.resolve(null); }
  readFile(): Promise<null> { return Promise.resolve(null); }
  writeFile(): Promise<void> { return Promise.reject(new Error('not in this fake')); }
  close(): Promise<void> { return Promise.resolve(); }
}

function setup(script: Script, o: Partial<ContextOptions> = {}) {
  const target = { host: 'node1', address: '127.0.0.1', port: 22, user: 'core' } as SshTarget;
  const conn = new FakeConnection(target, script);
  const pool: SshPool = { get: () => Promise.resolve(conn), drop: () => Promise.resolve(), closeAll: () => Promise.resolve() };
  const t = makeContext({ pool, target, playbookDir: '/nonexistent', ...o });
  return { conn, t, run: (args: CoreosInstallArgs) => runModule(coreosInstallModule, args, t.ctx) };
}

const progressOf = (events: ModuleEvent[]) => events.flatMap((e) => (e.kind === 'progress' ? [e] : []));

describe('coreos.install over a scripted SSH connection', function () {
  it('finds the one disk the hints name, runs coreos-installer, streams output and progress', async () => {
    const { conn, t, run } = setup({ lsblk: lsblk(LIVE_CD, disk('sda', 120 * GiB), disk('sdb', 20 * GiB)), install: { rc: 0, stderr: SUCCESS } }, { vars: { root_device_hints: { minSizeGigabytes: 100 } } });
    const r = await run({ ignition_url: URL_, ignition_hash: HASH, append_karg: ['console=ttyS0'], copy_network: true });
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.changed, true);
    assert.equal(r.device, '/dev/sda');
    assert.equal(r.rc, 0);
    assert.equal(r.cmd, `sudo coreos-installer install --ignition-url=${URL_} --ignition-hash=${HASH} --append-karg=console=ttyS0 --copy-network /dev/sda`);
    assert.deepEqual(conn.commands.map((c) => c.split(' ')[0]), ['lsblk', 'sudo']);
    assert.equal(t.output('stderr'), SUCCESS);
    assert.deepEqual(r.stderr_lines, ['Installing Red Hat Enterprise Linux CoreOS 418.94.1 (Ootpa) aarch64 (512-byte sectors)', 'Writing Ignition config', 'Install complete.']);
    assert.deepEqual(progressOf(t.events).map((p) => p.percent), [13, 50, 100]);
    assert.ok(t.secrets.has(URL_), 'the per-host URL is a secret');
  });

  it('fails with coreos-installer\'s own error on one line and its rc', async () => {
    const { run } = setup({ lsblk: lsblk(disk('vda', 120 * GiB)), install: { rc: 1, stderr: MISMATCH } });
    const r = await run({ ignition_url: URL_, ignition_hash: HASH });
    assert.equal(r.failed, true);
    assert.equal(r.rc, 1);
    assert.equal(r.device, '/dev/vda');
    assert.equal(
      r.msg,
      "coreos-installer failed (rc 1): writing Ignition configuration: failed to validate Ignition configuration digest: hash mismatch, computed 'cd' but expected 'ab'",
    );
    assert.equal((r.stderr_lines as string[]).at(-1), 'Error: install failed');
  });

  it('refuses to guess between several matching disks, naming them', async () => {
    const { conn, run } = setup({ lsblk: lsblk(disk('sda', 120 * GiB), disk('sdb', 120 * GiB)), install: { rc: 0, stderr: SUCCESS } });
    const r = await run({ ignition_url: URL_, ignition_hash: HASH });
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /2 disks match the root device hints no hints: \/dev\/sda .*\/dev\/sdb/);
    assert.ok(!conn.commands.some((c) => c.includes('coreos-installer')));
  });

  it('fails when no disk matches or there is none, listing why', async () => {
    const small = setup({ lsblk: lsblk(LIVE_CD, disk('sda', 20 * GiB)) });
    const r = await small.run({ root_device_hints: { minSizeGigabytes: 100 }, ignition_url: URL_, ignition_hash: HASH });
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /no disk matches the root device hints \{minSizeGigabytes: 100\}: \/dev\/sda: size 20 GiB is below 100 GiB/);
    const none = setup({ lsblk: lsblk(LIVE_CD) });
    const n = await none.run({ ignition_url: URL_, ignition_hash: HASH });
    assert.equal(n.failed, true);
    assert.match(String(n.msg), /no whole disks/);
  });

  it('asks udev only when a hint needs it (by-path names)', async () => {
    const byPath = '/dev/disk/by-path/pci-0000:00:1f.2-ata-2';
    const { conn, run } = setup({
      lsblk: lsblk(disk('sda', 120 * GiB), disk('sdb', 120 * GiB)),
      udev: { '/dev/sda': 'DEVLINKS=/dev/disk/by-path/pci-0000:00:1f.2-ata-1\n', '/dev/sdb': `DEVLINKS=${byPath} /dev/disk/by-id/x\n` },
      install: { rc: 0, stderr: SUCCESS },
    });
    const r = await run({ root_device_hints: { deviceName: byPath }, ignition_url: URL_, ignition_hash: HASH });
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.device, '/dev/sdb');
    assert.deepEqual(conn.commands.map((c) => c.split(' ')[0]), ['lsblk', 'udevadm', 'udevadm', 'sudo']);
  });

  it('uses a given device as is, and without become runs without sudo', async () => {
    const { conn, run } = setup({ install: { rc: 0, stderr: SUCCESS } });
    const r = await run({ device: '/dev/nvme0n1', ignition_url: URL_, ignition_hash: HASH, become: false });
    // The fake answers only `sudo coreos-installer`: without sudo it is "command not found".
    assert.equal(conn.commands.length, 1);
    assert.equal(conn.commands[0], `coreos-installer install --ignition-url=${URL_} --ignition-hash=${HASH} /dev/nvme0n1`);
    assert.equal(r.rc, 127);
  });

  it('in check mode chooses the device and returns the command without running it', async () => {
    const { conn, run } = setup({ lsblk: lsblk(disk('sda', 120 * GiB)), install: { rc: 0, stderr: SUCCESS } }, { check: true });
    const r = await run({ ignition_url: URL_, ignition_hash: HASH });
    assert.equal(r.failed, false);
    assert.equal(r.changed, true);
    assert.equal(r.device, '/dev/sda');
    assert.match(String(r.cmd), /^sudo coreos-installer install /);
    assert.deepEqual(conn.commands.map((c) => c.split(' ')[0]), ['lsblk']);
    const given = setup({}, { check: true, pool: { get: () => Promise.reject(new Error('no connection in check mode with a device')), drop: () => Promise.resolve(), closeAll: () => Promise.resolve() } });
    const g = await given.run({ device: '/dev/sdb', ignition_url: URL_, ignition_hash: HASH });
    assert.equal(g.failed, false, String(g.msg));
    assert.equal(g.device, '/dev/sdb');
  });

  it('refuses a bad argument before touching the host', async () => {
    const { conn, run } = setup({});
    const r = await run({ ignition_url: URL_ });
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /plain http:\/\/ without ignition_hash/);
    const bad = await run({ root_device_hints: { size: 3 } as never, ignition_url: URL_, ignition_hash: HASH });
    assert.match(String(bad.msg), /root_device_hints\.size: unknown hint/);
    assert.equal(conn.commands.length, 0);
  });
});

describe('reading coreos-installer output', function () {
  it('condenses the last informative Error block', () => {
    assert.equal(installerError(MISMATCH), "writing Ignition configuration: failed to validate Ignition configuration digest: hash mismatch, computed 'cd' but expected 'ab'");
    assert.equal(installerError("Error: downloading source Ignition config http://x/y\n\nCaused by:\n    HTTP 404\n"), 'downloading source Ignition config http://x/y: HTTP 404');
    assert.equal(installerError('Error: install failed\n'), 'install failed');
    assert.equal(installerError("Error fetching 'http://x': timed out\nSleeping 1s and retrying...\n"), undefined);
  });

  it('throttles progress to whole percent changes, per artifact', () => {
    const t = new ProgressThrottle();
    const seen = [
      { artifact: 'disk', done: 1, total: 100, percent: 1 },
      { artifact: 'disk', done: 1, total: 100, percent: 1 },
      { artifact: 'disk', done: 2, total: 100, percent: 2 },
      { artifact: 'disk', done: 2 * GiB, total: 4 * GiB, percent: 50 },
    ].map((p) => t.next(p)?.percent);
    assert.deepEqual(seen, [1, undefined, 2, 50]);
    const noTotal = new ProgressThrottle();
    assert.deepEqual([0, 10 * 2 ** 20, 300 * 2 ** 20].map((done) => noTotal.next({ artifact: 'disk', done })?.text), ['writing disk: 0 B', undefined, 'writing disk: 300.0 MiB']);
  });
});
