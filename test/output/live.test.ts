import assert from 'node:assert/strict';
import type { FleetEvent } from '../../src/core/events.js';
import type { HostOutcome, HostStats } from '../../src/core/result.js';
import { stripAnsi } from '../../src/output/color.js';
import { createOutput, type Output } from '../../src/output/index.js';
import { FakeClock, FakeStream, FakeTimer } from './fake-stream.js';
import { hostName, stats, taskEnd, taskStart } from './events.js';

const ROWS = 40;
const COLUMNS = 120;
const TASKS = ['wait for connection', 'gather os release', 'install packages', 'write config', 'restart service'];
const ERASE = /^\r\u001b\[(\d+)A\u001b\[J/;

/** A run of `hosts` hosts through `tasks`, hosts moving independently, some failing. */
function* fleetRun(hostCount: number, tasks = TASKS): Generator<FleetEvent> {
  const hosts = Array.from({ length: hostCount }, (_, i) => hostName(i + 1));
  const st: Record<string, HostStats> = {};
  const outcomes: Record<string, HostOutcome> = {};
  yield { kind: 'run.start', runId: 'r1', playbook: 'site.yml', runDir: '.fleetboot/runs/r1', hosts, check: false, forks: 200 };
  yield { kind: 'play.start', play: 'provision', playIndex: 0, hosts, tasks };
  let alive = [...hosts];
  for (const [t, task] of tasks.entries()) {
    // Hosts work in waves of 200 (the forks), so several tasks are running at once.
    for (let w = 0; w < alive.length; w += 200) {
      const wave = alive.slice(w, w + 200);
      for (const h of wave) yield taskStart(h, t, task);
      for (const h of wave) {
        const i = Number(h.slice(5));
        const s = (st[h] ??= stats({}));
        if (t === 0 && i % 250 === 3) {
          s.unreachable += 1;
          outcomes[h] = 'unreachable';
          yield taskEnd(h, t, task, 'unreachable', { unreachable: true, msg: `connect ECONNREFUSED ${h}` });
          yield { kind: 'host.done', host: h, play: 'provision', playIndex: 0, outcome: 'unreachable', msg: `${task}: connect ECONNREFUSED` };
        } else if (t === 2 && i % 37 === 0) {
          s.failed += 1;
          outcomes[h] = 'failed';
          yield taskEnd(h, t, task, 'failed', { msg: 'non-zero return code', rc: 100, stderr: `E: broken on ${h}` });
          yield { kind: 'host.done', host: h, play: 'provision', playIndex: 0, outcome: 'failed', msg: `${task}: non-zero return code` };
        } else {
          s.ok += 1;
          const changed = t === 3;
          if (changed) s.changed += 1;
          yield taskEnd(h, t, task, changed ? 'changed' : 'ok');
          if (t === tasks.length - 1) {
            outcomes[h] = 'ok';
            yield { kind: 'host.done', host: h, play: 'provision', playIndex: 0, outcome: 'ok' };
          }
        }
      }
    }
    alive = alive.filter((h) => outcomes[h] === undefined);
  }
  yield { kind: 'play.end', play: 'provision', playIndex: 0 };
  yield { kind: 'run.end', runId: 'r1', stats: st, outcomes, interrupted: false, exitCode: 2, retryFile: 'site.retry', durationMs: 12_000 };
}

interface Harness {
  stream: FakeStream;
  clock: FakeClock;
  timer: FakeTimer;
  out: Output;
}

function live(color: boolean, rows = ROWS, columns = COLUMNS): Harness {
  const stream = new FakeStream({ rows, columns });
  const clock = new FakeClock();
  const timer = new FakeTimer(clock);
  const out = createOutput({ mode: 'live', stream, color, verbosity: 0, now: clock.now, schedule: timer.schedule });
  return { stream, clock, timer, out };
}

/** The frame a write drew: what follows the erase sequence, line by line. */
function frameOf(write: string): { erased: number; lines: string[] } {
  const m = ERASE.exec(write);
  const body = m ? write.slice(m[0].length) : write;
  return { erased: m ? Number(m[1]) : 0, lines: body.split('\n').slice(0, -1) };
}

/** Feeds the events, 1 ms apart on the fake clock, firing the timer as it would. */
function feed(h: Harness, events: Iterable<FleetEvent>, until?: (e: FleetEvent) => boolean): number {
  let n = 0;
  for (const e of events) {
    if (until?.(e)) break;
    h.out.consume(e);
    h.clock.advance(1);
    h.timer.catchUp();
    n += 1;
  }
  return n;
}

const isEnd = (e: FleetEvent): boolean => e.kind === 'play.end';

describe('output/live', () => {
  it('draws frames that fit a 40x120 terminal at 1,000 hosts x 5 tasks, each erasing the last', () => {
    const h = live(true);
    const start = h.clock.t;
    const events = feed(h, fleetRun(1000), isEnd);
    const elapsed = h.clock.t - start;
    assert.ok(events > 10_000);
    let previous = 0;
    for (const write of h.stream.writes) {
      const { erased, lines } = frameOf(write);
      assert.equal(erased, previous, 'erases exactly the previous frame');
      assert.ok(lines.length <= ROWS - 1, `frame of ${lines.length} lines`);
      for (const l of lines) assert.ok(stripAnsi(l).length <= COLUMNS - 1, `too wide: ${stripAnsi(l)}`);
      previous = lines.length;
    }
    // Drawing follows the clock (at most every 100 ms), not the events.
    const frames = h.stream.writes.length;
    assert.ok(frames >= 10, `${frames} frames`);
    assert.ok(frames <= Math.floor(elapsed / 100) + 1, `${frames} frames in ${elapsed} ms`);
  });

  it('shows the counts per task, the progress with ETA and the failing hosts by name', () => {
    const h = live(false);
    // Stop in the middle of 'write config': tasks 0-2 are done for most hosts.
    let ends = 0;
    feed(h, fleetRun(1000), (e) => e.kind === 'task.end' && e.taskIndex === 3 && ++ends === 300);
    h.clock.advance(100);
    h.timer.catchUp();
    const { lines } = frameOf(h.stream.writes.at(-1)!);
    const text = lines.join('\n');
    assert.match(lines[0]!, /^PLAY \[provision\]  elapsed \d/);
    assert.match(lines[1]!, /TASK +running +ok +changed +failed +skipped +unreach$/);
    // 4 hosts unreachable at the first task; every 37th host (27 of them) fails the third.
    assert.match(text, /\n  1 wait for connection +0 +996 +0 +0 +0 +4\n/);
    assert.match(text, /\n  3 install packages +0 +969 +0 +27 +0 +0\n/);
    // 'write config': 299 ended, the rest of the second wave of 200 is running.
    assert.match(text, /\n  4 write config +101 +0 +299 +0 +0 +0\n/);
    assert.match(text, /\n  5 restart service +0 +0 +0 +0 +0 +0\n/);
    assert.match(text, /\n\[#\.+\] 31\/1000 hosts done \(3%\)  running 101  ETA \d/);
    assert.match(text, /failed: 31 hosts, most recent first/);
    // Most recent first: the last host that failed install is node-0999 (27 x 37).
    const failLines = lines.slice(lines.findIndex((l) => l.startsWith('failed:')) + 1);
    assert.match(failLines[0]!, /^  node-0999  install packages: non-zero return code: E: broken on node-0999 \(rc=100\)$/);
    assert.match(failLines[1]!, /^  node-0962  /);
    assert.equal(failLines.length, 9);
    assert.equal(failLines[8], '  … and 23 more');
    assert.ok(!text.includes('\u001b['), 'no color codes when color is off');
  });

  it('still redraws in place without color', () => {
    const h = live(false);
    feed(h, fleetRun(50), isEnd);
    assert.ok(h.stream.writes.slice(1).every((w) => ERASE.test(w)));
    assert.ok(!h.stream.text.match(/\u001b\[[0-9;]*m/), 'no SGR codes');
  });

  it('does no drawing while consuming events: only the timer draws', () => {
    const h = live(true);
    const it = fleetRun(1000);
    for (let i = 0; i < 5000; i++) {
      const n = it.next();
      if (n.done) break;
      h.out.consume(n.value);
    }
    assert.equal(h.stream.writes.length, 0);
    h.clock.advance(100);
    h.timer.catchUp();
    assert.equal(h.stream.writes.length, 1);
    // Nothing moved and the clock's second has not passed: no redraw.
    h.clock.advance(400);
    h.timer.catchUp();
    assert.equal(h.stream.writes.length, 1);
    // A second later the elapsed time has moved: one redraw.
    h.clock.advance(600);
    h.timer.catchUp();
    assert.equal(h.stream.writes.length, 2);
  });

  it('shows the active tasks when a play has more tasks than rows', () => {
    const tasks = Array.from({ length: 60 }, (_, i) => `step ${i + 1}`);
    const h = live(false, 20, 80);
    let ends = 0;
    feed(h, fleetRun(300, tasks), (e) => e.kind === 'task.end' && e.taskIndex === 30 && ++ends === 250);
    h.clock.advance(100);
    h.timer.catchUp();
    const { lines } = frameOf(h.stream.writes.at(-1)!);
    assert.ok(lines.length <= 19, `${lines.length} lines`);
    assert.ok(lines.every((l) => l.length <= 79));
    assert.ok(lines.some((l) => /^ 31 step 31 +[1-9]\d* +\d+ /.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /… \d+ more tasks/.test(l)));
  });

  it('at the end, replaces the frame with the final state and the condensed recap', () => {
    const h = live(false);
    feed(h, fleetRun(1000));
    const last = h.stream.writes.at(-1)!;
    const { erased, lines } = frameOf(last);
    assert.ok(erased > 0, 'the live frame is erased');
    assert.equal(lines[0], '');
    assert.match(lines[1]!, /^PLAY \[provision\]  took /);
    assert.ok(lines.some((l) => /^  5 restart service +0 +969 /.test(l)));
    assert.ok(lines.includes('hosts: 1000  ok 969  failed 27  unreachable 4'));
    assert.ok(lines.some((l) => l.startsWith('PLAY RECAP ***')));
    assert.ok(lines.includes('hosts ok: 969 of 1000'));
    assert.ok(lines.includes(`  ${'node-0037'.padEnd(24)} : install packages: non-zero return code: E: broken on node-0037 (rc=100)`));
    assert.ok(lines.includes('failed: 27 hosts') && lines.includes('unreachable: 4 hosts'));
    assert.equal(lines.at(-1), 'exit code 2: a host failed');
    assert.ok(h.timer.stopped, 'the redraw timer is stopped');
    const writes = h.stream.writes.length;
    h.out.close();
    h.clock.advance(5000);
    h.timer.catchUp();
    assert.equal(h.stream.writes.length, writes, 'nothing more after the end');
  });

  it('prints warnings above the frame, and the final state on close without run.end', () => {
    const h = live(false);
    feed(h, fleetRun(20), (e) => e.kind === 'task.end' && e.taskIndex === 1);
    h.out.consume({ kind: 'message', level: 'warning', msg: 'clock skew on node-0001' });
    h.clock.advance(100);
    h.timer.catchUp();
    const { lines } = frameOf(h.stream.writes.at(-1)!);
    assert.equal(lines[0], '[WARNING]: clock skew on node-0001');
    assert.match(lines[1]!, /^PLAY \[provision\]/);
    h.out.close();
    const final = frameOf(h.stream.writes.at(-1)!);
    assert.ok(final.erased > 0);
    assert.match(final.lines[1]!, /^PLAY \[provision\]  took/);
    assert.ok(!final.lines.some((l) => l.startsWith('PLAY RECAP')));
  });
});
