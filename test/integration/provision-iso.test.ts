// Issue 4's promise end to end: playbooks/provision-iso.yml takes 20 lab hosts of two
// architectures from a mounted live ISO to an installed disk (Redfish virtual media, one-time
// boot, the live system reached over SSH with the host key pinned from the ISO, coreos-installer
// with the Ignition hash, eject, reboot). Two hosts receive other Ignition bytes than were served:
// they fail with coreos-installer's own message, and the other 18 are not held up.

import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { labDown, labHosts, labUp } from '../../src/lab/control.js';
import { runCli } from '../helpers/cli.js';

const BAD = ['node-006', 'node-013'];
const ROOT = resolve(import.meta.dirname, '..', '..');

describe('provision-iso.yml on 20 lab hosts of two architectures (2 with a wrong Ignition hash)', function () {
  this.timeout(180_000);
  let work: string;
  let lab: string;
  let result: { code: number | null; stdout: string; stderr: string };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-provision-'));
    lab = join(work, 'lab');
    const faults = join(work, 'faults.yml');
    await writeFile(faults, BAD.map((h) => `${h}: { ignition_hash_mismatch: true }`).join('\n') + '\n');
    await labUp({ hosts: 20, dir: lab, port: 0, bmcPort: 0, faults, arch: 'aarch64=15,x86_64=5' });
    await copyFile(join(ROOT, 'playbooks', 'provision-iso.yml'), join(work, 'provision-iso.yml'));
    result = await runCli(['run', join(work, 'provision-iso.yml'), '-i', join(lab, 'inventory.yml'), '-i', join(ROOT, 'inventory', 'lab')], { cwd: work });
  });
  after(async () => {
    await labDown(lab);
    await rm(work, { recursive: true, force: true });
  });

  it('installs 18 hosts of both architectures; the 2 fail with coreos-installer\'s message; exit 2; .retry names them', async () => {
    assert.equal(result.code, 2, result.stderr + result.stdout.slice(-3000));
    for (const h of BAD) assert.match(result.stdout, new RegExp(`failed: \\[${h}\\] Install CoreOS to disk.*hash mismatch, computed '[0-9a-f]+' but expected '[0-9a-f]+'`));
    const rebooted = result.stdout.split('\n').filter((l) => /^changed: \[node-\d+\] Reboot into the installed system$/.test(l));
    assert.equal(rebooted.length, 18);
    assert.deepEqual((await readFile(join(work, 'provision-iso.retry'), 'utf8')).trim().split('\n').sort(), BAD);
    // What each disk holds (the current boot state may be mid-reboot: installed hosts go on to join the lab's cluster).
    const hosts = (await labHosts(lab)) as { name: string; arch: string; installs: unknown[] }[];
    const installed = hosts.filter((h) => h.installs.length > 0);
    assert.equal(installed.length, 18);
    assert.deepEqual(new Set(installed.map((h) => h.arch)), new Set(['aarch64', 'x86_64']));
    for (const h of BAD) assert.equal(hosts.find((x) => x.name === h)?.installs.length, 0);
  });

  it('no BMC password, URL token or Ignition content in the output, logs or journal', async () => {
    const passwords = await Promise.all((await readdir(join(lab, 'bmc-passwords'))).map((f) => readFile(join(lab, 'bmc-passwords', f), 'utf8')));
    const ignition = (await readFile(join(lab, 'worker.ign'), 'utf8')).trim();
    const runs = join(work, '.fleetboot', 'runs');
    const [id] = await readdir(runs);
    const dir = join(runs, id!);
    const texts = [result.stdout, result.stderr, await readFile(join(dir, 'journal.jsonl'), 'utf8')];
    for (const f of await readdir(join(dir, 'hosts'))) texts.push(await readFile(join(dir, 'hosts', f), 'utf8'));
    const all = texts.join('\n');
    for (const p of passwords) assert.ok(!all.includes(p.trim()), 'a BMC password leaked');
    assert.ok(!all.includes(ignition), 'the Ignition content leaked');
    assert.doesNotMatch(all, /\/a\/[A-Za-z0-9_-]{16,}\//, 'an artifact URL token leaked');
  });
});
