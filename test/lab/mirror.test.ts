import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { HostMachine } from '../../src/lab/host-machine.js';
import { LabMirror, parseRange } from '../../src/lab/mirror.js';

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Stream {
  architectures: Record<string, { artifacts: { metal: { release: string; formats: Record<string, Record<string, { location: string; sha256: string }>> } } }>;
}

describe('lab mirror (live ISOs and stream metadata over HTTP with Range)', () => {
  let mirror: LabMirror;
  let stream: Stream;
  let isoUrl: string;
  let iso: Buffer;

  before(async () => {
    const machines = [new HostMachine('node-001', 'aarch64')];
    mirror = new LabMirror({ port: 0, arches: ['aarch64', 'x86_64', 'aarch64'], machines: () => machines });
    await mirror.listen();
    const r = await get(mirror.streamUrl);
    stream = JSON.parse(r.body.toString()) as Stream;
    isoUrl = stream.architectures.x86_64?.artifacts.metal.formats.iso?.disk?.location ?? '';
    iso = (await get(isoUrl)).body;
  });
  after(() => mirror.close());

  it('serves CoreOS-shaped stream metadata for each architecture of the lab, pointing at itself', () => {
    assert.deepEqual(Object.keys(stream.architectures), ['aarch64', 'x86_64']);
    const metal = stream.architectures.aarch64?.artifacts.metal;
    assert.ok(metal?.formats.iso?.disk?.location.startsWith(`http://127.10.0.254:${mirror.port}/art/aarch64/`));
    assert.deepEqual(Object.keys(metal?.formats.pxe ?? {}), ['kernel', 'initramfs', 'rootfs']);
    assert.match(isoUrl, /\/rhcos-418\.94\.202410090804-0-live\.x86_64\.iso$/);
  });

  it('serves the ISO whose sha256 the stream gives, an ISO 9660 image with coreos/igninfo.json', () => {
    assert.equal(createHash('sha256').update(iso).digest('hex'), stream.architectures.x86_64?.artifacts.metal.formats.iso?.disk?.sha256);
    assert.equal(iso.subarray(32769, 32774).toString('latin1'), 'CD001');
    assert.equal(iso.length % 2048, 0);
    assert.equal(mirror.isos.get('x86_64')?.size, iso.length);
  });

  it('answers single, suffix, open-ended and multiple ranges, 416 past the end, and HEAD', async () => {
    const size = iso.length;
    const one = await get(isoUrl, { Range: 'bytes=32768-34815' });
    assert.equal(one.status, 206);
    assert.equal(one.headers['content-range'], `bytes 32768-34815/${size}`);
    assert.ok(one.body.equals(iso.subarray(32768, 34816)));
    const suffix = await get(isoUrl, { Range: 'bytes=-100' });
    assert.ok(suffix.body.equals(iso.subarray(size - 100)));
    const open = await get(isoUrl, { Range: `bytes=${size - 10}-` });
    assert.equal(open.headers['content-range'], `bytes ${size - 10}-${size - 1}/${size}`);
    const multi = await get(isoUrl, { Range: 'bytes=0-9,100-109' });
    assert.equal(multi.status, 206);
    assert.match(String(multi.headers['content-type']), /^multipart\/byteranges; boundary=/);
    assert.ok(multi.body.includes(iso.subarray(100, 110)));
    const past = await get(isoUrl, { Range: `bytes=${size}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], `bytes */${size}`);
    const head = await get(isoUrl, {}, 'HEAD');
    assert.equal(head.headers['content-length'], String(size));
    assert.equal(head.headers['accept-ranges'], 'bytes');
    const stale = await get(isoUrl, { Range: 'bytes=0-9', 'If-Range': '"other"' });
    assert.equal(stale.status, 200);
    const fresh = await get(isoUrl, { Range: 'bytes=0-9', 'If-Range': String(head.headers.etag) });
    assert.equal(fresh.status, 206);
    assert.equal((await get(`${mirror.baseUrl}/art/../etc/passwd`)).status, 404);
  });

  it('parses Range headers as RFC 9110 says', () => {
    assert.deepEqual(parseRange('bytes=0-0', 10), [{ start: 0, end: 0 }]);
    assert.deepEqual(parseRange('bytes=5-100', 10), [{ start: 5, end: 9 }]);
    assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
    assert.equal(parseRange('items=0-1', 10), undefined);
    assert.equal(parseRange('bytes=5-1', 10), undefined);
  });

  it('shows each host`s machine at /lab/hosts', async () => {
    const r = await get(`${mirror.baseUrl}/lab/hosts/node-001`);
    const host = JSON.parse(r.body.toString()) as { arch: string; disks: Array<{ name: string }>; installs: unknown[] };
    assert.equal(host.arch, 'aarch64');
    assert.equal(host.disks[0]?.name, 'nvme0n1');
    assert.deepEqual(host.installs, []);
    assert.equal((await get(`${mirror.baseUrl}/lab/hosts/node-404`)).status, 404);
  });
});
