// `fleetboot iso embed|show|remove` (and `iso ignition ...`) end to end, as a user runs them.

import { strict as assert } from 'node:assert';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { embedIgnitionFile } from '../../src/coreos/iso-ignition.js';
import { runCli } from '../helpers/cli.js';
import { buildTestIso, runCliBytes, type TestIso } from '../helpers/coreos-iso.js';

const CONFIG = '{"ignition":{"version":"3.4.0"}}\n';

describe('fleetboot iso (CLI)', function () {
  this.timeout(60_000);
  let iso: TestIso;
  let original: Buffer;
  let config: string;
  let n = 0;
  async function copyIso(): Promise<string> {
    const path = join(iso.dir, `cli-${n++}.iso`);
    await copyFile(iso.path, path);
    return path;
  }

  before(async () => {
    iso = await buildTestIso();
    original = await readFile(iso.path);
    config = join(iso.dir, 'config.ign');
    await writeFile(config, CONFIG);
  });
  after(() => rm(iso.dir, { recursive: true, force: true }));

  it('embeds in place, shows the exact bytes, refuses a second embed without -f, and removes', async () => {
    const path = await copyIso();
    const embed = await runCli(['iso', 'embed', '-i', config, path]);
    assert.equal(embed.code, 0, embed.stderr);
    assert.equal(embed.stdout, '');
    const show = await runCli(['iso', 'show', path]);
    assert.equal(show.code, 0, show.stderr);
    assert.equal(show.stdout, CONFIG);
    const again = await runCli(['iso', 'embed', '--ignition-file', config, path]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'ERROR! This ISO image already has an embedded Ignition config; use -f to force.\n');
    const remove = await runCli(['iso', 'ignition', 'remove', path]);
    assert.equal(remove.code, 0, remove.stderr);
    assert.ok((await readFile(path)).equals(original));
    const none = await runCli(['iso', 'ignition', 'show', path]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'ERROR! No embedded Ignition config.\n');
  });

  it("takes coreos-installer's spelling, the config from stdin, -f, and -o - to stdout", async () => {
    const path = await copyIso();
    const out = join(iso.dir, `stdin-${n++}.iso`);
    const fromStdin = await runCliBytes(['iso', 'ignition', 'embed', '-o', out, path], Buffer.from('{"from":"stdin"}'));
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.ok((await readFile(path)).equals(original), '-o leaves the input alone');
    const streamed = await runCliBytes(['iso', 'ignition', 'embed', '-f', '-i', config, '-o', '-', out]);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.equal(streamed.stdoutBytes.length, original.length);
    // The same bytes as an in-place embed of the pristine image.
    const inPlace = await copyIso();
    await embedIgnitionFile(inPlace, Buffer.from(CONFIG));
    assert.ok(streamed.stdoutBytes.equals(await readFile(inPlace)));
  });

  it('fails on one line with the CLI exit codes: missing ISO (5), unreadable config (1)', async () => {
    const [usage, noConfig] = await Promise.all([
      runCli(['iso', 'embed', '-i', config]),
      runCli(['iso', 'embed', '-i', join(iso.dir, 'nope.ign'), iso.path]),
    ]);
    assert.equal(usage.code, 5);
    assert.equal(noConfig.code, 1);
    assert.match(noConfig.stderr, /^ERROR! reading .*nope\.ign: ENOENT[^\n]*\n$/);
  });
});
