// The promises, end to end over SSH to lab hosts: a failing task on some hosts leaves the
// others going, exit code 2, a recap that names them, and --retry-failed runs exactly those.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp } from '../../src/lab/control.js';
import { runCli } from '../helpers/cli.js';

const BAD = ['node-007', 'node-023', 'node-041'];

describe('run: failures, recap, --retry-failed (50 lab hosts)', function () {
  this.timeout(120_000);
  let work: string;
  let lab: string;
  let inventory: string;
  let playbook: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-retry-'));
    lab = join(work, 'lab');
    const faults = join(work, 'faults.yml');
    await writeFile(faults, BAD.map((h) => `${h}: { fail: { match: "^cat /etc/hostname", rc: 1, stderr: "disk on fire" } }`).join('\n') + '\n');
    await labUp({ hosts: 50, dir: lab, port: 0, faults });
    inventory = join(lab, 'inventory.yml');
    playbook = join(work, 'site.yml');
    await writeFile(
      playbook,
      `- name: two steps
  hosts: all
  gather_facts: false
  tasks:
    - name: first
      command: echo one
    - name: second
      command: cat /etc/hostname
    - name: third
      command: echo three
`,
    );
  });
  after(async () => {
    await labDown(lab);
    await rm(work, { recursive: true, force: true });
  });

  it('finishes the other 47, exits 2, names the 3 in the recap and the .retry file', async () => {
    const r = await runCli(['run', playbook, '-i', inventory], { cwd: work });
    assert.equal(r.code, 2, r.stderr + r.stdout);
    for (const h of BAD) assert.match(r.stdout, new RegExp(`failed: \\[${h}\\] second: .*disk on fire`));
    const okThird = r.stdout.split('\n').filter((l) => /^changed: \[node-\d+\] third$/.test(l));
    assert.equal(okThird.length, 47);
    for (const h of BAD) assert.match(r.stdout, new RegExp(`${h}\\s+: ok=1 .*failed=1`));
    assert.deepEqual((await readFile(join(work, 'site.retry'), 'utf8')).trim().split('\n').sort(), BAD);
  });

  it('--retry-failed runs exactly the 3 failed hosts', async () => {
    const r = await runCli(['run', playbook, '-i', inventory, '--retry-failed', '--json'], { cwd: work });
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; hosts?: string[]; host?: string });
    const start = events.find((e) => e.kind === 'run.start');
    assert.deepEqual(start?.hosts, BAD);
    const touched = new Set(events.filter((e) => e.kind === 'task.start').map((e) => e.host));
    assert.deepEqual([...touched].sort(), BAD);
    assert.equal(r.code, 2); // the lab's fault is still there
  });

  it('--limit @site.retry runs the same hosts', async () => {
    const r = await runCli(['run', playbook, '-i', inventory, '--limit', '@' + join(work, 'site.retry'), '--list-hosts'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hosts \(3\):/);
    for (const h of BAD) assert.match(r.stdout, new RegExp(`^\\s+${h}$`, 'm'));
  });

  it('keeps a journal and per-host logs for each run', async () => {
    const runs = join(work, '.fleetboot', 'runs');
    const ids = (await readdir(runs)).sort();
    assert.ok(ids.length >= 2);
    const first = join(runs, ids[0]!);
    const journal = (await readFile(join(first, 'journal.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(JSON.parse(journal[0]!).type, 'run');
    assert.equal(journal.filter((l) => JSON.parse(l).type === 'task').length, 47 * 3 + 3 * 2);
    const log = await readFile(join(first, 'hosts', 'node-007.log'), 'utf8');
    assert.match(log, /TASK \[second\] failed rc=1/);
    assert.match(log, /disk on fire/);
  });
});
