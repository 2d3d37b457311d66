// `fleetboot serve` as an operator runs it: files at unguessable URLs (printed once), an ISO with
// an Ignition config in its embed area as it streams, the Ignition's digest for
// --ignition-hash, one log line per request (no token in it), a clean stop on SIGTERM.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { showIgnition } from '../../src/coreos/iso-ignition.js';
import { buildTestIso, type TestIso } from '../helpers/coreos-iso.js';
import { collect, runCli, spawnCli } from '../helpers/cli.js';
import { get } from '../serve/client.js';

describe('fleetboot serve', function () {
  this.timeout(60_000);
  let test: TestIso;
  let ign: string;
  const config = Buffer.from('{"ignition":{"version":"3.2.0"},"passwd":{"users":[{"name":"core"}]}}\n');

  before(async () => {
    test = await buildTestIso();
    ign = join(test.dir, 'worker.ign');
    writeFileSync(ign, config);
  });
  after(async () => {
    if (test) await rm(test.dir, { recursive: true, force: true });
  });

  it('serves the files, the ISO with the config embedded, logs requests without tokens, stops on SIGTERM', async () => {
    const child = spawnCli(['serve', '--serve', 'http://127.0.0.1:0', '--embed-ignition', ign, `live.iso=${test.path}`, ign]);
    const done = collect(child);
    let out = '';
    await new Promise<void>((ok, fail) => {
      child.stdout!.on('data', (d: Buffer | string) => {
        out += d.toString();
        if (/worker\.ign .*\n/.test(out)) ok();
      });
      child.on('close', () => fail(new Error(`serve ended early: ${out}`)));
    });
    const isoUrl = /^ {2}live\.iso {2}(http:\/\/\S+)/m.exec(out)?.[1];
    const ignLine = /^ {2}worker\.ign {2}(http:\/\/\S+) {2}(sha512-[0-9a-f]{128})$/m.exec(out);
    assert.ok(isoUrl && ignLine, out);
    assert.equal(ignLine[2], `sha512-${createHash('sha512').update(config).digest('hex')}`);
    assert.ok((await get(ignLine[1]!)).body.equals(config));
    const iso = (await get(isoUrl)).body;
    assert.equal(iso.length, readFileSync(test.path).length);
    assert.ok((await showIgnition(bufferSource(iso))).equals(config));
    const range = await get(isoUrl, { headers: { Range: 'bytes=32768-34815' } });
    assert.equal(range.status, 206);
    assert.ok(range.body.equals(iso.subarray(32768, 34816)));
    child.kill('SIGTERM');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const token = new URL(isoUrl).pathname.split('/')[2]!;
    const requests = r.stdout.split('\n').filter((l) => /\] (GET|HEAD) /.test(l));
    assert.equal(requests.length, 3, r.stdout);
    assert.ok(requests.every((l) => !l.includes(token)), 'a token in a request log line');
    assert.match(r.stdout, /GET \/a\/…\/live\.iso 206 bytes=32768-34815/);
    assert.match(r.stdout, /stopped\n$/);
  });

  it('refuses a missing file or two files of one name, in one line, before listening', async () => {
    const missing = await runCli(['serve', '--serve', 'http://127.0.0.1:0', join(test.dir, 'nope.iso')]);
    assert.equal(missing.code, 5);
    assert.match(missing.stderr, /serve: .*nope\.iso: not a readable file/);
    const twice = await runCli(['serve', '--serve', 'http://127.0.0.1:0', ign, ign]);
    assert.equal(twice.code, 5);
    assert.match(twice.stderr, /two files named worker\.ign/);
    const bad = join(test.dir, 'bad.ign');
    writeFileSync(bad, '{"ignition": {"version": "3.2.0"}, "storage": {"files": [{"path": "etc/x"}]}}');
    const invalid = await runCli(['serve', '--serve', 'http://127.0.0.1:0', '--embed-ignition', bad, test.path]);
    assert.equal(invalid.code, 5);
    assert.match(invalid.stderr, /--embed-ignition .*bad\.ign: not a valid Ignition config: .*path/);
    assert.equal(invalid.stderr.trim().split('\n').length, 1);
  });
});
