import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readlink, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TransportEvent } from '../../src/core/events.js';
import { ArtifactServer } from '../../src/serve/server.js';
import type { Overlay } from '../../src/serve/layers.js';
import { get, parseMultipart, rawGet } from './client.js';
import { applyOverlays, prng } from './prng.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const SIZE = 300_000;

/** Descriptors of this process that point at `path`. */
async function openCount(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      if ((await readlink(`/proc/self/fd/${fd}`)) === path) n++;
    } catch {
      // the descriptor closed while we looked
    }
  }
  return n;
}

describe('serve/server: ArtifactServer over HTTP and HTTPS on loopback', function () {
  let dir: string;
  let isoPath: string;
  let iso: Buffer;
  let server: ArtifactServer;
  const events: TransportEvent[] = [];
  const waiters: { pred: (e: TransportEvent) => boolean; resolve: (e: TransportEvent) => void }[] = [];
  const nextEvent = (pred: (e: TransportEvent) => boolean) => new Promise<TransportEvent>((resolve) => waiters.push({ pred, resolve }));
  const rnd = prng(42);
  const overlaysA: Overlay[] = [
    { offset: 32_768, bytes: rnd.bytes(4_000) },
    { offset: 100_000, bytes: rnd.bytes(65_536) },
  ];
  const overlaysB: Overlay[] = [{ offset: 100_000, bytes: rnd.bytes(65_536) }];
  let plainUrl: string;
  let plain: Awaited<ReturnType<ArtifactServer['publish']>>;
  let a: Awaited<ReturnType<ArtifactServer['publish']>>;
  let b: Awaited<ReturnType<ArtifactServer['publish']>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetboot-serve-'));
    isoPath = join(dir, 'live.iso');
    iso = prng(7).bytes(SIZE);
    await writeFile(isoPath, iso);
    server = await ArtifactServer.start({
      bind: [
        { protocol: 'http', host: HOST, port: 0 },
        { protocol: 'https', host: HOST, port: 0 },
      ],
      onEvent: (e) => {
        events.push(e);
        for (const w of [...waiters]) {
          if (w.pred(e)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      },
    });
    plain = await server.publish({ host: 'plain-host', name: 'live.iso', file: isoPath });
    plainUrl = plain.url;
    a = await server.publish({ host: 'host-a', name: 'live.iso', file: isoPath, overlays: overlaysA });
    b = await server.publish({ host: 'host-b', name: 'live.iso', file: isoPath, overlays: overlaysB });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('advertises the bound addresses by default and returns both URLs', () => {
    assert.match(plain.url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/a/${plain.token}/live\\.iso$`));
    assert.match(plain.httpsUrl!, new RegExp(`^https://127\\.0\\.0\\.1:\\d+/a/${plain.token}/live\\.iso$`));
    assert.equal(plain.size, SIZE);
    assert.ok(server.caPem?.includes('BEGIN CERTIFICATE'));
  });

  it('GET without Range: 200, the whole file, exact Content-Length, validators', async () => {
    const r = await get(plainUrl);
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(iso));
    assert.equal(r.headers['content-length'], String(SIZE));
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['etag'], plain.etag);
    assert.match(plain.etag, /^"[A-Za-z0-9_-]+"$/);
    assert.ok(r.headers['last-modified']);
    assert.equal(r.headers['content-type'], 'application/x-iso9660-image');
  });

  it('HEAD: the GET header fields, no body; a Range on HEAD is ignored', async () => {
    for (const headers of [{}, { Range: 'bytes=0-9' }] as Record<string, string>[]) {
      const r = await get(plainUrl, { method: 'HEAD', headers });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-length'], String(SIZE));
      assert.equal(r.headers['etag'], plain.etag);
      assert.equal(r.body.length, 0);
    }
  });

  const single: [string, number, number][] = [
    ['bytes=0-0', 0, 0],
    ['bytes=10-19', 10, 19],
    ['bytes=-100', SIZE - 100, SIZE - 1],
    ['bytes=-999999999', 0, SIZE - 1],
    [`bytes=${SIZE - 50}-`, SIZE - 50, SIZE - 1],
    [`bytes=${SIZE - 50}-${SIZE * 10}`, SIZE - 50, SIZE - 1],
    ['bytes=0-', 0, SIZE - 1],
    ['bytes=5-9,0-4', 0, 9],
  ];
  for (const [range, start, end] of single) {
    it(`${range} → 206 bytes ${start}-${end}`, async () => {
      const r = await get(plainUrl, { headers: { Range: range } });
      assert.equal(r.status, 206);
      assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${SIZE}`);
      assert.equal(r.headers['content-length'], String(end - start + 1));
      assert.ok(r.body.equals(iso.subarray(start, end + 1)));
    });
  }

  it('several ranges → multipart/byteranges, each part the right bytes, Content-Length exact', async () => {
    const r = await get(plainUrl, { headers: { Range: 'bytes=-10, 0-9, 1000-1999,1500-2500' } });
    assert.equal(r.status, 206);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const parts = parseMultipart(r.headers['content-type']!, r.body);
    assert.deepEqual(
      parts.map((p) => [p.start, p.end, p.size, p.contentType]),
      [
        [0, 9, SIZE, 'application/x-iso9660-image'],
        [1000, 2500, SIZE, 'application/x-iso9660-image'],
        [SIZE - 10, SIZE - 1, SIZE, 'application/x-iso9660-image'],
      ],
    );
    for (const p of parts) assert.ok(p.body.equals(iso.subarray(p.start, p.end + 1)));
  });

  it('the multipart boundary is random per response', async () => {
    const h = { Range: 'bytes=0-1,5-6' };
    const [x, y] = [await get(plainUrl, { headers: h }), await get(plainUrl, { headers: h })];
    assert.notEqual(x.headers['content-type'], y.headers['content-type']);
  });

  it('past the end → 416 with Content-Range bytes */size', async () => {
    for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE}-${SIZE + 10}`, 'bytes=-0']) {
      const r = await get(plainUrl, { headers: { Range: range } });
      assert.equal(r.status, 416, range);
      assert.equal(r.headers['content-range'], `bytes */${SIZE}`);
      assert.equal(r.body.length, 0);
    }
  });

  it('invalid Range syntax or another unit → 200 with everything', async () => {
    for (const range of ['bytes=9-1', 'bytes=x-', 'lines=1-2', 'bytes 1-2']) {
      const r = await get(plainUrl, { headers: { Range: range } });
      assert.equal(r.status, 200, range);
      assert.equal(r.body.length, SIZE);
    }
  });

  it('If-Range: the current ETag or Last-Modified → 206; another tag, a weak tag or an old date → 200', async () => {
    const head = await get(plainUrl, { method: 'HEAD' });
    const lm = head.headers['last-modified']!;
    const range = { Range: 'bytes=0-99' };
    assert.equal((await get(plainUrl, { headers: { ...range, 'If-Range': plain.etag } })).status, 206);
    assert.equal((await get(plainUrl, { headers: { ...range, 'If-Range': lm } })).status, 206);
    for (const stale of [a.etag, `W/${plain.etag}`, 'Sun, 06 Nov 1994 08:49:37 GMT']) {
      const r = await get(plainUrl, { headers: { ...range, 'If-Range': stale } });
      assert.equal(r.status, 200, stale);
      assert.ok(r.body.equals(iso));
    }
  });

  it('ETags differ per host overlay; the same file without overlays has its own', () => {
    assert.equal(new Set([plain.etag, a.etag, b.etag]).size, 3);
  });

  it('an overlaid artifact: the whole body is the file with the overlays applied, size unchanged', async () => {
    const r = await get(a.url);
    assert.equal(r.headers['content-length'], String(SIZE));
    assert.ok(r.body.equals(applyOverlays(iso, overlaysA)));
    assert.ok((await get(b.url)).body.equals(applyOverlays(iso, overlaysB)));
  });

  it('any Range of an overlaid artifact equals that range of the composed buffer (seeded, single and multi)', async () => {
    const want = applyOverlays(iso, overlaysA);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const r = prng(1234);
    try {
      for (let i = 0; i < 60; i++) {
        const n = i % 4 === 0 ? r.int(2, 4) : 1;
        const specs: string[] = [];
        for (let k = 0; k < n; k++) {
          const kind = r.int(0, 5);
          if (kind === 0) specs.push(`-${r.int(1, 70_000)}`);
          else if (kind === 1) specs.push(`${r.int(0, SIZE - 1)}-`);
          else if (kind === 2) {
            // around an overlay edge
            const o = overlaysA[r.int(0, 1)]!;
            const edge = r.int(0, 1) ? o.offset : o.offset + o.bytes.length;
            const s = Math.max(0, edge - r.int(0, 300));
            specs.push(`${s}-${s + r.int(0, 600)}`);
          } else {
            const s = r.int(0, SIZE - 1);
            specs.push(`${s}-${s + r.int(0, 80_000)}`);
          }
        }
        const res = await get(a.url, { headers: { Range: `bytes=${specs.join(',')}` }, agent });
        assert.equal(res.status, 206, specs.join(','));
        assert.equal(Number(res.headers['content-length']), res.body.length);
        const ct = res.headers['content-type']!;
        const parts = ct.startsWith('multipart/')
          ? parseMultipart(ct, res.body)
          : (() => {
              const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers['content-range']!)!;
              return [{ start: Number(m[1]), end: Number(m[2]), body: res.body }];
            })();
        for (const p of parts) assert.ok(p.body.equals(want.subarray(p.start, p.end + 1)), `${specs.join(',')}: part ${p.start}-${p.end}`);
      }
    } finally {
      agent.destroy();
    }
  });

  it('HTTPS with the generated CA verified: same bytes and headers', async () => {
    const res = await get(a.httpsUrl!, { headers: { Range: 'bytes=99990-100009' }, ca: server.caPem! });
    assert.equal(res.status, 206);
    assert.equal(res.headers['etag'], a.etag);
    assert.ok(res.body.equals(applyOverlays(iso, overlaysA).subarray(99_990, 100_010)));
  });

  it('curl, an independent client, reads ranges over HTTP and HTTPS and gets the same bytes', async function () {
    const curl = await run('which', ['curl']).catch(() => undefined);
    if (!curl) this.skip();
    const want = applyOverlays(iso, overlaysA);
    const httpOut = await run('curl', ['-sSf', '-r', '32000-33999', a.url], { encoding: 'buffer' });
    assert.ok(httpOut.stdout.equals(want.subarray(32_000, 34_000)));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, server.caPem!);
    const httpsOut = await run('curl', ['-sSf', '--cacert', caFile, '-r', '-5000', a.httpsUrl!], { encoding: 'buffer' });
    assert.ok(httpsOut.stdout.equals(want.subarray(SIZE - 5000)));
    // curl checks the response's framing itself; -D shows it saw a 206 with our Content-Range.
    const head = await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', '-r', '0-9', a.url]);
    assert.match(head.stdout, /^HTTP\/1\.1 206/);
    assert.match(head.stdout, new RegExp(`content-range: bytes 0-9/${SIZE}`, 'i'));
  });

  it('publishBytes: a small artifact in memory, with ranges', async () => {
    const ign = Buffer.from('{"ignition":{"version":"3.4.0"}}');
    const p = server.publishBytes({ host: 'host-a', name: 'worker.ign', bytes: ign });
    const r = await get(p.url);
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(ign));
    assert.equal(r.headers['content-type'], 'application/vnd.coreos.ignition+json');
    assert.equal(r.headers['etag'], p.etag);
    const part = await get(p.url, { headers: { Range: 'bytes=-5' } });
    assert.equal(part.status, 206);
    assert.ok(part.body.equals(ign.subarray(-5)));
  });

  it('an unknown token → 404 and an event for host "-" that carries no token', async () => {
    const token = 'A'.repeat(32);
    const seen = nextEvent((e) => e.host === '-' && e.detail?.startsWith('404') === true);
    const r = await get(plainUrl.replace(plain.token, token));
    assert.equal(r.status, 404);
    const e = await seen;
    assert.equal(e.action, 'GET /a/…/live.iso');
    assert.ok(!JSON.stringify(e).includes(token));
  });

  it('a known token with another name → 404, counted for its host', async () => {
    const seen = nextEvent((e) => e.host === 'host-b' && e.detail?.startsWith('404') === true);
    assert.equal((await get(b.url.replace('live.iso', 'other.iso'))).status, 404);
    assert.equal((await seen).action, 'GET /a/…/other.iso');
  });

  it('no path traversal: dot segments and encoded variants are 404, never a file', async () => {
    const { port } = server.addresses.find((x) => x.protocol === 'http')!;
    for (const target of [
      '/a/../../etc/passwd',
      '/a/%2e%2e/%2e%2e/etc/passwd',
      '/a/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/a/..%2f..%2fetc%2fpasswd',
      `/a/${plain.token}/../../../../etc/passwd`,
      `/a/${plain.token}/..%2f..%2f..%2fetc%2fpasswd`,
      `/a/${plain.token}/%2e%2e`,
      '/a/..\\..\\etc\\passwd',
      '/../../etc/passwd',
      '/etc/passwd',
      `/a/${plain.token}/live.iso/../../../etc/passwd`,
    ]) {
      const r = await rawGet(HOST, port, target);
      assert.match(r.statusLine, /^HTTP\/1\.1 (400|404) /, target);
      assert.ok(!r.text.includes('root:'), target);
    }
  });

  it('other methods → 405 with Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await get(plainUrl, { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers['allow'], 'GET, HEAD');
    }
  });

  it('every request is an event naming its host, status, range, bytes and peer; no token, no content', async () => {
    const seen = nextEvent((e) => e.host === 'host-a' && e.detail?.startsWith('206 bytes=100-199 ') === true);
    await get(a.url, { headers: { Range: 'bytes=100-199' } });
    const e = await seen;
    assert.equal(e.kind, 'transport');
    assert.equal(e.transport, 'http');
    assert.equal(e.action, 'GET /a/…/live.iso');
    assert.equal(e.detail, '206 bytes=100-199 100 B to 127.0.0.1');
    assert.equal(typeof e.durationMs, 'number');
    const all = JSON.stringify(events);
    for (const t of [plain.token, a.token, b.token]) assert.ok(!all.includes(t), 'a token leaked into an event');
  });

  it('stats() counts requests and body bytes per host', async () => {
    const before = server.stats().hosts['host-b'] ?? { requests: 0, bytes: 0 };
    const seen = nextEvent((e) => e.host === 'host-b' && e.detail?.startsWith('206 bytes=0-999 ') === true);
    await get(b.url, { headers: { Range: 'bytes=0-999' } });
    await seen;
    const after = server.stats().hosts['host-b']!;
    assert.equal(after.requests, before.requests + 1);
    assert.equal(after.bytes, before.bytes + 1000);
    assert.equal(server.stats().openFiles, 0);
  });

  it('a client that aborts mid-stream leaves no file handle open', async () => {
    const big = join(dir, 'big.iso');
    await writeFile(big, '');
    await truncate(big, 256 * 1024 * 1024); // sparse: bigger than any socket buffer, costs no disk
    const p = await server.publish({ host: 'host-abort', name: 'big.iso', file: big, overlays: [{ offset: 4096, bytes: Buffer.alloc(10, 1) }] });
    const seen = nextEvent((e) => e.host === 'host-abort');
    await new Promise<void>((resolve, reject) => {
      const u = new URL(p.url);
      const req = request({ host: u.hostname, port: u.port, path: u.pathname }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
    const e = await seen;
    assert.match(e.detail!, /^200 aborted after \d+ B to 127\.0\.0\.1$/);
    assert.equal(server.stats().openFiles, 0);
    assert.equal(await openCount(big), 0);
  });

  it('a file replaced after publish is refused (410), never mixed', async () => {
    const path = join(dir, 'replaced.iso');
    await writeFile(path, Buffer.alloc(1000, 1));
    const p = await server.publish({ host: 'host-r', name: 'r.iso', file: path });
    assert.equal((await get(p.url)).status, 200);
    await writeFile(join(dir, 'new.iso'), Buffer.alloc(1000, 2));
    await rename(join(dir, 'new.iso'), path);
    const seen = nextEvent((e) => e.host === 'host-r' && e.detail?.startsWith('410') === true);
    assert.equal((await get(p.url)).status, 410);
    assert.match((await seen).detail!, /file changed or removed since publish/);
    assert.equal(await openCount(path), 0);
  });

  it('unpublish: the URL is gone', async () => {
    const p = server.publishBytes({ host: 'host-u', name: 'x.ign', bytes: Buffer.from('{}') });
    assert.equal((await get(p.url)).status, 200);
    assert.equal(server.unpublish(p.token), true);
    assert.equal((await get(p.url)).status, 404);
    assert.equal(server.unpublish(p.token), false);
  });

  it('publish refuses bad names, overlays past the end and missing files, saying why', async () => {
    await assert.rejects(server.publish({ host: 'h', name: '../x', file: isoPath }), /one path segment/);
    await assert.rejects(server.publish({ host: 'h', name: 'x.iso', file: isoPath, overlays: [{ offset: SIZE - 1, bytes: Buffer.alloc(2) }] }), /runs past the end/);
    await assert.rejects(server.publish({ host: 'h', name: 'x.iso', file: join(dir, 'missing.iso') }), /cannot publish .*missing\.iso for h/);
  });
});

describe('serve/server: a reader that stops reading', () => {
  it('is cut after the idle timeout and its file handle released', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetboot-serve-idle-'));
    const big = join(dir, 'big.iso');
    await writeFile(big, '');
    await truncate(big, 256 * 1024 * 1024);
    let ended: (e: TransportEvent) => void = () => {};
    const seen = new Promise<TransportEvent>((resolve) => (ended = resolve));
    const s = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }], idleTimeoutMs: 300, onEvent: (e) => ended(e) });
    const stalled: { req?: ReturnType<typeof request> } = {};
    try {
      const p = await s.publish({ host: 'slow-bmc', name: 'big.iso', file: big });
      const u = new URL(p.url);
      await new Promise<void>((resolve) => {
        stalled.req = request({ host: u.hostname, port: u.port, path: u.pathname }, (res) => {
          // Take one chunk, then never read again: the server's writes stall on a full socket.
          res.once('data', () => {
            res.pause();
            resolve();
          });
        });
        stalled.req.on('error', () => undefined);
        stalled.req.end();
      });
      const e = await seen;
      assert.equal(e.host, 'slow-bmc');
      assert.match(e.detail!, /^200 aborted after \d+ B to 127\.0\.0\.1$/);
      assert.equal(s.stats().openFiles, 0);
      assert.equal(await openCount(big), 0);
    } finally {
      stalled.req?.destroy();
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('close() cuts requests in flight and releases their files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetboot-serve-close-'));
    const big = join(dir, 'big.iso');
    await writeFile(big, '');
    await truncate(big, 256 * 1024 * 1024);
    const s = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }] });
    try {
      const p = await s.publish({ host: 'h', name: 'big.iso', file: big });
      const u = new URL(p.url);
      await new Promise<void>((resolve) => {
        const req = request({ host: u.hostname, port: u.port, path: u.pathname }, (res) => {
          res.on('error', () => undefined);
          res.once('data', () => {
            res.pause();
            resolve();
          });
        });
        req.on('error', () => undefined);
        req.end();
      });
      assert.equal(s.stats().openFiles, 1);
      await s.close();
      assert.equal(s.stats().openFiles, 0);
      assert.equal(await openCount(big), 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('serve/server: advertising and TLS options', () => {
  it('advertises the given base URLs (not the bind address) and uses them for the certificate', async () => {
    const s = await ArtifactServer.start({
      bind: [{ protocol: 'https', host: '127.0.0.2', port: 0 }],
      advertise: { https: 'https://127.0.0.3:9443' },
    });
    try {
      const p = s.publishBytes({ host: 'h', name: 'c.ign', bytes: Buffer.from('{}') });
      assert.match(p.url, /^https:\/\/127\.0\.0\.3:9443\/a\/[A-Za-z0-9_-]{32}\/c\.ign$/);
      assert.equal(p.httpsUrl, p.url);
      // The certificate names both the advertised and the bound address: reach it through the bind.
      const { port } = s.addresses[0]!;
      const r = await get(`https://127.0.0.2:${port}${new URL(p.url).pathname}`, { ca: s.caPem! });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), '{}');
    } finally {
      await s.close();
    }
  });

  it('refuses an advertised URL with a path, and a port already taken', async () => {
    await assert.rejects(
      ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }], advertise: { http: 'http://h:1/x' } }),
      /scheme, host and port only/,
    );
    const s = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }] });
    try {
      await assert.rejects(
        ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: s.addresses[0]!.port }] }),
        /could not listen: .*EADDRINUSE/,
      );
    } finally {
      await s.close();
    }
  });
});

describe('serve/server: wildcard binds', () => {
  it('a wildcard bind needs an advertised URL', async () => {
    await assert.rejects(ArtifactServer.start({ bind: [{ protocol: 'http', host: '0.0.0.0', port: 0 }] }), /every address \(0\.0\.0\.0\): give the http URL/);
  });
});
