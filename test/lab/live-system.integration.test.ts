import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { generateHostKey } from '../../src/coreos/host-keys.js';
import { embedOverlay, readIsoIgnition } from '../../src/coreos/iso-ignition.js';
import { buildLiveIgnition } from '../../src/coreos/live-ignition.js';
import { labDown, labHosts, labUp, type LabState } from '../../src/lab/control.js';
import { call, until } from './bmc-client.js';
import { run } from './ssh-client.js';

interface HostView {
  name: string;
  boot: string;
  systemBoots: number;
  bootsSeen: number;
  lastBoot?: string;
  loginProblem?: string;
}

/** Serves named buffers with single Range support, as an artifact server would. */
function rangeServer(files: Map<string, Buffer>): Server {
  return createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) return void res.writeHead(200, { 'Content-Length': body.length, 'Accept-Ranges': 'bytes' }).end(req.method === 'HEAD' ? undefined : body);
    const start = Number(m[1]);
    const end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': end - start + 1 });
    res.end(body.subarray(start, end + 1));
  });
}

function sshTo(lab: LabState, index: number, hostKey: string | undefined): Promise<Client> {
  const host = lab.hosts[index];
  if (!host) throw new Error(`no host ${index}`);
  const pinned = hostKey ? Buffer.from(hostKey.split(' ')[1] ?? '', 'base64') : undefined;
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => resolve(c));
    c.on('error', reject);
    c.once('close', () => reject(new Error('closed before ready')));
    c.connect({
      host: host.address,
      port: host.port,
      username: 'core',
      privateKey: readFileSync(lab.privateKey),
      hostVerifier: (key: Buffer) => pinned === undefined || key.equals(pinned),
      readyTimeout: 5000,
    });
  });
}

async function sshWhenUp(lab: LabState, index: number, hostKey: string | undefined): Promise<Client> {
  let client: Client | undefined;
  await until(async () => {
    client = await sshTo(lab, index, hostKey).catch(() => undefined);
    return client !== undefined;
  }, 15_000);
  return client as Client;
}

describe('lab live system: booted by the BMC from the ISO it read, then from the installed disk', function () {
  this.timeout(40_000);
  let dir: string;
  let lab: LabState;
  let server: Server;
  let base: string;
  const hostKey = generateHostKey('node-001');

  async function bmc(index: number, method: string, path: string, body?: unknown) {
    const h = lab.hosts[index];
    if (!h?.bmc || !lab.bmcCa || !lab.bmcPasswords) throw new Error('no BMC');
    const password = readFileSync(join(lab.bmcPasswords, h.name), 'utf8').trim();
    const t = { address: h.bmc.address, port: h.bmc.port, ca: readFileSync(lab.bmcCa, 'utf8') };
    const r = await call(t, method, path, { basic: { user: 'admin', password }, ...(body !== undefined ? { body } : {}) });
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r;
  }

  async function bootFromCd(index: number, image: string): Promise<void> {
    await bmc(index, 'POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', { Image: image });
    await bmc(index, 'PATCH', '/redfish/v1/Systems/1', { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } });
    await bmc(index, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'On' });
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-lab-live-'));
    lab = await labUp({ hosts: 2, arch: 'aarch64=1,x86_64=1', dir, port: 0, installMs: 40, bmcPowerDelayMs: 50 });
    const stream = (await (await fetch(lab.mirror?.streamUrl ?? '')).json()) as {
      architectures: Record<string, { artifacts: { metal: { formats: { iso: { disk: { location: string } } } } } }>;
    };
    const isoOf = async (arch: string): Promise<Buffer> =>
      Buffer.from(await (await fetch(stream.architectures[arch]?.artifacts.metal.formats.iso.disk.location ?? '')).arrayBuffer());
    const plain = await isoOf('aarch64');
    const plainX86 = await isoOf('x86_64');
    // The per-host live ISO as fleetboot serves it: the plain ISO with the live Ignition in its embed area.
    const live = buildLiveIgnition({ authorizedKeys: [lab.publicKey], hostKey });
    const overlay = await embedOverlay(await readIsoIgnition(bufferSource(plain)), live.bytes);
    const embedded = Buffer.from(plain);
    overlay.bytes.copy(embedded, overlay.offset);
    const installIgn = Buffer.from(JSON.stringify({ ignition: { version: '3.4.0' }, passwd: { users: [{ name: 'core', sshAuthorizedKeys: [lab.publicKey] }] } }));
    server = rangeServer(new Map([['/node-001.iso', embedded], ['/plain.iso', plain], ['/plain-x86_64.iso', plainX86], ['/worker.ign', installIgn]]));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    if (dir) {
      if (process.env.LAB_LOG) console.log(readFileSync(join(dir, 'lab.log'), 'utf8'));
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('comes up live with the host key and authorized key of the Ignition embedded in the ISO the BMC read', async () => {
    await bootFromCd(0, `${base}/node-001.iso`);
    const client = await sshWhenUp(lab, 0, hostKey.pinnedHostKey);
    try {
      assert.equal((await run(client, 'test -e /run/ostree-live && echo live')).stdout, 'live\n');
      assert.equal((await run(client, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.split(' ')[1], hostKey.keyBase64);
      const lsblk = JSON.parse((await run(client, 'lsblk -J -b -d -o NAME,TYPE,LABEL')).stdout) as { blockdevices: Array<{ name: string; label: string | null }> };
      assert.match(lsblk.blockdevices.find((d) => d.name === 'sr0')?.label ?? '', /^rhcos-.*aarch64$/);
      const r = await run(client, `sudo coreos-installer install --ignition-url ${base}/worker.ign --insecure-ignition --append-karg nosmt /dev/nvme0n1`);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      client.end();
    }
  });

  it('after eject and restart, boots the installed system from disk (new host key, the installed Ignition`s users)', async () => {
    await bmc(0, 'POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia', {});
    await bmc(0, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'ForceRestart' });
    // The live system's key no longer answers once the host restarts.
    await until(async () => ((await labHosts(dir)) as HostView[]).find((h) => h.name === 'node-001')?.boot === 'installed', 15_000);
    const client = await sshWhenUp(lab, 0, undefined);
    try {
      assert.equal((await run(client, 'test -e /run/ostree-live; echo $?')).stdout, '1\n');
      assert.match((await run(client, 'cat /proc/cmdline')).stdout, / nosmt\n$/);
      assert.equal((await run(client, 'lsblk -dno NAME,TYPE')).stdout.includes('sr0'), false);
    } finally {
      client.end();
    }
    await assert.rejects(sshTo(lab, 0, hostKey.pinnedHostKey), 'the pinned live host key is gone');
  });

  it('an ISO of another architecture does not boot: nothing answers', async () => {
    await bootFromCd(1, `${base}/plain.iso`);
    let node2: HostView | undefined;
    await until(async () => {
      node2 = ((await labHosts(dir)) as HostView[]).find((h) => h.name === 'node-002');
      return node2?.bootsSeen === 1;
    }, 15_000);
    assert.equal(node2?.boot, 'off');
    assert.match(node2?.lastBoot ?? '', /^the image is for aarch64; the x86_64 firmware found no boot loader on it: nothing runs$/);
    await assert.rejects(sshTo(lab, 1, undefined), /ECONNREFUSED/);
    await bmc(1, 'POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia', {});
  });

  it('without an embedded Ignition the live system comes up, but nobody gets in', async () => {
    await bmc(1, 'POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', { Image: `${base}/plain-x86_64.iso` });
    await bmc(1, 'PATCH', '/redfish/v1/Systems/1', { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } });
    await bmc(1, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'ForceRestart' });
    let node2: HostView | undefined;
    await until(async () => {
      node2 = ((await labHosts(dir)) as HostView[]).find((h) => h.name === 'node-002');
      return node2?.systemBoots === 1;
    }, 15_000);
    assert.equal(node2?.boot, 'live');
    assert.equal(node2?.loginProblem, 'no Ignition config: no authorized keys');
    await until(async () => (await sshTo(lab, 1, undefined).then((c) => (c.end(), 'in'), (err: Error) => err.message)) !== 'closed before ready', 5000);
    await assert.rejects(sshTo(lab, 1, undefined), /All configured authentication methods failed/);
  });
});
