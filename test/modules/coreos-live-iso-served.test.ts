// The served live ISO is the file `fleetboot iso embed` would write: an ISO built by Debian's
// xorriso with a CoreOS live ISO's structure is published by coreos.live_iso for a host, and every
// Range read of it (single, suffix, open-ended, several at once, around the embed area's edges and
// inside it) equals the same bytes of the original ISO embedded offline with the host's config.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { embedIgnitionFile, readIsoIgnition, showIgnition } from '../../src/coreos/iso-ignition.js';
import { clearIsoCaches } from '../../src/modules/coreos-iso-cache.js';
import { coreosLiveIsoModule } from '../../src/modules/coreos-live-iso.js';
import { ArtifactServer } from '../../src/serve/server.js';
import type { SshPool } from '../../src/ssh/types.js';
import { buildTestIso, type TestIso } from '../helpers/coreos-iso.js';
import { get, parseMultipart } from '../serve/client.js';
import { prng } from '../serve/prng.js';
import { makeContext, makePlaybookDir, runModule, serverPublisher, type PlaybookDir } from './context.js';

const noSsh: SshPool = {
  get: () => Promise.reject(new Error('coreos.live_iso must not connect to the host')),
  drop: () => Promise.resolve(),
  closeAll: () => Promise.resolve(),
};
const RUN_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZsZWV0Ym9vdC10ZXN0LWtleS0wMDAwMDAwMDAwMDAw run@fleetboot';

describe('coreos.live_iso: Range reads of the served ISO equal the offline-embedded file', function () {
  this.timeout(60_000);
  let test: TestIso;
  let server: ArtifactServer;
  let pb: PlaybookDir;
  let url: string;
  let offline: Buffer;
  let area: { offset: number; length: number };

  before(async () => {
    clearIsoCaches();
    test = await buildTestIso();
    const original = readFileSync(test.path);
    const sha256 = createHash('sha256').update(original).digest('hex');
    const stream = { stream: 'rhcos', architectures: { x86_64: { artifacts: { metal: { release: '1', formats: { iso: { disk: { location: test.path, sha256 } } } } } } } };
    writeFileSync(join(test.dir, 'stream.json'), JSON.stringify(stream));
    server = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }] });
    pb = makePlaybookDir();
    const t = makeContext({
      pool: noSsh,
      target: { host: 'node1' } as never,
      playbookDir: pb.dir,
      vars: { arch: 'x86_64' },
      artifacts: (secrets) => serverPublisher(server, 'node1', (s) => secrets.add(s)),
    });
    const r = await runModule(coreosLiveIsoModule, { stream: join(test.dir, 'stream.json'), authorized_keys: [RUN_KEY] }, t.ctx);
    assert.equal(r.failed, false, String(r.msg));
    url = String(r.url);
    // The host's config as served, embedded offline into the original ISO (coreos-installer's way).
    const served = (await get(url)).body;
    const config = await showIgnition(bufferSource(served));
    const out = join(test.dir, 'offline.iso');
    await embedIgnitionFile(test.path, config, { output: { kind: 'file', path: out } });
    offline = readFileSync(out);
    ({ area } = await readIsoIgnition(bufferSource(original)));
    assert.ok(!offline.equals(original), 'the offline embed changed the area');
  });
  after(async () => {
    await server?.close();
    pb?.remove();
    if (test) await rm(test.dir, { recursive: true, force: true });
  });

  it('a whole GET equals the offline-embedded file', async () => {
    const whole = await get(url);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(offline));
  });

  it('single, suffix and open-ended ranges, at and across the area edges and inside it', async () => {
    const size = offline.length;
    const a = area.offset;
    const b = area.offset + area.length;
    const edges = [0, a - 1, a, a + 1, a + 4096, b - 1, b, b + 1, size - 1];
    const specs: string[] = [`bytes=-${size - a + 10}`, `bytes=-1`, `bytes=${a - 7}-`, `bytes=${b - 3}-`];
    for (const x of edges) for (const y of edges) if (x <= y) specs.push(`bytes=${x}-${y}`);
    const r = prng(4);
    for (let i = 0; i < 40; i++) {
      const start = r.int(Math.max(0, a - 8192), Math.min(size - 1, b + 8192));
      specs.push(`bytes=${start}-${start + r.int(0, 300_000)}`);
    }
    for (const spec of specs) {
      const res = await get(url, { headers: { Range: spec } });
      assert.equal(res.status, 206, spec);
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range']));
      assert.ok(m, `${spec}: ${String(res.headers['content-range'])}`);
      assert.equal(Number(m[3]), size);
      assert.ok(res.body.equals(offline.subarray(Number(m[1]), Number(m[2]) + 1)), spec);
    }
  });

  it('several ranges in one request (multipart/byteranges)', async () => {
    const a = area.offset;
    const spec = `bytes=0-99,${a - 10}-${a + 10},${a + 100_000}-${a + 100_100},-50`;
    const res = await get(url, { headers: { Range: spec } });
    assert.equal(res.status, 206);
    const parts = parseMultipart(String(res.headers['content-type']), res.body);
    assert.equal(parts.length, 4);
    for (const p of parts) assert.ok(p.body.equals(offline.subarray(p.start, p.end + 1)), `${p.start}-${p.end}`);
  });
});
