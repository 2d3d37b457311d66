// The simulated BMC's firmware reads the virtual CD image with HTTP Range requests, as BMCs do:
// a loopback image server records each request. Pacing is shown on an injected clock (bytes
// and requests recorded, no timed assertions); bad servers and bad images fail the boot with a
// reason in the BootRecord and in the System's BootProgress; a good boot hands its reader over.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLabCa, makeLeaf } from '../../src/lab/bmc/certs.js';
import { readBootCd } from '../../src/lab/bmc/firmware-boot.js';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { readIsoVolume, SECTOR_SIZE as SECTOR } from '../../src/coreos/iso9660.js';
import { MediaReader, MediaReadError } from '../../src/lab/bmc/media-reader.js';
import type { BootRecord } from '../../src/lab/bmc/state.js';
import type { Clock } from '../../src/lab/bmc/token-bucket.js';
import { at, call, startTestBmc, until, type TestBmc } from './bmc-client.js';

interface Seen {
  method: string;
  path: string;
  range?: string;
}

type Mode = 'ok' | 'no-range' | 'no-content-range';

/** Serves files from memory with Range support (or without, per path prefix), recording requests. */
class ImageServer {
  readonly seen: Seen[] = [];
  readonly files = new Map<string, { data: Buffer; mode: Mode }>();
  private server: Server | undefined;
  port = 0;
  /** Called for each GET with a Range; the answer waits for it (the test ejects there). */
  onRange: ((n: number) => Promise<void> | void) | undefined;

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const range = req.headers.range;
    this.seen.push({ method: req.method ?? '', path, ...(range ? { range } : {}) });
    const f = this.files.get(path);
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    const ranged = f.mode !== 'no-range';
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Length': String(f.data.length), ...(ranged ? { 'Accept-Ranges': 'bytes' } : {}) }).end();
      return;
    }
    const m = range ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
    if (!m || !ranged) {
      res.writeHead(200, { 'Content-Length': String(f.data.length) }).end(f.data);
      return;
    }
    void Promise.resolve(this.onRange?.(this.seen.filter((s) => s.range).length)).then(() => this.answerRange(res, f, Number(m[1]), Number(m[2])));
  };

  private answerRange(res: ServerResponse, f: { data: Buffer; mode: Mode }, from: number, to: number): void {
    const start = from;
    const end = Math.min(to, f.data.length - 1);
    const body = f.data.subarray(start, end + 1);
    res.writeHead(206, {
      'Accept-Ranges': 'bytes',
      'Content-Length': String(body.length),
      ...(f.mode === 'ok' ? { 'Content-Range': `bytes ${start}-${end}/${f.data.length}` } : {}),
    });
    res.end(body);
  }

  async listen(tls?: { key: string; cert: string }): Promise<void> {
    this.server = tls ? createHttpsServer(tls, this.handle) : createServer(this.handle);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

/** A clock that advances only when slept on: pacing is counted, not waited for. */
function fakeClock(): Clock & { slept: number } {
  let t = 0;
  const c = {
    slept: 0,
    now: () => t,
    sleep: async (ms: number) => {
      c.slept += ms;
      t += ms;
    },
  };
  return c;
}

describe('simulated BMC: boot from the virtual CD reads the image with HTTP Range requests', function () {
  this.timeout(30_000);
  let work: string;
  let iso: Buffer;
  const http = new ImageServer();
  const url = (path: string): string => `http://127.0.0.1:${http.port}${path}`;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-bmc-media-'));
    const dir = join(work, 'root');
    await mkdir(join(dir, 'EFI'), { recursive: true });
    await writeFile(join(dir, 'README.TXT'), 'live image\n');
    await writeFile(join(dir, 'EFI', 'BOOT.CFG'), 'menu\n');
    // Debian's xorriso makes the image: the format is not ours.
    execFileSync('xorriso', ['-as', 'mkisofs', '-iso-level', '1', '-V', 'LABLIVE', '-o', join(work, 'live.iso'), dir], { stdio: 'ignore' });
    iso = await readFile(join(work, 'live.iso'));
    http.files.set('/live.iso', { data: iso, mode: 'ok' });
    http.files.set('/norange.iso', { data: iso, mode: 'no-range' });
    http.files.set('/nocr.iso', { data: iso, mode: 'no-content-range' });
    http.files.set('/random.bin', { data: Buffer.alloc(iso.length, 0x5a), mode: 'ok' });
    await http.listen();
  });
  after(async () => {
    await http.close();
    await rm(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    http.seen.length = 0;
    http.onRange = undefined;
  });

  it('the ISO 9660 reader reads what xorriso wrote: CD001, the primary volume, its size', async () => {
    const v = await readIsoVolume(bufferSource(iso));
    assert.equal(v.volumeId, 'LABLIVE');
    assert.equal(v.blocks * SECTOR, iso.length);
    await assert.rejects(readIsoVolume(bufferSource(Buffer.alloc(20 * SECTOR))), /unknown descriptor ID/);
  });

  it('reads are Range GETs of at most one chunk, after one HEAD; the firmware finds the root directory', async () => {
    const r = new MediaReader(url('/live.iso'), { chunkBytes: 4096, rateBytesPerSec: 0 });
    const boot = await readBootCd(r);
    r.close();
    assert.equal(boot.volume.volumeId, 'LABLIVE');
    assert.deepEqual(boot.rootEntries.map((e) => e.name).sort(), ['EFI', 'README.TXT']);
    assert.equal(http.seen[0]?.method, 'HEAD');
    const gets = http.seen.slice(1);
    assert.ok(gets.length >= 3, `descriptors and the root directory: ${gets.length} requests`);
    for (const g of gets) assert.match(g.range ?? '', /^bytes=\d+-\d+$/, 'every GET carries a Range');
    assert.equal(gets[0]?.range, `bytes=${16 * SECTOR}-${17 * SECTOR - 1}`, 'the first read is the descriptor at sector 16');
    assert.equal(r.stats.requests, http.seen.length);
  });

  it('paced reads: the bytes read take at least bytes / rate on the clock; one request per chunk', async () => {
    const clock = fakeClock();
    const rate = 64 * 1024;
    const r = new MediaReader(url('/live.iso'), { chunkBytes: 16 * 1024, rateBytesPerSec: rate, clock });
    const data = await r.read(0, 256 * 1024 > iso.length ? iso.length - (iso.length % 1024) : 256 * 1024);
    r.close();
    const ranges = http.seen.filter((s) => s.range);
    assert.equal(ranges.length, Math.ceil(data.length / (16 * 1024)));
    assert.equal(r.stats.bytes, data.length);
    assert.ok(clock.slept >= (data.length / rate) * 1000, `paced ${clock.slept} ms for ${data.length} bytes at ${rate} B/s`);
    assert.deepEqual(data, iso.subarray(0, data.length));
  });

  it('HTTPS: not verifying the image server by default (profile data); verifying refuses an unknown CA', async () => {
    const ca = await makeLabCa();
    const leaf = await makeLeaf(ca, ['127.0.0.1']);
    const tls = new ImageServer();
    tls.files.set('/live.iso', { data: iso, mode: 'ok' });
    await tls.listen({ key: leaf.keyPem, cert: leaf.certPem });
    try {
      const u = `https://127.0.0.1:${tls.port}/live.iso`;
      const lax = new MediaReader(u, { rateBytesPerSec: 0 });
      assert.equal((await readBootCd(lax)).volume.volumeId, 'LABLIVE');
      lax.close();
      const strict = new MediaReader(u, { rateBytesPerSec: 0, verifyTls: true });
      await assert.rejects(readBootCd(strict), (e: unknown) => e instanceof MediaReadError && e.failure === 'unreachable');
      strict.close();
      const trusted = new MediaReader(u, { rateBytesPerSec: 0, verifyTls: true, ca: ca.certPem });
      assert.equal((await readBootCd(trusted)).volume.volumeId, 'LABLIVE');
      trusted.close();
    } finally {
      await tls.close();
    }
  });

  describe('through the BMC: a one-time Cd boot with the image inserted', () => {
    let b: TestBmc;
    afterEach(async () => b?.close());

    async function bootFrom(image: string, opts: { eject?: boolean } = {}): Promise<{ boot: BootRecord; hooked: { boot: BootRecord; reader: MediaReader | null }[]; system: Record<string, unknown> }> {
      b = await startTestBmc('generic', { media: { rateBytesPerSec: 0, chunkBytes: 2048 } });
      const hooked: { boot: BootRecord; reader: MediaReader | null }[] = [];
      b.service.onBoot((boot, reader) => hooked.push({ boot, reader }));
      const o = { basic: b.basic };
      const vm = '/redfish/v1/Managers/1/VirtualMedia/Cd';
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: image } })).status, 204);
      if (opts.eject) {
        http.onRange = (n) => {
          // The second Range answer waits until the eject is done.
          if (n === 2) return call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, { ...o, body: {} }).then((r) => assert.equal(r.status, 204));
          return undefined;
        };
      }
      const patch = await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } } });
      assert.equal(patch.status, 200);
      assert.equal((await call(b, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ...o, body: { ResetType: 'On' } })).status, 204);
      await until(async () => hooked.length > 0);
      const stats = (await call(b, 'GET', '/lab/stats', o)).json as unknown as { boots: BootRecord[] };
      const system = (await call(b, 'GET', '/redfish/v1/Systems/1', o)).json;
      const boot = stats.boots.at(-1);
      assert.ok(boot);
      return { boot, hooked, system };
    }

    it('a good image boots: Range reads recorded, BootProgress OSBootStarted, the hook gets the open reader', async () => {
      const { boot, hooked, system } = await bootFrom(url('/live.iso'));
      assert.equal(boot.outcome, 'booted', boot.reason);
      assert.equal(boot.virtualCd, true);
      assert.ok((boot.media?.requests ?? 0) >= 3);
      assert.equal(at(system, 'BootProgress/LastState'), 'OSBootStarted');
      const reader = hooked[0]?.reader;
      assert.ok(reader, 'the hook was handed the reader');
      // The live system reads on through the same reader (as it will read its Ignition).
      const volume = await readIsoVolume({ size: reader.size ?? 0, read: (o, l) => reader.read(o, l) });
      assert.equal(volume.volumeId, 'LABLIVE');
      assert.ok(http.seen.filter((s) => s.range).length >= 4);
    });

    const failures: [string, string, RegExp][] = [
      ['a 404', '/missing.iso', /HTTP 404/],
      ['a server without Range support (200 to a Range request)', '/norange.iso', /answered 200|Range/],
      ['a 206 without Content-Range', '/nocr.iso', /Content-Range/],
      ['bytes that are not ISO 9660', '/random.bin', /not an ISO 9660 image.*CD001/],
    ];
    for (const [what, path, why] of failures) {
      it(`${what} fails the boot with the reason (BootRecord, /lab/stats, BootProgress OEM)`, async () => {
        const { boot, hooked, system } = await bootFrom(url(path));
        assert.equal(boot.outcome, 'failed');
        assert.match(boot.reason ?? '', why);
        assert.match(boot.reason ?? '', /^virtual CD boot failed: /);
        assert.ok(!(boot.reason ?? '').includes('\n'));
        assert.equal(at(system, 'BootProgress/LastState'), 'OEM');
        assert.equal(at(system, 'BootProgress/OemLastState'), 'VirtualMediaBootFailed');
        assert.equal(hooked[0]?.reader, null);
      });
    }

    it('an image server that is not there fails the boot: cannot fetch', async () => {
      const { boot } = await bootFrom('http://127.0.0.1:9/live.iso');
      assert.equal(boot.outcome, 'failed');
      assert.match(boot.reason ?? '', /cannot fetch .*ECONNREFUSED/);
    });

    it('an eject in the middle of the read fails the boot: ejected', async () => {
      const { boot } = await bootFrom(url('/live.iso'), { eject: true });
      assert.equal(boot.outcome, 'failed');
      assert.match(boot.reason ?? '', /ejected/);
    });

    it('a boot that is not from the CD reads nothing and hands no reader', async () => {
      b = await startTestBmc('generic', { media: { rateBytesPerSec: 0 } });
      const hooked: (MediaReader | null)[] = [];
      b.service.onBoot((_boot, reader) => hooked.push(reader));
      const o = { basic: b.basic };
      await call(b, 'POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', { ...o, body: { Image: url('/live.iso') } });
      await call(b, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ...o, body: { ResetType: 'On' } });
      await until(async () => hooked.length > 0);
      assert.deepEqual(hooked, [null]);
      assert.equal(http.seen.length, 0);
      const boot = b.service.getStats().boots[0];
      assert.equal(boot?.virtualCd, false);
      assert.equal(boot?.source, 'Hdd');
    });
  });
});
