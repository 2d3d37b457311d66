// Locating the Ignition embed area as coreos-installer ≥ 0.17 does, on ISOs built by xorriso, and the lab's own
// ISO writer checked against xorriso and our reader.

import { strict as assert } from 'node:assert';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { ignitionOverlay, readIsoIgnition, showIgnition } from '../../src/coreos/iso-ignition.js';
import { IsoNotFoundError, listDirectory, lookupPath, readIsoVolume } from '../../src/coreos/iso9660.js';
import { buildLiveIsoImage, LIVE_ISO_AREA_SIZE, liveIsoFiles, liveIsoVolumeId } from '../../src/lab/live-iso-image.js';
import { buildTestIso, scratchDir, tool, xorrisoExtract, type TestIsoOptions } from '../helpers/coreos-iso.js';

const dirs: string[] = [];
async function isoBytes(opts: TestIsoOptions): Promise<{ bytes: Buffer; path: string }> {
  const iso = await buildTestIso(opts);
  dirs.push(iso.dir);
  return { bytes: await readFile(iso.path), path: iso.path };
}

/** The byte offset xorriso reports for a file's data. */
async function lbaOffset(path: string, file: string): Promise<number> {
  const out = (await tool('xorriso', ['-indev', path, '-find', file, '-exec', 'report_lba'])).toString();
  const m = /File data lba:\s+\d+ ,\s*(\d+) ,/.exec(out);
  assert.ok(m, out);
  return Number(m[1]) * 2048;
}

describe('coreos iso: locating the embed area', function () {
  // xorriso, xz and cpio run as child processes; a loaded machine can be slow.
  this.timeout(30_000);
  after(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('reads level-1 names from the primary tree, exactly and case-sensitively', async () => {
    const { bytes } = await isoBytes({});
    const source = bufferSource(bytes);
    const volume = await readIsoVolume(source);
    assert.equal(volume.volumeId, 'fedora-coreos-test');
    assert.equal(volume.blocks * 2048, bytes.length);
    const root = (await listDirectory(source, volume.root)).map((r) => r.name).sort();
    assert.deepEqual(root, ['COREOS', 'EFI', 'IMAGES', 'ISOLINUX']);
    const igninfo = await lookupPath(source, volume, 'COREOS/IGNINFO.JSO');
    assert.equal(igninfo.directory, false);
    await assert.rejects(lookupPath(source, volume, 'coreos/igninfo.jso'), IsoNotFoundError);
    await assert.rejects(lookupPath(source, volume, 'COREOS/IGNINFO.JSON'), /no record for IGNINFO\.JSON in directory COREOS/);
    assert.equal((await lookupPath(source, volume, 'IMAGES/PXEBOOT/VMLINUZ')).directory, false, 'no extension: "VMLINUZ.;1" read as VMLINUZ');
  });

  it('falls back to images/ignition.img when coreos/igninfo.json is absent', async () => {
    const { bytes, path } = await isoBytes({ igninfo: null });
    const state = await readIsoIgnition(bufferSource(bytes));
    assert.equal(state.area.offset, await lbaOffset(path, '/images/ignition.img'));
    assert.equal(state.area.length, 256 * 1024);
  });

  it('honours an offset and length inside the named file (as on s390x)', async () => {
    const { bytes, path } = await isoBytes({ igninfo: { file: 'images/ignition.img', offset: 8192, length: 65536 }, areaSize: 128 * 1024 });
    const state = await readIsoIgnition(bufferSource(bytes));
    assert.equal(state.area.offset, (await lbaOffset(path, '/images/ignition.img')) + 8192);
    assert.equal(state.area.length, 65536);
    const overlay = await ignitionOverlay(bufferSource(bytes), Buffer.from('{}'));
    assert.equal(overlay.bytes.length, 65536);
  });

  it('at ISO level 3 the name is IGNINFO.JSON, which coreos-installer misses: it falls back silently', async () => {
    const { bytes, path } = await isoBytes({ isoLevel: 3, igninfo: { file: 'images/ignition.img', offset: 2048 } });
    const state = await readIsoIgnition(bufferSource(bytes));
    assert.equal(state.area.offset, await lbaOffset(path, '/images/ignition.img'), 'the offset in igninfo.json was not seen');
  });

  it('fails as coreos-installer does: missing file, area past the end, incomplete image, not an ISO', async () => {
    const missing = await isoBytes({ igninfo: { file: 'images/missing.img' } });
    await assert.rejects(
      readIsoIgnition(bufferSource(missing.bytes)),
      /^IsoNotFoundError: Unrecognized CoreOS ISO image\.: finding initrd embed area: no record for MISSING\.IMG in directory IMAGES$/,
    );
    const tooLong = await isoBytes({ igninfo: { file: 'images/ignition.img', length: 64 << 20 } });
    await assert.rejects(readIsoIgnition(bufferSource(tooLong.bytes)), /^IsoError: Unrecognized CoreOS ISO image\.: reading initrd embed area: reading 67108864 bytes at \d+/);
    const badJson = await isoBytes({ igninfo: { offset: 1 } });
    await assert.rejects(readIsoIgnition(bufferSource(badJson.bytes)), /Unrecognized CoreOS ISO image\.: decoding igninfo: missing field `file`/);
    const full = (await isoBytes({})).bytes;
    await assert.rejects(readIsoIgnition(bufferSource(full.subarray(0, full.length - 2048))), /^IsoError: parsing ISO9660 image: ISO image is incomplete$/);
    await assert.rejects(readIsoIgnition(bufferSource(Buffer.alloc(40000))), /^IsoError: parsing ISO9660 image: getting volume descriptor #1/);
    await assert.rejects(readIsoIgnition(bufferSource(Buffer.alloc(100))), /parsing ISO9660 image/);
  });
});

describe('lab live ISO writer', function () {
  // xorriso, xz and cpio run as child processes; a loaded machine can be slow.
  this.timeout(30_000);
  const opts = { arch: 'aarch64', version: '418.94.202410090804-0' };
  after(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('is deterministic, a few hundred KiB, with a 32-character volume id that keeps the arch', () => {
    const a = buildLiveIsoImage(opts);
    assert.ok(a.equals(buildLiveIsoImage(opts)));
    assert.ok(a.length > 256 * 1024 && a.length < 1024 * 1024, `${a.length}`);
    assert.ok(!a.equals(buildLiveIsoImage({ ...opts, arch: 'x86_64' })));
    const id = liveIsoVolumeId(opts);
    assert.ok(id.length <= 32 && id.startsWith('rhcos-418.94.') && id.endsWith('-aarch64'), id);
  });

  it('is read by xorriso: the CoreOS tree under level-1 names, each file with its content', async () => {
    const dir = await scratchDir();
    dirs.push(dir);
    const path = join(dir, 'lab.iso');
    await writeFile(path, buildLiveIsoImage(opts));
    const found = (await tool('xorriso', ['-indev', path, '-find', '/', '-type', 'f'])).toString().split('\n').filter((l) => l.startsWith("'")).sort();
    assert.deepEqual(found, [
      "'/COREOS/IGNINFO.JSO'",
      "'/EFI/REDHAT/GRUB.CFG'",
      "'/IMAGES/IGNITION.IMG'",
      "'/IMAGES/PXEBOOT/INITRD.IMG'",
      "'/IMAGES/PXEBOOT/ROOTFS.IMG'",
      "'/IMAGES/PXEBOOT/VMLINUZ'",
      "'/ISOLINUX/ISOLINUX.CFG'",
    ]);
    const files = liveIsoFiles(opts);
    for (const [iso, name] of [['/COREOS/IGNINFO.JSO', 'coreos/igninfo.json'], ['/IMAGES/PXEBOOT/VMLINUZ', 'images/pxeboot/vmlinuz'], ['/IMAGES/IGNITION.IMG', 'images/ignition.img']] as const) {
      const out = join(dir, name.replaceAll('/', '_'));
      await xorrisoExtract(path, iso, out);
      assert.ok((await readFile(out)).equals(files.get(name)!), name);
    }
    assert.match(files.get('images/pxeboot/vmlinuz')!.toString(), /aarch64/);
  });

  it('is read by our reader: a pristine 256 KiB area that takes an embedded config', async () => {
    const image = buildLiveIsoImage(opts);
    const state = await readIsoIgnition(bufferSource(image));
    assert.equal(state.area.length, LIVE_ISO_AREA_SIZE);
    assert.equal(state.area.file, 'IMAGES/IGNITION.IMG');
    assert.equal(state.initrd.size, 0);
    assert.equal(state.volume.volumeId, liveIsoVolumeId(opts));
    const overlay = await ignitionOverlay(bufferSource(image), Buffer.from('{"ignition":{"version":"3.4.0"}}'));
    const embedded = Buffer.from(image);
    overlay.bytes.copy(embedded, overlay.offset);
    assert.equal((await showIgnition(bufferSource(embedded))).toString(), '{"ignition":{"version":"3.4.0"}}');
  });
});
