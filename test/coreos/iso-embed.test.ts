// Embed, show and remove on an ISO that Debian's xorriso built with the structure of a CoreOS live ISO, checked
// by our reader and independently by xorriso, xz(1) and cpio(1).

import { strict as assert } from 'node:assert';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bufferSource, openFileSource } from '../../src/coreos/byte-source.js';
import { encodeEmbedArea } from '../../src/coreos/initrd.js';
import {
  embedIgnitionFile,
  ignitionOverlay,
  readIsoIgnition,
  readWithOverlay,
  removeIgnitionFile,
  showIgnition,
  showIgnitionFile,
} from '../../src/coreos/iso-ignition.js';
import { buildTestIso, tool, xorrisoExtract, type TestIso } from '../helpers/coreos-iso.js';

const CONFIG = Buffer.from('{"ignition":{"version":"3.4.0"},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtest test@fleetboot"]}]}}\n');
const AREA = 256 * 1024;

function spliced(original: Buffer, overlay: { offset: number; bytes: Buffer }): Buffer {
  const out = Buffer.from(original);
  overlay.bytes.copy(out, overlay.offset);
  return out;
}

describe('coreos iso: embed, show, remove on a CoreOS-like ISO (xorriso)', function () {
  // xorriso, xz and cpio run as child processes; a loaded machine can be slow.
  this.timeout(30_000);
  let iso: TestIso;
  let original: Buffer;
  let n = 0;
  /** A fresh copy of the pristine test ISO. */
  async function copyIso(): Promise<string> {
    const path = join(iso.dir, `copy-${n++}.iso`);
    await copyFile(iso.path, path);
    return path;
  }

  before(async () => {
    iso = await buildTestIso();
    original = await readFile(iso.path);
  });
  after(() => rm(iso.dir, { recursive: true, force: true }));

  it('finds the area at images/ignition.img through coreos/igninfo.json, as xorriso places that file', async () => {
    const state = await readIsoIgnition(bufferSource(original));
    const lba = (await tool('xorriso', ['-indev', iso.path, '-find', '/images/ignition.img', '-exec', 'report_lba'])).toString();
    const m = /File data lba:\s+\d+ ,\s*(\d+) ,\s*(\d+) ,\s*(\d+)/.exec(lba);
    assert.ok(m, lba);
    assert.equal(state.area.offset, Number(m[1]) * 2048);
    assert.equal(state.area.length, AREA);
    assert.equal(state.area.file, 'IMAGES/IGNITION.IMG');
    assert.equal(state.initrd.size, 0);
  });

  it('embed then show gives the exact config back; bytes outside the area never change', async () => {
    const path = await copyIso();
    await embedIgnitionFile(path, CONFIG);
    assert.ok((await showIgnitionFile(path)).equals(CONFIG));
    const after = await readFile(path);
    assert.equal(after.length, original.length);
    const { offset } = (await readIsoIgnition(bufferSource(original))).area;
    assert.ok(after.subarray(0, offset).equals(original.subarray(0, offset)));
    assert.ok(after.subarray(offset + AREA).equals(original.subarray(offset + AREA)));
    assert.ok(!after.subarray(offset, offset + AREA).equals(original.subarray(offset, offset + AREA)));
  });

  it('embed then remove gives back the original bytes', async () => {
    const path = await copyIso();
    await embedIgnitionFile(path, CONFIG);
    await removeIgnitionFile(path);
    assert.ok((await readFile(path)).equals(original));
    await assert.rejects(showIgnitionFile(path), /^IsoError: No embedded Ignition config\.$/);
  });

  it('the overlay spliced into the original equals the offline-embedded file, byte for byte (and streamed)', async () => {
    const path = await copyIso();
    await embedIgnitionFile(path, CONFIG);
    const embedded = await readFile(path);
    const overlay = await ignitionOverlay(bufferSource(original), CONFIG);
    assert.equal(overlay.bytes.length, AREA);
    assert.ok(spliced(original, overlay).equals(embedded));
    const source = await openFileSource(iso.path);
    try {
      const chunks: Buffer[] = [];
      for await (const c of readWithOverlay(source, overlay, 100_000)) chunks.push(Buffer.from(c));
      assert.ok(Buffer.concat(chunks).equals(embedded));
    } finally {
      await source.close();
    }
  });

  it('xorriso extracts images/ignition.img; xz -dc | cpio gives config.ign back; xz -lvv reports CRC32', async () => {
    const path = await copyIso();
    await embedIgnitionFile(path, CONFIG);
    const out = join(iso.dir, `ignition-${n++}.img`);
    await xorrisoExtract(path, '/images/ignition.img', out);
    const info = (await tool('xz', ['-lvv', out])).toString();
    assert.match(info, /Check:\s+CRC32/);
    assert.match(info, /Streams:\s+1/);
    const cpio = await tool('xz', ['-dc', out]);
    const dir = join(iso.dir, `unpacked-${n++}`);
    await tool('mkdir', [dir]);
    await writeFile(join(dir, 'area.cpio'), cpio);
    await tool('sh', ['-c', 'cpio -i --quiet < area.cpio'], { cwd: dir });
    assert.ok((await readFile(join(dir, 'config.ign'))).equals(CONFIG));
    assert.match((await tool('cpio', ['-tv', '--quiet', '-F', join(dir, 'area.cpio')])).toString(), /^-rw------- .* config\.ign$/m);
  });

  it('refuses to embed over an existing config without force; with force replaces it', async () => {
    const path = await copyIso();
    await embedIgnitionFile(path, CONFIG);
    const before = await readFile(path);
    await assert.rejects(
      embedIgnitionFile(path, Buffer.from('{}')),
      /^IsoError: This ISO image already has an embedded Ignition config; use -f to force\.$/,
    );
    assert.ok((await readFile(path)).equals(before), 'nothing written on refusal');
    await embedIgnitionFile(path, Buffer.from('{"second":true}'), { force: true });
    assert.equal((await showIgnitionFile(path)).toString(), '{"second":true}');
  });

  it('keeps the area\'s other members (network keyfiles) through embed, overlay and remove', async () => {
    const keyfile = Buffer.from('[connection]\nid=eth0\n');
    const state = await readIsoIgnition(bufferSource(original));
    const area = await encodeEmbedArea(new Map([['etc/coreos-firstboot-network/eth0.nmconnection', keyfile]]), AREA);
    const withNetwork = spliced(original, { offset: state.area.offset, bytes: area });
    const overlay = await ignitionOverlay(bufferSource(withNetwork), CONFIG);
    const embedded = spliced(withNetwork, overlay);
    const read = await readIsoIgnition(bufferSource(embedded));
    assert.deepEqual([...read.initrd.keys()].sort(), ['config.ign', 'etc/coreos-firstboot-network/eth0.nmconnection']);
    const path = join(iso.dir, `net-${n++}.iso`);
    await writeFile(path, embedded);
    await removeIgnitionFile(path);
    assert.ok((await readFile(path)).equals(withNetwork), 'remove leaves only the network keyfile, written the same way');
  });

  it('writes to a new file (-o), leaving the input alone, and never over an existing file', async () => {
    const input = await copyIso();
    const output = join(iso.dir, `out-${n++}.iso`);
    await embedIgnitionFile(input, CONFIG, { output: { kind: 'file', path: output } });
    assert.ok((await readFile(input)).equals(original));
    assert.ok((await showIgnitionFile(output)).equals(CONFIG));
    await assert.rejects(removeIgnitionFile(input, { output: { kind: 'file', path: output } }), /persisting output file to .*: the file exists/);
    assert.ok((await showIgnitionFile(output)).equals(CONFIG));
  });

  it("fails with coreos-installer's message when the config does not fit the area", async () => {
    const path = await copyIso();
    const { randomBytes } = await import('node:crypto');
    await assert.rejects(embedIgnitionFile(path, randomBytes(300 * 1024)), /^IsoError: Compressed initramfs is too large: \d+ > 262144$/);
    assert.ok((await readFile(path)).equals(original));
  });

  it('a garbage area makes every command fail as coreos-installer does, even with force, and is left as it was', async () => {
    const state = await readIsoIgnition(bufferSource(original));
    const bad = Buffer.from(original);
    bad.write('garbage!', state.area.offset, 'latin1');
    const source = bufferSource(bad);
    await assert.rejects(showIgnition(source), /^IsoError: Unrecognized CoreOS ISO image\.: decoding initrd embed area: reading CPIO entry/);
    await assert.rejects(ignitionOverlay(source, CONFIG), /Unrecognized CoreOS ISO image\./);
    const path = join(iso.dir, `bad-${n++}.iso`);
    await writeFile(path, bad);
    await assert.rejects(embedIgnitionFile(path, CONFIG, { force: true }), /Unrecognized CoreOS ISO image\./);
    await assert.rejects(removeIgnitionFile(path), /Unrecognized CoreOS ISO image\./);
    assert.ok((await readFile(path)).equals(bad));
  });
});
