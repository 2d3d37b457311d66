// The engine's behaviour, in-process over a scripted SSH pool: conditions, loops, registers,
// retries, failures, batches, and what leaves a play.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runYaml } from './harness.js';

const play = (tasks: string, extra = ''): string => `- name: p\n  hosts: all\n  gather_facts: false\n${extra}  tasks:\n${tasks}`;

describe('engine', () => {
  it('when, register, loop with item, set_fact, and a later task reading them', async () => {
    const r = await runYaml(
      play(`    - name: read
      command: echo {{ inventory_hostname }}
      register: out
    - name: remember
      set_fact: { seen: "{{ out.stdout }}-x" }
    - name: only h02
      debug: { msg: "{{ seen }}" }
      when: inventory_hostname == 'h02'
    - name: each
      command: echo {{ item }}
      loop: [a, b]
`),
      { script: (_h, cmd) => ({ stdout: cmd.replace(/^echo /, '') + '\n' }) },
    );
    assert.equal(r.summary.exitCode, 0);
    assert.equal(r.ended('h02', 'only h02')?.result.msg, 'h02-x');
    assert.equal(r.ended('h01', 'only h02')?.status, 'skipped');
    assert.deepEqual(r.pool.commands.filter((c) => c.host === 'h01').map((c) => c.command), ['echo h01', 'echo a', 'echo b']);
    assert.equal((r.ended('h03', 'each')?.result.results as unknown[]).length, 2);
  });

  it('a failing host leaves the play; the others finish; exit 2; the .retry file names it', async () => {
    const r = await runYaml(play(`    - name: one\n      command: work\n    - name: two\n      command: more\n`), {
      hosts: 5,
      script: (h, cmd) => (h === 'h03' && cmd === 'work' ? { rc: 1, stderr: 'broken\n' } : {}),
    });
    assert.equal(r.summary.exitCode, 2);
    assert.equal(r.summary.outcomes.h03, 'failed');
    assert.equal(r.pool.commands.filter((c) => c.command === 'more').length, 4);
    assert.equal(await readFile(join(r.dir, 'pb.retry'), 'utf8'), 'h03\n');
    assert.equal(r.summary.stats.h03?.failed, 1);
  });

  it('ignore_errors, failed_when and changed_when', async () => {
    const r = await runYaml(
      play(`    - name: tolerated
      command: bad
      ignore_errors: true
    - name: judged
      command: check
      register: c
      failed_when: "'ERROR' in c.stdout"
      changed_when: false
`),
      { hosts: 2, script: (h, cmd) => (cmd === 'bad' ? { rc: 2 } : { stdout: h === 'h02' ? 'ERROR here\n' : 'fine\n' }) },
    );
    assert.equal(r.ended('h01', 'tolerated')?.ignored, true);
    assert.equal(r.ended('h01', 'judged')?.status, 'ok');
    assert.equal(r.ended('h02', 'judged')?.status, 'failed');
    assert.equal(r.summary.stats.h01?.ignored, 1);
    assert.equal(r.summary.exitCode, 2);
  });

  it('retries with until, then succeeds; without success fails with the attempts counted', async () => {
    let calls = 0;
    const r = await runYaml(
      play(`    - name: poll
      command: status
      register: s
      until: "'ready' in s.stdout"
      retries: 5
      delay: 0
`),
      { hosts: 1, script: () => ({ stdout: ++calls >= 3 ? 'ready\n' : 'booting\n' }) },
    );
    assert.equal(r.ended('h01', 'poll')?.status, 'changed');
    assert.equal(r.ended('h01', 'poll')?.result.attempts, 3);
    assert.equal(r.events.filter((e) => e.kind === 'task.retry').length, 2);

    const never = await runYaml(play(`    - name: poll\n      command: status\n      register: s\n      until: s.rc == 0\n      retries: 2\n      delay: 0\n`), {
      hosts: 1,
      script: () => ({ rc: 1 }),
    });
    assert.equal(never.ended('h01', 'poll')?.status, 'failed');
    assert.equal(never.ended('h01', 'poll')?.result.attempts, 3);
  });

  it('a task timeout fails the step, not the run', async () => {
    const r = await runYaml(play(`    - name: hang\n      command: hang\n      timeout: 1\n    - name: after\n      command: next\n`), {
      hosts: 2,
      script: (h, _c, opts) => (h === 'h01' ? new Promise((resolve) => opts.signal?.addEventListener('abort', () => resolve({ rc: null, timedOut: true }))) : {}),
    });
    assert.equal(r.ended('h01', 'hang')?.status, 'failed');
    assert.match(String(r.ended('h01', 'hang')?.result.msg), /time/);
    assert.equal(r.ended('h02', 'after')?.status, 'changed');
  });

  it('an unreachable host: exit 3, and it sits out the next play', async () => {
    const r = await runYaml(
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: one\n- hosts: all\n  gather_facts: false\n  tasks:\n    - command: two\n`,
      { hosts: 3, unreachable: ['h02'] },
    );
    assert.equal(r.summary.exitCode, 3);
    assert.equal(r.summary.outcomes.h02, 'unreachable');
    assert.equal(r.pool.commands.filter((c) => c.command === 'two').length, 2);
  });

  it('serial runs batches in order: a canary, then the rest', async () => {
    const r = await runYaml(play(`    - command: step\n`, '  serial: [1, "50%"]\n'), { hosts: 5 });
    const batches = r.events.filter((e) => e.kind === 'batch.start').map((e) => (e.kind === 'batch.start' ? e.hosts : []));
    assert.deepEqual(batches, [['h01'], ['h02', 'h03'], ['h04', 'h05']]);
    assert.equal(r.summary.exitCode, 0);
  });

  it('max_fail_percentage stops the play once the batch fails past it', async () => {
    const r = await runYaml(play(`    - command: step\n`, '  serial: 2\n  max_fail_percentage: 0\n'), {
      hosts: 6,
      script: (h) => (h === 'h01' ? { rc: 1 } : {}),
    });
    assert.equal(r.summary.outcomes.h01, 'failed');
    assert.equal(r.pool.commands.some((c) => ['h03', 'h04', 'h05', 'h06'].includes(c.host)), false);
    assert.equal(r.summary.exitCode, 2);
    assert.equal(r.summary.outcomes.h05, 'pending'); // not run: --retry-failed takes it
  });

  it('any_errors_fatal: no new step starts anywhere once a host fails', async () => {
    const r = await runYaml(play(`    - command: one\n    - command: two\n`, '  any_errors_fatal: true\n'), {
      hosts: 4,
      forks: 1,
      script: (h) => (h === 'h01' ? { rc: 1 } : {}),
    });
    assert.deepEqual(r.pool.commands, [{ host: 'h01', command: 'one' }]);
    assert.equal(r.summary.exitCode, 2);
  });

  it('--check skips commands and reports what copy would change, writing nothing', async () => {
    const r = await runYaml(play(`    - name: run\n      command: rm -rf /\n    - name: put\n      copy: { content: x, dest: /etc/x }\n`), { hosts: 1, check: true });
    assert.equal(r.pool.commands.length, 0);
    assert.equal(r.ended('h01', 'run')?.status, 'skipped');
    assert.equal(r.ended('h01', 'put')?.status, 'changed');
    assert.equal(r.pool.files.size, 0);
  });

  it('check_mode: false runs a task under --check; check_mode: true dry-runs it without --check', async () => {
    const r = await runYaml(play(`    - name: read\n      command: cat /etc/x\n      check_mode: false\n    - name: dry\n      copy: { content: x, dest: /etc/y }\n      check_mode: true\n`), { hosts: 1, check: true });
    assert.deepEqual(r.pool.commands.map((c) => c.command), ['cat /etc/x']);
    const dry = await runYaml(play(`    - name: dry\n      copy: { content: x, dest: /etc/y }\n      check_mode: true\n`), { hosts: 1 });
    assert.equal(dry.ended('h01', 'dry')?.status, 'changed');
    assert.equal(dry.pool.files.size, 0);
  });

  it('--start-at-task and --limit', async () => {
    const r = await runYaml(play(`    - name: a\n      command: a\n    - name: b\n      command: b\n`), { hosts: 3, startAtTask: 'b', limit: ['h02'] });
    assert.deepEqual(r.pool.commands, [{ host: 'h02', command: 'b' }]);
  });

  it('no_log hides results and output from every consumer', async () => {
    const r = await runYaml(play(`    - name: secret\n      command: echo hunter2\n      no_log: true\n`), { hosts: 1, script: () => ({ stdout: 'hunter2\n' }) });
    assert.doesNotMatch(JSON.stringify(r.events), /hunter2/);
    const journal = await readFile(join(r.dir, 'runs', (r.events[0] as { runId: string }).runId, 'journal.jsonl'), 'utf8');
    assert.doesNotMatch(journal, /hunter2/);
  });

  it('extra vars win over play and inventory vars; a template error fails the host naming file:line', async () => {
    const r = await runYaml(play(`    - name: show\n      debug: { msg: "{{ who }}" }\n    - name: broken\n      debug: { msg: "{{ nope }}" }\n`, '  vars: { who: play }\n'), {
      hosts: 1,
      extraVars: { who: 'extra' },
    });
    assert.equal(r.ended('h01', 'show')?.result.msg, 'extra');
    assert.match(String(r.ended('h01', 'broken')?.result.msg), /pb\.yml:\d+:\d+: .*nope.*undefined/);
  });
});
