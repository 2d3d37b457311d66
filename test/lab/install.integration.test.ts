import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { labDown, labHosts, labUp, type LabState } from '../../src/lab/control.js';
import { connect, run } from './ssh-client.js';

const IGNITION = Buffer.from('{"ignition":{"version":"3.4.0"}}');
const SHA512 = createHash('sha512').update(IGNITION).digest('hex');
const FAULTS = `node-002:
  install_drop_ssh: true
node-003:
  ignition_hash_mismatch: true
`;

interface HostView {
  name: string;
  arch: string;
  installs: Array<{ disk: string; ignitionSha512?: string; appendKargs: string[] }>;
  bootable: string | null;
}

describe('lab install path over SSH (arch split, lsblk, coreos-installer, faults, mirror)', function () {
  this.timeout(30_000);
  let dir: string;
  let lab: LabState;
  let server: Server;
  let url: string;

  before(async () => {
    server = createServer((_req, res) => res.writeHead(200).end(IGNITION));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/worker.ign`;
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-lab-install-'));
    writeFileSync(join(dir, 'faults.yml'), FAULTS);
    lab = await labUp({ hosts: 4, arch: 'aarch64=3,x86_64=1', dir, port: 0, bmc: false, faults: join(dir, 'faults.yml'), installMs: 40 });
  });

  after(async () => {
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('splits the architectures as asked, in lab.json, the inventory and uname -m', async () => {
    assert.deepEqual(lab.hosts.map((h) => h.arch), ['aarch64', 'aarch64', 'x86_64', 'aarch64']);
    const inv = parse(readFileSync(lab.inventory, 'utf8')) as { all: { children: { lab: { vars: Record<string, unknown>; hosts: Record<string, { arch: string }> } } } };
    assert.equal(inv.all.children.lab.hosts['node-003']?.arch, 'x86_64');
    assert.equal(inv.all.children.lab.vars.coreos_stream_url, lab.mirror?.streamUrl);
    const client = await connect(lab, 2);
    try {
      assert.equal((await run(client, 'uname -m')).stdout, 'x86_64\n');
    } finally {
      client.end();
    }
  });

  it('serves the stream metadata the inventory names, with both architectures', async () => {
    const res = await fetch(lab.mirror?.streamUrl ?? '');
    const stream = (await res.json()) as { architectures: Record<string, unknown> };
    assert.deepEqual(Object.keys(stream.architectures), ['aarch64', 'x86_64']);
  });

  it('answers lsblk --json --bytes over SSH with the disks and the live media', async () => {
    const client = await connect(lab, 0);
    try {
      const r = await run(client, 'lsblk --json --bytes -d -o NAME,SIZE,TYPE,ROTA,TRAN,FSTYPE');
      assert.equal(r.code, 0);
      const devs = (JSON.parse(r.stdout) as { blockdevices: Array<{ name: string; type: string; size: number; fstype: string | null }> }).blockdevices;
      assert.equal(devs[0]?.name, 'nvme0n1');
      const rom = devs.find((d) => d.type === 'rom');
      assert.equal(rom?.fstype, 'iso9660');
      assert.ok((rom?.size ?? 0) > 0);
    } finally {
      client.end();
    }
  });

  it('installs over SSH and records the install in the lab`s host state', async () => {
    const client = await connect(lab, 0);
    try {
      const r = await run(client, `sudo coreos-installer install --ignition-url ${url} --ignition-hash sha512-${SHA512} --append-karg nosmt /dev/nvme0n1`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^Installing Fedora CoreOS \S+ aarch64 \(512-byte sectors\)\nRead disk /);
      assert.match(r.stderr, /Install complete\.\n$/);
    } finally {
      client.end();
    }
    const hosts = (await labHosts(dir)) as HostView[];
    const h = hosts.find((x) => x.name === 'node-001');
    assert.equal(h?.bootable, 'nvme0n1');
    assert.equal(h?.installs[0]?.ignitionSha512, SHA512);
    assert.deepEqual(h?.installs[0]?.appendKargs, ['nosmt']);
  });

  it('fault install_drop_ssh: the SSH connection drops mid-install, without an exit status', async () => {
    const client = await connect(lab, 1);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    const r = await run(client, `sudo coreos-installer install --ignition-url ${url} --ignition-hash sha512-${SHA512} /dev/nvme0n1`);
    await closed;
    assert.equal(r.code, undefined);
    assert.match(r.stderr, /^Installing Fedora CoreOS/);
    assert.ok(!r.stderr.includes('Install complete.'));
    const hosts = (await labHosts(dir)) as HostView[];
    assert.equal(hosts.find((x) => x.name === 'node-002')?.bootable, null);
  });

  it('fault ignition_hash_mismatch: coreos-installer`s message and exit status 1', async () => {
    const client = await connect(lab, 2);
    try {
      const r = await run(client, `sudo coreos-installer install --ignition-url ${url} --ignition-hash sha512-${SHA512} /dev/nvme0n1`);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`    1: hash mismatch, computed '[0-9a-f]{128}' but expected '${SHA512}'\\n\\nResetting partition table\\nError: install failed\\n$`));
    } finally {
      client.end();
    }
  });
});
