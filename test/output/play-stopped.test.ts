import assert from 'node:assert/strict';
import type { FleetEvent } from '../../src/core/events.js';
import { stripAnsi } from '../../src/output/color.js';
import { createOutput, type OutputMode } from '../../src/output/index.js';
import { FakeClock, FakeStream, FakeTimer } from './fake-stream.js';
import { hostDone, taskEnd, taskStart } from './events.js';

// The engine warns when any_errors_fatal or max_fail_percentage stops a play: whatever the
// mode, the operator must see why the other hosts were never touched.
const STOPPED = 'play stopped: any_errors_fatal and node-001 failed';

function events(): FleetEvent[] {
  return [
    { kind: 'play.start', play: 'p', playIndex: 0, hosts: ['node-001', 'node-002'], tasks: ['t'] },
    taskStart('node-001', 0, 't'),
    taskEnd('node-001', 0, 't', 'failed', { msg: 'boom' }),
    hostDone('node-001', 'failed', 't: boom'),
    { kind: 'message', level: 'warning', msg: STOPPED },
    hostDone('node-002', 'pending', 'not started: play stopped'),
    { kind: 'play.end', play: 'p', playIndex: 0 },
  ];
}

function render(mode: OutputMode, verbosity: number): string {
  const stream = new FakeStream(mode === 'live' ? { rows: 30, columns: 100 } : undefined);
  const clock = new FakeClock();
  const timer = new FakeTimer(clock);
  const out = createOutput({ mode, stream, color: true, verbosity, now: clock.now, schedule: timer.schedule });
  for (const e of events()) {
    out.consume(e);
    clock.advance(50);
    timer.catchUp();
  }
  out.close();
  return stream.text;
}

describe('output: the play-stopped warning', () => {
  for (const mode of ['live', 'lines'] as const) {
    for (const verbosity of [0, 2]) {
      it(`is shown in ${mode} mode at verbosity ${verbosity}`, () => {
        const lines = stripAnsi(render(mode, verbosity)).replace(/\r/g, '').split('\n');
        assert.ok(lines.includes(`[WARNING]: ${STOPPED}`), lines.join('\n'));
      });
    }
  }

  it('is a message record in json mode', () => {
    const records = render('json', 0)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(records.some((r) => r.kind === 'message' && r.level === 'warning' && r.msg === STOPPED));
  });
});
