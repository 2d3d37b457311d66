// Bad input gets one line naming file:line:col and the field, the exit code ansible-playbook
// would give, and no stack trace.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

describe('bad input on the command line', function () {
  this.timeout(60_000);
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-bad-'));
    await writeFile(join(work, 'inv.yml'), 'all:\n  children:\n    arm:\n      hosts:\n        arm-[01:03]:\n      vars:\n        ansible_user: core\n');
    await writeFile(join(work, 'bad-inv.yml'), 'all:\n  children:\n    arm:\n      hostz:\n        arm-01:\n');
    await writeFile(join(work, 'ok.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n');
    await writeFile(
      join(work, 'typo.yml'),
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: one\n      debug: msg=hi\n    - name: two\n      command: echo hi\n      whne: false\n',
    );
    await writeFile(
      join(work, 'badtemplate.yml'),
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: fine\n      command: echo hi\n    - name: nine\n      command: echo {{ inventory_hostname | uppr }}\n',
    );
    await writeFile(join(work, 'badwhen.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=x\n      when: x ==\n');
    await writeFile(join(work, 'badarg.yml'), '- hosts: all\n  tasks:\n    - name: copy it\n      copy:\n        content: x\n        dset: /tmp/x\n');
  });
  after(() => rm(work, { recursive: true, force: true }));

  function oneLine(stderr: string): string {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    return lines[0]!;
  }

  it('a misspelled inventory key: file:line:col, exit 4', async () => {
    const r = await runCli(['run', 'ok.yml', '-i', 'bad-inv.yml'], { cwd: work });
    assert.equal(r.code, 4);
    assert.match(oneLine(r.stderr), /bad-inv\.yml:4:7: .*hostz.*hosts/);
  });

  it('a misspelled task key: file:line:col, exit 4, before any host is touched', async () => {
    const r = await runCli(['run', 'typo.yml', '-i', 'inv.yml'], { cwd: work });
    assert.equal(r.code, 4);
    assert.match(oneLine(r.stderr), /typo\.yml:8:7: .*whne.*when/);
    assert.equal(r.stdout, '');
  });

  it('a misspelled module argument: file:line:col, exit 4', async () => {
    const r = await runCli(['run', 'badarg.yml', '-i', 'inv.yml'], { cwd: work });
    assert.equal(r.code, 4);
    assert.match(oneLine(r.stderr), /badarg\.yml:6:9: .*copy\.dset: .*did you mean 'dest'/);
  });

  it('a template naming an unknown filter, or a broken condition: exit 4 before any host is touched', async () => {
    const r = await runCli(['run', 'badtemplate.yml', '-i', 'inv.yml'], { cwd: work });
    assert.equal(r.code, 4);
    assert.match(oneLine(r.stderr), /badtemplate\.yml:7:\d+: .*uppr.*upper/);
    assert.equal(r.stdout, '');
    const w = await runCli(['run', 'badwhen.yml', '-i', 'inv.yml'], { cwd: work });
    assert.equal(w.code, 4);
    assert.match(oneLine(w.stderr), /badwhen\.yml:4:\d+: /);
  });

  it('bad options: exit 5', async () => {
    const r = await runCli(['run', 'ok.yml', '-i', 'inv.yml', '--forks', 'zero'], { cwd: work });
    assert.equal(r.code, 5);
    const r2 = await runCli(['run', 'ok.yml', '--no-such-flag'], { cwd: work });
    assert.equal(r2.code, 5);
    const r3 = await runCli(['run', 'ok.yml', '-i', 'inv.yml', '-e'], { cwd: work });
    assert.equal(r3.code, 5);
    assert.match(r3.stderr, /Not enough arguments following: e/);
  });

  it('a --limit that leaves no host is an error, as in ansible-playbook (exit 1)', async () => {
    const r = await runCli(['run', 'ok.yml', '-i', 'inv.yml', '--limit', 'nosuchhost'], { cwd: work });
    assert.equal(r.code, 1);
    assert.match(oneLine(r.stderr), /leaves us with no hosts to target/);
  });

  it('-i with a comma is a host list', async () => {
    const r = await runCli(['run', 'ok.yml', '-i', 'alpha,beta,', '--list-hosts'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hosts \(2\):\n\s+alpha\n\s+beta/);
  });

  it('a missing playbook: one line, exit 1', async () => {
    const r = await runCli(['run', 'nope.yml', '-i', 'inv.yml'], { cwd: work });
    assert.equal(r.code, 1);
    assert.match(oneLine(r.stderr), /nope\.yml/);
  });
});
