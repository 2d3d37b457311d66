// The embed area codec without any ISO: newc cpio as coreos-installer writes it, xz with a CRC32 check, and the
// reader's rules (concatenated archives, zeros between, trailing garbage, last copy wins, all zeros = empty).

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { readNewc, writeNewc } from '../../src/coreos/cpio.js';
import { decodeInitrd, encodeEmbedArea, initrdCpio } from '../../src/coreos/initrd.js';
import { xzCompress, xzDecompressOne } from '../../src/coreos/xz.js';

const run = promisify(execFile);

/** Runs a tool with `input` on stdin and returns its stdout. */
function pipe(cmd: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'buffer', maxBuffer: 16 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin?.end(input);
  });
}

function members(obj: Record<string, string>): Map<string, Buffer> {
  return new Map(Object.entries(obj).map(([k, v]) => [k, Buffer.from(v)]));
}

function asText(m: Map<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));
}

describe('coreos iso codec: cpio', function () {
  // xorriso, xz and cpio run as child processes; a loaded machine can be slow.
  this.timeout(30_000);
  it('writes a single config.ign as a 124-byte header, the data padded to 4, and a 124-byte trailer', () => {
    const config = Buffer.from('{"ignition":{"version":"3.4.0"}}\n'); // 33 bytes: 3 bytes of padding
    const out = initrdCpio(members({ 'config.ign': config.toString() }));
    assert.equal(out.length, 124 + 33 + 3 + 124);
    const hdr = out.toString('latin1', 0, 110);
    // magic, ino 0, mode 0100600, uid, gid, nlink 1, mtime, size 0x21, dev*, namesize 11 (with NUL), check
    assert.equal(
      hdr,
      '070701' + '00000000' + '00008180' + '00000000' + '00000000' + '00000001' + '00000000' + '00000021' +
        '00000000'.repeat(4) + '0000000b' + '00000000',
    );
    assert.equal(out.toString('latin1', 110, 124), 'config.ign\0\0\0\0');
    assert.ok(out.subarray(124, 157).equals(config));
    const trailer = out.toString('latin1', 160, 160 + 110);
    assert.equal(trailer, '070701' + '00000000'.repeat(4) + '00000001' + '00000000'.repeat(6) + '0000000b' + '00000000');
    assert.equal(out.toString('latin1', 270), 'TRAILER!!!\0\0\0\0');
  });

  it('sorts members bytewise, emits missing parent directories 040755 before their files, ino = index', () => {
    const out = initrdCpio(members({ 'etc/coreos-firstboot-network/b.nmconnection': 'b', 'config.ign': '{}', 'etc/coreos-firstboot-network/a.nmconnection': 'a', 'etc/z': 'z' }));
    const { entries, end } = readNewc(out, 0);
    assert.equal(end, out.length, 'no padding after the trailer (GNU cpio would pad to 512)');
    assert.deepEqual(
      entries.map((e) => [e.name, e.mode.toString(8)]),
      [
        ['config.ign', '100600'],
        ['etc', '40755'],
        ['etc/coreos-firstboot-network', '40755'],
        ['etc/coreos-firstboot-network/a.nmconnection', '100600'],
        ['etc/coreos-firstboot-network/b.nmconnection', '100600'],
        ['etc/z', '100600'],
      ],
    );
    const inos = [];
    for (let pos = 0, i = 0; i < entries.length; i++) {
      inos.push(parseInt(out.toString('latin1', pos + 6, pos + 14), 16));
      const nameSize = parseInt(out.toString('latin1', pos + 94, pos + 102), 16);
      const size = parseInt(out.toString('latin1', pos + 54, pos + 62), 16);
      pos += Math.ceil((110 + nameSize) / 4) * 4 + Math.ceil(size / 4) * 4;
    }
    assert.deepEqual(inos, [0, 1, 2, 3, 4, 5]);
  });

  it("is read by GNU cpio with the same names, modes and contents", async () => {
    const out = initrdCpio(members({ 'config.ign': '{"x":1}', 'etc/a/b': 'hello' }));
    const listing = (await pipe('cpio', ['-itv', '--quiet'], out)).toString();
    assert.match(listing, /^-rw------- .* config\.ign$/m);
    assert.match(listing, /^drwxr-xr-x .* etc\/a$/m);
    assert.match(listing, /^-rw------- .* 5 .* etc\/a\/b$/m);
    assert.equal((await pipe('cpio', ['-i', '--quiet', '--to-stdout', 'config.ign'], out)).toString(), '{"x":1}');
  });

  it('writes an empty archive as just the trailer', () => {
    assert.equal(writeNewc([]).length, 124);
  });
});

describe('coreos iso codec: xz', function () {
  // xorriso, xz and cpio run as child processes; a loaded machine can be slow.
  this.timeout(30_000);
  it('makes one stream with a CRC32 check that xz(1) decompresses, and reports the stream length', async () => {
    const input = Buffer.from('config '.repeat(500));
    const xz = await xzCompress(input);
    assert.equal(xz.subarray(0, 8).toString('hex'), 'fd377a585a000001', 'stream flags 00 01 = CRC32');
    assert.ok((await pipe('xz', ['-dc'], xz)).equals(input));
    const decoded = xzDecompressOne(Buffer.concat([xz, Buffer.alloc(100), Buffer.from('next archive')]));
    assert.equal(decoded.consumed, xz.length);
    assert.ok(decoded.data.equals(input));
  });

  it('decodes what xz(1) writes and rejects a truncated or damaged stream', async () => {
    const input = Buffer.from('hello from xz(1)\n');
    const xz = await pipe('xz', ['-9', '--check=crc32', '-T1', '-c'], input);
    assert.ok(xzDecompressOne(xz).data.equals(input));
    assert.throws(() => xzDecompressOne(xz.subarray(0, xz.length - 4)));
    const bad = Buffer.from(xz);
    bad[bad.length - 20] ^= 0xff;
    assert.throws(() => xzDecompressOne(bad));
  });
});

describe('coreos iso codec: embed area', function () {
  // xorriso, xz and cpio run as child processes; a loaded machine can be slow.
  this.timeout(30_000);
  it('an all-zero area is an empty initrd; an empty initrd is an all-zero area', async () => {
    assert.equal(decodeInitrd(Buffer.alloc(4096)).size, 0);
    assert.ok((await encodeEmbedArea(new Map(), 4096)).equals(Buffer.alloc(4096)));
  });

  it('writes the xz bytes then zeros to the end of the area, and reads them back', async () => {
    const m = members({ 'config.ign': '{"ignition":{"version":"3.4.0"}}', 'etc/coreos-firstboot-network/eth0.nmconnection': '[connection]\n' });
    const area = await encodeEmbedArea(m, 8192);
    assert.equal(area.length, 8192);
    const { consumed } = xzDecompressOne(area);
    assert.ok(area.subarray(consumed).equals(Buffer.alloc(8192 - consumed)));
    assert.deepEqual(asText(decodeInitrd(area)), asText(m));
  });

  it('refuses an initrd larger than the area with coreos-installer\'s message', async () => {
    const big = new Map([['config.ign', randomBytes(6000)]]);
    await assert.rejects(encodeEmbedArea(big, 4096), /^IsoError: Compressed initramfs is too large: \d+ > 4096$/);
  });

  it('reads concatenated archives (plain cpio, gzip, xz) with zeros between; the last copy of a path wins', async () => {
    const plain = writeNewc([{ name: 'a', mode: 0o100644, data: Buffer.from('plain') }, { name: 'dir', mode: 0o40755, data: Buffer.alloc(0) }]);
    const gz = zlib.gzipSync(writeNewc([{ name: 'b', mode: 0o100644, data: Buffer.from('gzip') }, { name: 'a', mode: 0o100644, data: Buffer.from('from gzip') }]));
    const xz = await xzCompress(writeNewc([{ name: 'config.ign', mode: 0o100600, data: Buffer.from('{}') }]));
    const area = Buffer.concat([plain, Buffer.alloc(7), gz, Buffer.alloc(3), xz, Buffer.alloc(1000)]);
    assert.deepEqual(asText(decodeInitrd(area)), { a: 'from gzip', b: 'gzip', 'config.ign': '{}' });
  });

  it('keeps regular files only, under their exact names (./config.ign is not config.ign)', () => {
    const area = writeNewc([
      { name: './config.ign', mode: 0o100644, data: Buffer.from('x') },
      { name: 'link', mode: 0o120777, data: Buffer.from('config.ign') },
    ]);
    assert.deepEqual([...decodeInitrd(area).keys()], ['./config.ign']);
  });

  it('rejects data after the trailer inside a compressed archive, and garbage between archives', async () => {
    const cpio = writeNewc([{ name: 'config.ign', mode: 0o100600, data: Buffer.from('{}') }]);
    const withGarbage = await xzCompress(Buffer.concat([cpio, Buffer.alloc(16), Buffer.from('junk')]));
    assert.throws(() => decodeInitrd(Buffer.concat([withGarbage, Buffer.alloc(64)])), /found trailing garbage inside compressed archive/);
    const zerosAfter = await xzCompress(Buffer.concat([cpio, Buffer.alloc(512)]));
    assert.equal(decodeInitrd(Buffer.concat([zerosAfter, Buffer.alloc(64)])).size, 1, 'zero padding inside is fine');
    assert.throws(() => decodeInitrd(Buffer.concat([cpio, Buffer.from('garbage!')])), /reading CPIO entry/);
  });

  it('reads an area written with GNU cpio and xz(1) (--check=crc32), padded with zeros', async () => {
    const dir = await run('mktemp', ['-d']).then((r) => r.stdout.trim());
    await run('sh', ['-c', `cd ${dir} && printf '{"from":"gnu"}' > config.ign && echo config.ign | cpio -o -H newc --quiet | xz -9 --check=crc32 -T1 -c > area.xz`]);
    const xz = (await run('cat', [`${dir}/area.xz`], { encoding: 'buffer' })).stdout;
    const area = Buffer.concat([xz, Buffer.alloc(4096 - xz.length)]);
    assert.equal(decodeInitrd(area).get('config.ign')?.toString(), '{"from":"gnu"}');
    await run('rm', ['-rf', dir]);
  });

  it('names zstd plainly when this Node.js cannot decompress it', function () {
    const zstdFrame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x00, 0x00]);
    if ('zstdDecompressSync' in zlib) this.skip();
    assert.throws(() => decodeInitrd(zstdFrame), /zstd-compressed archive, which this Node\.js .* cannot decompress/);
  });
});

describe('coreos iso codec: overlaid byte source', () => {
  it('every range of the overlaid view equals the same range of the spliced buffer', async () => {
    const { bufferSource, overlaidSource } = await import('../../src/coreos/byte-source.js');
    const base = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const overlay = { offset: 40, bytes: Buffer.alloc(20, 0xee) };
    const spliced = Buffer.from(base);
    overlay.bytes.copy(spliced, overlay.offset);
    const view = overlaidSource(bufferSource(base), overlay);
    for (let start = 0; start <= 100; start += 3) {
      for (let end = start; end <= 100; end += 7) {
        assert.ok((await view.read(start, end - start)).equals(spliced.subarray(start, end)), `${start}-${end}`);
      }
    }
    await assert.rejects(view.read(95, 10), RangeError);
  });
});
