import assert from 'node:assert/strict';
import type { FleetEvent } from '../../src/core/events.js';
import type { HostOutcome, HostStats } from '../../src/core/result.js';
import { stripAnsi } from '../../src/output/color.js';
import { createOutput, type Output } from '../../src/output/index.js';
import { FakeClock, FakeStream, FakeTimer } from './fake-stream.js';
import { debugEnd, hostDone, hostName, stats, taskEnd, taskStart } from './events.js';

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

function live(color: boolean, rows = ROWS, columns = COLUMNS, verbosity = 0): Harness {
  const stream = new FakeStream({ rows, columns });
  const clock = new FakeClock();
  const timer = new FakeTimer(clock);
  const out = createOutput({ mode: 'live', stream, color, verbosity, now: clock.now, schedule: timer.schedule });
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

/** Everything the terminal keeps once the frames are gone: the text of every write, colors out. */
function shown(h: Harness): string[] {
  return stripAnsi(h.stream.text).replace(/\r/g, '').split('\n');
}

/** The play summaries' host lines. */
function hostLines(h: Harness): string[] {
  return shown(h).filter((l) => l.startsWith('hosts: '));
}

function playOf(hosts: string[], tasks: string[]): FleetEvent[] {
  return [
    { kind: 'run.start', runId: 'r1', playbook: 'site.yml', runDir: '.fleetboot/runs/r1', hosts, check: false, forks: 10 },
    { kind: 'play.start', play: 'p', playIndex: 0, hosts, tasks },
  ];
}

function runEnd(outcomes: Record<string, HostOutcome>, exitCode: number, interrupted = false): FleetEvent {
  return { kind: 'run.end', runId: 'r1', stats: {}, outcomes, interrupted, exitCode, durationMs: 1000 };
}

const hostsOf = (n: number): string[] => Array.from({ length: n }, (_, i) => hostName(i + 1));

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

  it('prints debug results above the frame, in the same words as the lines mode; other results stay in the counts', () => {
    const hosts = hostsOf(3);
    const events: FleetEvent[] = [
      ...playOf(hosts, ['Show what runs there', 'ping', 'Show more']),
      taskStart('node-0001', 0, 'Show what runs there'),
      debugEnd('node-0001', 0, 'Show what runs there', { msg: 'node-0001: Fedora CoreOS 41 on aarch64' }),
      debugEnd('node-0002', 0, 'Show what runs there', { msg: JSON.stringify(['a', 'b'], null, 2) }),
      debugEnd('node-0003', 0, 'Show what runs there', { os: 'x' }),
      taskEnd('node-0001', 1, 'ping', 'ok'),
      { ...taskEnd('node-0003', 2, 'Show more', 'skipped', { skipped: true, skipped_reason: 'Verbosity threshold not met.' }), module: 'debug' },
    ];
    const h = live(false);
    feed(h, events);
    h.clock.advance(100);
    h.timer.catchUp();
    const expected = [
      'ok: [node-0001] Show what runs there => node-0001: Fedora CoreOS 41 on aarch64',
      'ok: [node-0002] Show what runs there => [',
      '      "a",',
      '      "b"',
      '    ]',
      'ok: [node-0003] Show what runs there => {"os":"x"}',
    ];
    const text = shown(h);
    const at = text.indexOf(expected[0]!);
    assert.ok(at >= 0, text.join('\n'));
    assert.deepEqual(text.slice(at, at + expected.length), expected);
    assert.match(text[at + expected.length]!, /^PLAY \[p\]/, 'the frame comes after them');
    assert.ok(!text.some((l) => l.startsWith('ok: [node-0001] ping') || l.startsWith('skipping:')));
    // The same text as the lines mode prints for those events.
    const lines = new FakeStream();
    const out = createOutput({ mode: 'lines', stream: lines, color: false, verbosity: 0 });
    for (const e of events) out.consume(e);
    assert.ok(lines.text.includes(`${expected.join('\n')}\n`));
  });

  it('prints every debug result of a 1,000-host run above the frame, and keeps frames in size', () => {
    const hosts = hostsOf(1000);
    const h = live(true, 20, 80);
    const events: FleetEvent[] = [...playOf(hosts, ['Show what runs there'])];
    for (const host of hosts) events.push(taskStart(host, 0, 'Show what runs there'));
    for (const host of hosts) events.push(debugEnd(host, 0, 'Show what runs there', { msg: `${host}: Fedora CoreOS on aarch64` }));
    feed(h, events);
    h.clock.advance(100);
    h.timer.catchUp();
    const text = shown(h);
    for (const host of hosts) assert.ok(text.includes(`ok: [${host}] Show what runs there => ${host}: Fedora CoreOS on aarch64`), host);
    // The frame is drawn after the debug lines, and is what the next redraw erases.
    const last = stripAnsi(h.stream.writes.at(-1)!).split('\n').slice(0, -1);
    const frame = last.slice(last.findIndex((l) => l.startsWith('PLAY [p]')));
    assert.ok(frame.length > 2 && frame.length <= 19 && frame.every((l) => l.length <= 79), frame.join('\n'));
    h.clock.advance(1000);
    h.timer.catchUp();
    assert.equal(frameOf(h.stream.writes.at(-1)!).erased, frame.length);
  });

  it('prints warnings above the frame, the play-stopped warning included', () => {
    const h = live(true);
    feed(h, fleetRun(20), (e) => e.kind === 'task.end' && e.taskIndex === 1);
    h.out.consume({ kind: 'message', level: 'warning', msg: 'play stopped: max_fail_percentage 10 exceeded (3 of 20 hosts failed)' });
    h.clock.advance(100);
    h.timer.catchUp();
    const { lines } = frameOf(h.stream.writes.at(-1)!);
    assert.equal(lines[0], '\u001b[1;35m[WARNING]: play stopped: max_fail_percentage 10 exceeded (3 of 20 hosts failed)\u001b[0m');
    assert.match(stripAnsi(lines[1]!), /^PLAY \[provision\]/);
  });

  it('after Ctrl-C, counts hosts interrupted and hosts never started, none as ok', () => {
    const hosts = hostsOf(20);
    const events: FleetEvent[] = [...playOf(hosts, ['install', 'configure'])];
    const running = hosts.slice(0, 5);
    for (const host of running) events.push(taskStart(host, 0, 'install'));
    events.push({ kind: 'interrupt', phase: 'graceful', signal: 'SIGINT' });
    for (const host of running) events.push(taskEnd(host, 0, 'install', 'changed'));
    for (const host of running) events.push(hostDone(host, 'interrupted', "interrupted before task 'configure'"));
    for (const host of hosts.slice(5)) events.push(hostDone(host, 'interrupted', 'not started'));
    events.push({ kind: 'play.end', play: 'p', playIndex: 0 }, runEnd(Object.fromEntries(hosts.map((x) => [x, 'interrupted'])), 99, true));
    const h = live(false);
    feed(h, events);
    assert.deepEqual(hostLines(h), ['hosts: 20  ok 0  interrupted 5  not started 15']);
    const text = shown(h);
    assert.ok(text.some((l) => l.startsWith('interrupted: 20 hosts: node-0001, node-0002,') && l.endsWith('… and 10 more')), text.join('\n'));
    assert.equal(text.at(-2), 'exit code 99: interrupted');
  });

  it('when max_fail_percentage stops a play, counts the hosts it never touched as not started', () => {
    const hosts = hostsOf(50);
    const events: FleetEvent[] = [...playOf(hosts, ['install', 'configure'])];
    const first = hosts.slice(0, 10);
    for (const host of first) events.push(taskStart(host, 0, 'install'));
    for (const [i, host] of first.entries()) {
      if (i < 3) {
        events.push(taskEnd(host, 0, 'install', 'failed', { msg: 'boom' }), hostDone(host, 'failed', 'install: boom'));
      } else if (i < 5) {
        // Stopped before its next task: started, not finished.
        events.push(taskEnd(host, 0, 'install', 'ok'), hostDone(host, 'pending', "play stopped before task 'configure' (another host failed)"));
      } else {
        events.push(taskEnd(host, 0, 'install', 'ok'), taskStart(host, 1, 'configure'), taskEnd(host, 1, 'configure', 'ok'), hostDone(host, 'ok'));
      }
    }
    events.push({ kind: 'message', level: 'warning', msg: 'play stopped: max_fail_percentage 5 exceeded' });
    for (const host of hosts.slice(10)) events.push(hostDone(host, 'pending', 'not started: play stopped'));
    const outcomes: Record<string, HostOutcome> = Object.fromEntries(hosts.map((x) => [x, 'pending']));
    for (const x of first.slice(0, 3)) outcomes[x] = 'failed';
    for (const x of first.slice(5)) outcomes[x] = 'ok';
    events.push({ kind: 'play.end', play: 'p', playIndex: 0 }, runEnd(outcomes, 2));
    const h = live(false);
    feed(h, events);
    assert.deepEqual(hostLines(h), ['hosts: 50  ok 5  failed 3  not finished 2  not started 40']);
    const text = shown(h);
    assert.ok(text.includes('[WARNING]: play stopped: max_fail_percentage 5 exceeded'));
    assert.ok(text.some((l) => l.startsWith('not finished: 42 hosts: node-0004, node-0005, node-0011,')), text.join('\n'));
    // The progress bar counts hosts done whatever their outcome.
    const h2 = live(false);
    feed(h2, events, isEnd);
    h2.clock.advance(100);
    h2.timer.catchUp();
    assert.ok(frameOf(h2.stream.writes.at(-1)!).lines.some((l) => / 50\/50 hosts done \(100%\)/.test(l)));
  });

  it('takes the final outcomes from run.end for hosts of a play that ended without their host.done', () => {
    const hosts = hostsOf(4);
    const events: FleetEvent[] = [
      ...playOf(hosts, ['install']),
      taskStart('node-0001', 0, 'install'),
      taskEnd('node-0001', 0, 'install', 'ok'),
      hostDone('node-0001', 'ok'),
      taskStart('node-0002', 0, 'install'),
      runEnd({ 'node-0001': 'ok', 'node-0002': 'interrupted', 'node-0003': 'interrupted', 'node-0004': 'failed' }, 99, true),
    ];
    const h = live(false);
    feed(h, events);
    assert.deepEqual(hostLines(h), ['hosts: 4  ok 1  failed 1  interrupted 1  not started 1']);
    // Without run.end (closed early), hosts that did not end are not finished or not started.
    const h2 = live(false);
    feed(h2, events.slice(0, -1));
    h2.out.close();
    assert.deepEqual(hostLines(h2), ['hosts: 4  ok 1  not finished 1  not started 2']);
  });

  it('at -v, prints a step\'s last partial output line when the step ends, not at the end of the run', () => {
    const h = live(false, ROWS, COLUMNS, 1);
    feed(h, [
      ...playOf(['a'], ['t', 'u']),
      taskStart('a', 0, 't'),
      { kind: 'host.output', host: 'a', taskIndex: 0, stream: 'stdout', text: 'whole\npartial' },
      taskEnd('a', 0, 't', 'ok'),
    ]);
    h.clock.advance(100);
    h.timer.catchUp();
    const text = shown(h);
    assert.deepEqual(text.slice(0, 2), ['[a] stdout: whole', '[a] stdout: partial']);
  });
});
