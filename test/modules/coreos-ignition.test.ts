// coreos.ignition against a real ArtifactServer on loopback (HTTP and HTTPS with its own CA):
// publish, fetch back through the advertised URL, a publisher whose server serves other bytes,
// an unreachable URL, URL sources read once, and check mode.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ignitionDigest } from '../../src/coreos/ignition-digest.js';
import type { ArtifactPublisher } from '../../src/modules/contract.js';
import { clearIgnitionSourceCache, coreosIgnitionModule, type CoreosIgnitionArgs } from '../../src/modules/coreos-ignition.js';
import { httpGetBytes } from '../../src/modules/coreos-fetch.js';
import { ArtifactServer } from '../../src/serve/server.js';
import type { SshPool } from '../../src/ssh/types.js';
import { makeContext, makePlaybookDir, runModule, serverPublisher, type ContextOptions, type PlaybookDir } from './context.js';

const noSsh: SshPool = {
  get: () => Promise.reject(new Error('coreos.ignition must not connect to the host')),
  drop: () => Promise.resolve(),
  closeAll: () => Promise.resolve(),
};

const WORKER = {
  ignition: {
    version: '3.2.0',
    config: { merge: [{ source: 'https://api-int.lab.example:22623/config/worker' }] },
    security: { tls: { certificateAuthorities: [{ source: 'data:text/plain;charset=utf-8;base64,U0VDUkVUQ0E=' }] } },
  },
};
const WORKER_TEXT = JSON.stringify(WORKER);

describe('coreos.ignition on a real artifact server', function () {
  let server: ArtifactServer;
  let pb: PlaybookDir;
  let origin: Server;
  let originUrl: string;
  let originHits = 0;

  before(async () => {
    server = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }, { protocol: 'https', host: '127.0.0.1', port: 0 }] });
    pb = makePlaybookDir();
    writeFileSync(join(pb.files, 'worker.ign'), WORKER_TEXT);
    writeFileSync(join(pb.files, 'broken.ign'), '{"ignition": {}}');
    origin = createServer((req, res) => {
      originHits++;
      if (req.url === '/worker.ign') res.end(WORKER_TEXT);
      else res.writeHead(404).end('<html>not found</html>');
    });
    await new Promise<void>((ok) => origin.listen(0, '127.0.0.1', ok));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });
  after(async () => {
    await server?.close();
    await new Promise((ok) => origin?.close(ok));
    pb?.remove();
  });
  beforeEach(() => clearIgnitionSourceCache());

  const run = (args: CoreosIgnitionArgs, o: Partial<ContextOptions> = {}, host = 'node1') => {
    const t = makeContext({ pool: noSsh, target: { host } as never, playbookDir: pb.dir, artifacts: (secrets) => serverPublisher(server, host, (s) => secrets.add(s)), ...o });
    return { t, result: runModule(coreosIgnitionModule, args, t.ctx) };
  };

  it('publishes the config, checks it over HTTP and HTTPS, and returns url, hash and size only', async () => {
    const { t, result } = run({ src: 'worker.ign' });
    const r = await result;
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.changed, false);
    assert.equal(r.hash, ignitionDigest(WORKER_TEXT));
    assert.equal(r.size, Buffer.byteLength(WORKER_TEXT));
    assert.match(String(r.url), /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(String(r.https_url), /^https:\/\/127\.0\.0\.1:\d+\//);
    const served = await httpGetBytes(String(r.url));
    assert.equal(served.toString(), WORKER_TEXT);
    const servedTls = await httpGetBytes(String(r.https_url), { caPem: server.caPem! });
    assert.equal(servedTls.toString(), WORKER_TEXT);
    // The config (here: its CA) never shows; the token was registered by the publisher.
    const shown = JSON.stringify([r, t.events]);
    assert.ok(!shown.includes('U0VDUkVUQ0E='));
    assert.ok([...t.secrets].some((s) => String(r.url).includes(s)));
  });

  it('takes inline content as a string or a mapping', async () => {
    const a = await run({ content: WORKER_TEXT, name: 'worker.ign' }).result;
    const b = await run({ content: WORKER }).result;
    assert.equal(a.failed, false, String(a.msg));
    assert.equal(b.failed, false, String(b.msg));
    assert.equal(a.hash, b.hash);
    assert.match(String(a.url), /\/worker\.ign$/);
    assert.match(String(b.url), /\/config\.ign$/);
  });

  it('reads a URL source once for many hosts', async () => {
    originHits = 0;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => run({ url: `${originUrl}/worker.ign` }, {}, `node${i}`).result));
    for (const r of results) assert.equal(r.failed, false, String(r.msg));
    assert.equal(originHits, 1);
    assert.equal(new Set(results.map((r) => r.url)).size, 10, 'each host has its own URL');
  });

  it('fails on an invalid config naming its source, and on a URL that serves HTML', async () => {
    const bad = await run({ src: 'broken.ign' }).result;
    assert.equal(bad.failed, true);
    assert.match(String(bad.msg), /src broken\.ign/);
    const html = await run({ url: `${originUrl}/missing.ign` }).result;
    assert.equal(html.failed, true);
    assert.match(String(html.msg), /HTTP 404/);
    const none = await run({ src: 'nope.ign' }).result;
    assert.equal(none.failed, true);
    assert.match(String(none.msg), /cannot read Ignition config .*nope\.ign: no such file/);
  });

  it('accepts any config with validate: none', async () => {
    const r = await run({ src: 'broken.ign', validate: 'none' }).result;
    assert.equal(r.failed, false, String(r.msg));
  });

  it('fails when the advertised URL serves other bytes', async () => {
    const liar: ArtifactPublisher = {
      publishFile: () => Promise.reject(new Error('unused')),
      publishBytes: (o) => Promise.resolve(server.publishBytes({ host: 'node1', name: o.name, bytes: Buffer.concat([Buffer.from(o.bytes), Buffer.from(' ')]) })),
    };
    const r = await run({ src: 'worker.ign' }, { artifacts: liar }).result;
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /fetched back through the advertised HTTP URL: got \d+ bytes, published \d+/);
    const sameSize: ArtifactPublisher = {
      ...liar,
      publishBytes: (o) => Promise.resolve(server.publishBytes({ host: 'node1', name: o.name, bytes: Buffer.from(o.bytes).map((b, i) => (i === 5 ? b ^ 1 : b)) })),
    };
    const r2 = await run({ src: 'worker.ign' }, { artifacts: sameSize }).result;
    assert.equal(r2.failed, true);
    assert.match(String(r2.msg), /digest sha512-[0-9a-f]+\.\.\. does not match the published sha512-/);
  });

  it('fails when the advertised URL does not answer 200', async () => {
    const wrongBase: ArtifactPublisher = {
      publishFile: () => Promise.reject(new Error('unused')),
      publishBytes: (o) => {
        const p = server.publishBytes({ host: 'node1', ...o });
        return Promise.resolve({ ...p, url: p.url.replace(p.token, 'x'.repeat(p.token.length)) });
      },
    };
    const r = await run({ src: 'worker.ign' }, { artifacts: wrongBase }).result;
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /fetching it back through the advertised HTTP URL failed: HTTP 404/);
  });

  it('in check mode reads and hashes, but publishes nothing', async () => {
    const before = server.stats().artifacts;
    const r = await run({ src: 'worker.ign' }, { check: true, artifacts: undefined }).result;
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.hash, ignitionDigest(WORKER_TEXT));
    assert.equal(r.url, undefined);
    assert.equal(server.stats().artifacts, before);
  });
});
