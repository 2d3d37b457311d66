// coreos.live_iso against real things on loopback: the lab's CoreOS-like ISO in a temp dir, stream
// metadata naming it by path and by URL (a node:http server counting downloads), and a real
// ArtifactServer whose served bytes are read back: the host's live Ignition in the embed area,
// every other byte the original's, and the host key pinned as a fact.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { hostKeyMatches } from '../../src/coreos/host-keys.js';
import { readIsoIgnition, showIgnition } from '../../src/coreos/iso-ignition.js';
import { readLiveIgnition } from '../../src/coreos/live-ignition.js';
import { buildLiveIsoImage } from '../../src/lab/live-iso-image.js';
import { httpGetBytes } from '../../src/modules/coreos-fetch.js';
import { clearIsoCaches, servedOverlays } from '../../src/modules/coreos-iso-cache.js';
import { coreosLiveIsoModule, type CoreosLiveIsoArgs } from '../../src/modules/coreos-live-iso.js';
import { ArtifactServer } from '../../src/serve/server.js';
import type { SshPool } from '../../src/ssh/types.js';
import { makeContext, makePlaybookDir, runModule, serverPublisher, type ContextOptions, type PlaybookDir } from './context.js';

const noSsh: SshPool = {
  get: () => Promise.reject(new Error('coreos.live_iso must not connect to the host')),
  drop: () => Promise.resolve(),
  closeAll: () => Promise.resolve(),
};
const RUN_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZsZWV0Ym9vdC10ZXN0LWtleS0wMDAwMDAwMDAwMDAw run@fleetboot';

function streamFor(location: string, sha256: string): Record<string, unknown> {
  const metal = { release: '418.94.1', formats: { iso: { disk: { location, sha256 } } } };
  return { stream: 'rhcos', architectures: { aarch64: { artifacts: { metal } } } };
}

describe('coreos.live_iso with the lab ISO and a real artifact server', function () {
  this.timeout(30_000);
  let dir: string;
  let isoPath: string;
  let iso: Buffer;
  let sha: string;
  let server: ArtifactServer;
  let origin: Server;
  let originUrl: string;
  let isoHits = 0;
  let pb: PlaybookDir;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-live-iso-'));
    iso = buildLiveIsoImage({ arch: 'aarch64', version: '418.94.1' });
    isoPath = join(dir, 'rhcos-live.aarch64.iso');
    writeFileSync(isoPath, iso);
    sha = createHash('sha256').update(iso).digest('hex');
    writeFileSync(join(dir, 'stream-file.json'), JSON.stringify(streamFor(isoPath, sha)));
    writeFileSync(join(dir, 'stream-bad.json'), JSON.stringify(streamFor(isoPath, '0'.repeat(64))));
    origin = createServer((req, res) => {
      if (req.url === '/stream.json') return res.end(JSON.stringify(streamFor(`${originUrl}/rhcos-live.aarch64.iso`, sha)));
      if (req.url === '/rhcos-live.aarch64.iso') {
        isoHits++;
        return res.end(iso);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((ok) => origin.listen(0, '127.0.0.1', ok));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    server = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }] });
    pb = makePlaybookDir();
  });
  after(async () => {
    await server?.close();
    await new Promise((ok) => origin?.close(ok));
    pb?.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => clearIsoCaches());

  const run = (args: CoreosLiveIsoArgs, o: Partial<ContextOptions> = {}, host = 'node1') => {
    const t = makeContext({
      pool: noSsh,
      target: { host } as never,
      playbookDir: pb.dir,
      vars: { arch: 'arm64' },
      artifacts: (secrets) => serverPublisher(server, host, (s) => secrets.add(s)),
      ...o,
    });
    return { t, result: runModule(coreosLiveIsoModule, args, t.ctx) };
  };

  /** The served ISO, read back over HTTP: its embedded config, decoded. */
  const servedConfig = async (url: string) => {
    const bytes = await httpGetBytes(url);
    assert.equal(bytes.length, iso.length);
    return { bytes, live: readLiveIgnition(await showIgnition(bufferSource(bytes))) };
  };

  it('serves the ISO named by a stream file with the host live Ignition embedded and pins the host key', async () => {
    const { t, result } = run({ stream: join(dir, 'stream-file.json'), authorized_keys: [RUN_KEY] });
    const r = await result;
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.changed, true);
    assert.deepEqual(r.iso, { location: isoPath, sha256: sha });
    const fact = (r.ansible_facts as Record<string, string>)['fleetboot_host_key']!;
    assert.match(fact, /^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$/);
    assert.match(String(r.host_key_fingerprint), /^SHA256:/);
    const { bytes, live } = await servedConfig(String(r.url));
    assert.deepEqual(live.authorizedKeys, [RUN_KEY]);
    assert.ok(live.hostPrivateKey && hostKeyMatches(live.hostPrivateKey, fact.split(' ')[1]!));
    // Outside the embed area every byte is the original's.
    const { area } = await readIsoIgnition(bufferSource(iso));
    assert.ok(bytes.subarray(0, area.offset).equals(iso.subarray(0, area.offset)));
    assert.ok(bytes.subarray(area.offset + area.length).equals(iso.subarray(area.offset + area.length)));
    // The private key is a secret and is shown nowhere.
    assert.ok(t.secrets.has(live.hostPrivateKey!.trim()));
    assert.ok(!JSON.stringify([r, t.events]).includes('PRIVATE KEY'));
    // The file is used in place: nothing is copied for a local ISO.
    assert.equal(existsSync(join(dir, 'cache')), false);
  });

  it('downloads an ISO named by URL once for 20 hosts at once, each with its own key', async () => {
    isoHits = 0;
    const cache = join(dir, 'cache');
    const hosts = Array.from({ length: 20 }, (_, i) => `node${i}`);
    const results = await Promise.all(hosts.map((h) => run({ stream: `${originUrl}/stream.json`, cache_dir: cache, authorized_keys: [RUN_KEY] }, {}, h).result));
    assert.equal(isoHits, 1);
    assert.deepEqual(readdirSync(cache).filter((f) => !f.startsWith('.')).length, 1);
    assert.ok(readdirSync(cache).every((f) => !f.startsWith('.download-')), 'no temp file left');
    const facts = new Set<string>();
    for (const r of results) {
      assert.equal(r.failed, false, String(r.msg));
      const fact = (r.ansible_facts as Record<string, string>)['fleetboot_host_key']!;
      facts.add(fact);
      const { live } = await servedConfig(String(r.url));
      assert.ok(hostKeyMatches(live.hostPrivateKey!, fact.split(' ')[1]!));
    }
    assert.equal(facts.size, 20);
    // A later run reuses the cached file (its sha256 checked) without downloading.
    clearIsoCaches();
    const again = await run({ stream: `${originUrl}/stream.json`, cache_dir: cache, authorized_keys: [RUN_KEY] }).result;
    assert.equal(again.failed, false, String(again.msg));
    assert.equal(isoHits, 1);
  });

  it('takes the authorized key from the host private key file and networking from live_network', async () => {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, pair.private, { mode: 0o600 });
    const parsed = ssh2.utils.parseKey(pair.public);
    assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed));
    const expected = `ssh-ed25519 ${parsed.getPublicSSH().toString('base64')}`;
    const vars = {
      arch: 'aarch64',
      ansible_ssh_private_key_file: keyFile,
      live_network: [{ interface: 'eno1', ipv4: { address: '192.0.2.10', prefix: 24, gateway: '192.0.2.1' } }],
    };
    const r = await run({ stream: join(dir, 'stream-file.json'), name: 'node1-live.iso' }, { vars }).result;
    assert.equal(r.failed, false, String(r.msg));
    assert.match(String(r.url), /\/node1-live\.iso$/);
    const { live } = await servedConfig(String(r.url));
    assert.deepEqual(live.authorizedKeys, [expected]);
    const keyfiles = [...live.files.keys()].filter((p) => p.startsWith('/etc/NetworkManager/system-connections/'));
    assert.equal(keyfiles.length, 1);
    assert.match(live.files.get(keyfiles[0]!)!.data.toString(), /192\.0\.2\.10\/24/);
  });

  it('finds a stream file among the playbook files, with the ISO named relative to it', async () => {
    writeFileSync(join(pb.files, 'rhcos-live.aarch64.iso'), iso);
    writeFileSync(join(pb.files, 'stream.json'), JSON.stringify(streamFor('rhcos-live.aarch64.iso', sha)));
    const r = await run({ stream: 'stream.json', authorized_keys: [RUN_KEY] }).result;
    assert.equal(r.failed, false, String(r.msg));
    assert.deepEqual(r.iso, { location: join(pb.files, 'rhcos-live.aarch64.iso'), sha256: sha });
    const inline = await run({ stream: streamFor(isoPath, sha), authorized_keys: [RUN_KEY] }, { check: true }).result;
    assert.deepEqual(inline.iso, { location: isoPath, sha256: sha });
  });

  it('in check mode picks the ISO without downloading or publishing', async () => {
    isoHits = 0;
    const cache = join(dir, 'cache-check');
    const before = server.stats().artifacts;
    const r = await run({ stream: `${originUrl}/stream.json`, cache_dir: cache, authorized_keys: [RUN_KEY] }, { check: true }).result;
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.changed, true);
    assert.deepEqual(r.iso, { location: `${originUrl}/rhcos-live.aarch64.iso`, sha256: sha });
    assert.equal(isoHits, 0);
    assert.equal(existsSync(cache), false);
    assert.equal(server.stats().artifacts, before);
  });

  it('fails clearly: wrong sha256, unknown architecture, no key', async () => {
    const bad = await run({ stream: join(dir, 'stream-bad.json'), authorized_keys: [RUN_KEY] }).result;
    assert.equal(bad.failed, true);
    assert.match(String(bad.msg), /sha256 is [0-9a-f]{64}, the stream metadata says 0{64}/);
    const arch = await run({ stream: join(dir, 'stream-file.json'), arch: 'x86_64', authorized_keys: [RUN_KEY] }).result;
    assert.equal(arch.failed, true);
    assert.match(String(arch.msg), /has no architectures\.x86_64/);
    const nokey = await run({ stream: join(dir, 'stream-file.json') }).result;
    assert.equal(nokey.failed, true);
    assert.match(String(nokey.msg), /authorized_keys: not given/);
    assert.equal(readFileSync(isoPath).equals(iso), true, 'the ISO file is never written');
  });

  it('serves only the bytes of the area that differ from the file', () => {
    const area = Buffer.alloc(256 * 1024);
    area.fill(7, 0, 3000);
    assert.deepEqual(servedOverlays({ offset: 4096, bytes: area }, 0).map((o) => [o.offset, o.bytes.length]), [[4096, 3000]]);
    // A larger config already in the file is overwritten with zeros as far as it went.
    assert.deepEqual(servedOverlays({ offset: 4096, bytes: area }, 9000).map((o) => [o.offset, o.bytes.length]), [[4096, 9000]]);
    assert.deepEqual(servedOverlays({ offset: 4096, bytes: Buffer.alloc(16) }, 0), []);
  });
});
