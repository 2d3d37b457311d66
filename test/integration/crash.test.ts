// kill -9 of fleetboot mid-run: the journal is still readable and --retry-failed finishes every
// host that had not finished, and only those.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp } from '../../src/lab/control.js';
import { readJournal, hostsToRetry } from '../../src/engine/journal.js';
import { collect, runCli, spawnCli } from '../helpers/cli.js';

describe('run: kill -9 mid-run, then --retry-failed', function () {
  this.timeout(120_000);
  let work: string;
  let lab: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-crash-'));
    lab = join(work, 'lab');
    await labUp({ hosts: 20, dir: lab, port: 0 });
    await writeFile(
      join(work, 'slow.yml'),
      `- name: slow
  hosts: all
  gather_facts: false
  tasks:
    - name: work
      command: sleep 1
    - name: done
      command: echo done
`,
    );
  });
  after(async () => {
    await labDown(lab);
    await rm(work, { recursive: true, force: true });
  });

  it('retries exactly the hosts that had not finished, and they finish', async () => {
    const child = spawnCli(['run', 'slow.yml', '-i', join(lab, 'inventory.yml'), '--forks', '4', '--json'], { cwd: work });
    const finished = new Set<string>();
    await new Promise<void>((resolve) => {
      let buf = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const e = JSON.parse(buf.slice(0, nl)) as { kind: string; host?: string; outcome?: string };
          buf = buf.slice(nl + 1);
          if (e.kind === 'host.done' && e.outcome === 'ok') finished.add(e.host!);
          if (finished.size >= 4 && child.exitCode === null && !child.killed) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      child.on('exit', () => resolve());
    });
    const killed = await collect(child);
    assert.equal(killed.signal, 'SIGKILL', 'the run should still have been going when killed');

    const runs = join(work, '.fleetboot', 'runs');
    const [id] = await readdir(runs);
    const summary = readJournal(await readFile(join(runs, id!, 'journal.jsonl'), 'utf8'));
    assert.equal(summary.ended, false);
    const unfinished = hostsToRetry(summary);
    assert.ok(unfinished.length > 0 && unfinished.length <= 16, `unfinished: ${unfinished.length}`);
    for (const h of finished) assert.ok(!unfinished.includes(h), `${h} finished but would be retried`);

    const retry = await runCli(['run', 'slow.yml', '-i', join(lab, 'inventory.yml'), '--retry-failed', '--json'], { cwd: work });
    assert.equal(retry.code, 0, retry.stderr);
    const events = retry.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; hosts?: string[]; outcomes?: Record<string, string> });
    assert.deepEqual(events.find((e) => e.kind === 'run.start')?.hosts, unfinished);
    const end = events.find((e) => e.kind === 'run.end');
    assert.deepEqual(Object.values(end?.outcomes ?? {}).filter((o) => o !== 'ok'), []);
    assert.equal(finished.size + unfinished.length, 20);
  });

  it('Ctrl-C once: running steps finish, no new step starts, exit 99; --retry-failed finishes the rest', async () => {
    const child = spawnCli(['run', 'slow.yml', '-i', join(lab, 'inventory.yml'), '--forks', '4', '--json'], { cwd: work });
    let sent = false;
    const events: { kind: string; host?: string; task?: string; outcome?: string; phase?: string }[] = [];
    child.stdout!.setEncoding('utf8');
    let buf = '';
    child.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const e = JSON.parse(buf.slice(0, nl)) as (typeof events)[number];
        buf = buf.slice(nl + 1);
        events.push(e);
        if (!sent && e.kind === 'task.start' && e.task === 'work') {
          sent = true;
          child.kill('SIGINT');
        }
      }
    });
    const r = await collect(child);
    assert.equal(r.code, 99, r.stderr);
    assert.ok(events.some((e) => e.kind === 'interrupt' && e.phase === 'graceful'));
    // Every step that started also ended: running steps were let finish.
    const started = events.filter((e) => e.kind === 'task.start').length;
    const endedSteps = events.filter((e) => e.kind === 'task.end').length;
    assert.equal(endedSteps, started);
    const interrupted = events.filter((e) => e.kind === 'host.done' && e.outcome === 'interrupted').map((e) => e.host);
    assert.ok(interrupted.length > 0);

    const retry = await runCli(['run', 'slow.yml', '-i', join(lab, 'inventory.yml'), '--retry-failed', '--json'], { cwd: work });
    assert.equal(retry.code, 0, retry.stderr);
    const start = retry.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; hosts?: string[] }).find((e) => e.kind === 'run.start');
    for (const h of interrupted) assert.ok(start?.hosts?.includes(h!), `${h} should be retried`);
  });

  it('Ctrl-C twice: running steps are aborted too, exit 99', async () => {
    const child = spawnCli(['run', 'slow.yml', '-i', join(lab, 'inventory.yml'), '--forks', '4', '--json'], { cwd: work });
    let sent = 0;
    const ends: { result?: { msg?: string } }[] = [];
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const e = JSON.parse(buf.slice(0, nl)) as { kind: string; task?: string; result?: { msg?: string } };
        buf = buf.slice(nl + 1);
        if (e.kind === 'task.end') ends.push(e);
        if (sent === 0 && e.kind === 'task.start' && e.task === 'work') {
          sent = 1;
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGINT'), 100);
        }
      }
    });
    const r = await collect(child);
    assert.equal(r.code, 99, r.stderr);
    assert.ok(ends.some((e) => /aborted by a second interrupt/.test(e.result?.msg ?? '')), 'a running step was aborted');
  });
});
