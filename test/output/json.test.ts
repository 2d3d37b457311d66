import assert from 'node:assert/strict';
import type { FleetEvent } from '../../src/core/events.js';
import { createOutput } from '../../src/output/index.js';
import { FakeClock, FakeStream } from './fake-stream.js';
import { stats, taskEnd, taskStart } from './events.js';

describe('output/json', () => {
  it('writes each event as one JSON object per line, with its time, and nothing else', () => {
    const stream = new FakeStream();
    const clock = new FakeClock();
    const out = createOutput({ mode: 'json', stream, color: true, verbosity: 0, now: clock.now });
    const events: FleetEvent[] = [
      { kind: 'play.start', play: 'p', playIndex: 0, hosts: ['a'], tasks: ['t'] },
      taskStart('a', 0, 't'),
      { kind: 'host.output', host: 'a', taskIndex: 0, stream: 'stdout', text: 'two\nlines' },
      taskEnd('a', 0, 't', 'failed', { msg: 'x', rc: 2 }),
      { kind: 'transport', host: 'a', transport: 'ssh', action: 'connect' },
      {
        kind: 'run.end',
        runId: 'r',
        stats: { a: stats({ failed: 1 }) },
        outcomes: { a: 'failed' },
        interrupted: false,
        exitCode: 2,
        durationMs: 3,
      },
    ];
    for (const e of events) {
      out.consume(e);
      clock.advance(1500);
    }
    out.close();
    assert.ok(stream.text.endsWith('\n'));
    const lines = stream.text.slice(0, -1).split('\n');
    assert.equal(lines.length, events.length);
    lines.forEach((line, i) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const { ts, ...event } = parsed;
      assert.deepEqual(event, events[i]);
      assert.equal(ts, new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + i * 1500).toISOString());
    });
    assert.ok(!stream.text.includes('\u001b'), 'no color codes in JSON');
    assert.ok(!stream.text.includes('PLAY RECAP'));
  });

  it('writes an error record rather than breaking the stream on a value JSON cannot hold', () => {
    const stream = new FakeStream();
    const out = createOutput({ mode: 'json', stream, color: false, verbosity: 0 });
    out.consume({ kind: 'task.start', host: 'a', taskIndex: 0, task: 't', module: 'debug', item: 10n });
    const parsed = JSON.parse(stream.text) as { kind: string; error: string };
    assert.equal(parsed.kind, 'task.start');
    assert.match(parsed.error, /not serializable/);
  });
});
