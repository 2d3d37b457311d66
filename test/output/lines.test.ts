import assert from 'node:assert/strict';
import type { FleetEvent } from '../../src/core/events.js';
import { createOutput } from '../../src/output/index.js';
import { FakeStream } from './fake-stream.js';
import { debugEnd, stats, taskEnd, taskStart } from './events.js';

const STARS = (title: string): string => `${title} ${'*'.repeat(79 - title.length)}`;

function run(): FleetEvent[] {
  return [
    { kind: 'run.start', runId: 'r1', playbook: 'site.yml', runDir: '.fleetboot/runs/r1', hosts: ['node-001', 'node-002', 'node-003'], check: false, forks: 10 },
    { kind: 'play.start', play: 'base', playIndex: 0, hosts: ['node-001', 'node-002', 'node-003'], tasks: ['ping', 'install'] },
    taskStart('node-001', 0, 'ping'),
    taskStart('node-002', 0, 'ping'),
    taskStart('node-003', 0, 'ping'),
    { kind: 'transport', host: 'node-001', transport: 'ssh', action: 'connect', detail: '127.0.0.2:22', durationMs: 12 },
    taskEnd('node-001', 0, 'ping', 'ok'),
    taskEnd('node-003', 0, 'ping', 'unreachable', { unreachable: true, msg: 'connect ECONNREFUSED 127.0.0.4:22' }),
    { kind: 'host.done', host: 'node-003', play: 'base', playIndex: 0, outcome: 'unreachable', msg: 'ping: connect ECONNREFUSED 127.0.0.4:22' },
    taskStart('node-001', 1, 'install'),
    taskEnd('node-002', 0, 'ping', 'ok'),
    { kind: 'host.output', host: 'node-001', taskIndex: 1, stream: 'stdout', text: 'installing\npart' },
    { kind: 'host.output', host: 'node-001', taskIndex: 1, stream: 'stdout', text: 'ial line\n' },
    taskEnd('node-001', 1, 'install', 'changed', { reason: 'package was missing' }),
    taskStart('node-002', 1, 'install'),
    { kind: 'task.retry', host: 'node-002', taskIndex: 1, task: 'install', attempt: 2, retries: 5, msg: 'lock held' },
    { kind: 'host.output', host: 'node-002', taskIndex: 1, stream: 'stderr', text: 'E: no space left' },
    taskEnd('node-002', 1, 'install', 'failed', { msg: 'non-zero return code', rc: 1, stderr: 'E: no space left\n' }),
    { kind: 'host.done', host: 'node-002', play: 'base', playIndex: 0, outcome: 'failed', msg: 'install: non-zero return code' },
    { kind: 'message', level: 'warning', host: 'node-001', msg: 'disk nearly full' },
    { kind: 'message', level: 'debug', verbosity: 2, msg: 'details at -vv' },
    { kind: 'host.done', host: 'node-001', play: 'base', playIndex: 0, outcome: 'ok' },
    { kind: 'play.end', play: 'base', playIndex: 0 },
    {
      kind: 'run.end',
      runId: 'r1',
      stats: { 'node-001': stats({ ok: 2, changed: 1 }), 'node-002': stats({ ok: 1, failed: 1 }), 'node-003': stats({ unreachable: 1 }) },
      outcomes: { 'node-001': 'ok', 'node-002': 'failed', 'node-003': 'unreachable' },
      interrupted: false,
      exitCode: 2,
      retryFile: 'site.retry',
      durationMs: 4200,
    },
  ];
}

function render(verbosity: number, events = run()): string[] {
  const stream = new FakeStream();
  const out = createOutput({ mode: 'lines', stream, color: false, verbosity, invocation: { playbook: 'site.yml', inventory: ['lab/inventory.yml'] } });
  for (const e of events) out.consume(e);
  out.close();
  return stream.text.split('\n');
}

describe('output/lines', () => {
  it('prints one greppable line per host event naming its task (no TASK banners: hosts move at their own pace), and the recap', () => {
    const lines = render(0);
    assert.deepEqual(lines.slice(0, 13), [
      '',
      STARS('PLAY [base]'),
      'ok: [node-001] ping',
      'unreachable: [node-003] ping: connect ECONNREFUSED 127.0.0.4:22',
      'ok: [node-002] ping',
      'changed: [node-001] install',
      'retrying: [node-002] install (2/5): lock held',
      'failed: [node-002] install: non-zero return code: E: no space left (rc=1)',
      '[WARNING]: [node-001] disk nearly full',
      '',
      STARS('PLAY RECAP'),
      'node-001                   : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
      'node-002                   : ok=1    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0   ',
    ]);
    assert.deepEqual(lines.slice(-5), [
      '',
      'run r1: .fleetboot/runs/r1 (4.2s)',
      'to retry the failed hosts: fleetboot run site.yml -i lab/inventory.yml --retry-failed (or --limit @site.retry)',
      'exit code 2: a host failed',
      '',
    ]);
  });

  it('shows host output at -v, prefixed by host and stream, whole lines only', () => {
    const lines = render(1);
    const i = lines.indexOf('[node-001] stdout: installing');
    assert.ok(i > 0, lines.join('\n'));
    assert.equal(lines[i + 1], '[node-001] stdout: partial line');
    assert.ok(lines.includes('changed: [node-001] install (package was missing)'));
    // A partial line is printed when its step ends.
    const err = lines.indexOf('[node-002] stderr: E: no space left');
    assert.ok(err > 0 && lines[err + 1]!.startsWith('failed: [node-002] install'));
    assert.ok(!lines.some((l) => l.includes('<node-001> ssh')), 'transport only at -vvv');
    assert.ok(!lines.includes('details at -vv'));
  });

  it('shows transport events at -vvv and debug messages by their verbosity', () => {
    const lines = render(3);
    assert.ok(lines.includes('<node-001> ssh connect: 127.0.0.2:22 (12ms)'));
    assert.ok(lines.includes('details at -vv'));
    assert.ok(!render(0).some((l) => l.includes('stdout:')));
  });

  it('prints skipped and ignored failures in Ansible words, and debug messages', () => {
    const events: FleetEvent[] = [
      { kind: 'play.start', play: 'p', playIndex: 0, hosts: ['a'], tasks: ['t', 'u', 'v'] },
      taskStart('a', 0, 't'),
      taskEnd('a', 0, 't', 'skipped', { skipped: true, reason: 'conditional result was False' }),
      taskStart('a', 1, 'u'),
      taskEnd('a', 1, 'u', 'failed', { msg: 'boom' }, true),
      taskStart('a', 2, 'v'),
      { ...taskEnd('a', 2, 'v', 'ok', { msg: 'hello\nworld' }), module: 'debug' },
    ];
    const lines = render(0, events);
    assert.ok(lines.includes('skipping: [a] t'));
    assert.ok(lines.includes('failed: [a] u: boom ...ignoring'));
    const at = lines.indexOf('ok: [a] v => hello');
    assert.ok(at > 0, lines.join('\n'));
    assert.equal(lines[at + 1], '    world');
    assert.ok(render(1, events).includes('skipping: [a] t (conditional result was False)'));
  });

  it("lays out a structured debug msg as Ansible does: after '=> ', following lines indented, no ' | ' joins", () => {
    // The debug module gives a list or dict msg as JSON text with newlines.
    const msg = JSON.stringify(['a', 'b', { c: 1 }], null, 2);
    const lines = render(0, [debugEnd('node-001', 0, 'Show the list', { msg }), debugEnd('node-001', 1, 'Trailing', { msg: 'one\ntwo\n\nthree\n' })]);
    assert.deepEqual(lines, [
      'ok: [node-001] Show the list => [',
      '      "a",',
      '      "b",',
      '      {',
      '        "c": 1',
      '      }',
      '    ]',
      'ok: [node-001] Trailing => one',
      '    two',
      '',
      '    three',
      '',
    ]);
    assert.ok(!lines.some((l) => l.includes(' | ')));
  });

  it('shows a debug var as {"name": value}, structured values indented, and nothing for a skipped debug', () => {
    const lines = render(0, [
      debugEnd('a', 0, 'v', { os: 'Fedora CoreOS' }),
      debugEnd('a', 1, 'w', { disks: ['sda', 'sdb'] }),
      { ...taskEnd('a', 2, 'x', 'skipped', { skipped: true, skipped_reason: 'Verbosity threshold not met.' }), module: 'debug' },
    ]);
    assert.deepEqual(lines, [
      'ok: [a] v => {"os":"Fedora CoreOS"}',
      'ok: [a] w => {',
      '      "disks": [',
      '        "sda",',
      '        "sdb"',
      '      ]',
      '    }',
      'skipping: [a] x',
      '',
    ]);
  });

  it("shows each item of a debug loop, labelled by its item when the result names the loop variable", () => {
    const loop = debugEnd('a', 0, 'each disk', {
      msg: 'All items completed',
      results: [
        { changed: false, failed: false, msg: 'sda: 100G', disk: 'sda', ansible_loop_var: 'disk' },
        { changed: false, failed: false, skipped: true, disk: 'sdb', ansible_loop_var: 'disk' },
        { changed: false, failed: false, msg: 'sdc: 2T', item: 'sdc' },
      ],
    });
    assert.deepEqual(render(0, [loop]), ['ok: [a] each disk (item=sda) => sda: 100G', 'ok: [a] each disk => sdc: 2T', '']);
    // At -vv the whole result, as for any task.
    assert.match(render(2, [loop])[0]!, /^ok: \[a\] each disk => \{"changed":false,.*"results":\[/);
  });

  it('colors lines by state when color is on', () => {
    const stream = new FakeStream();
    const out = createOutput({ mode: 'lines', stream, color: true, verbosity: 0 });
    out.consume(taskEnd('a', 0, 't', 'changed'));
    out.consume(taskEnd('b', 0, 't', 'failed', { msg: 'x' }));
    assert.equal(stream.writes[0], '\u001b[0;33mchanged: [a] t\u001b[0m\n');
    assert.equal(stream.writes[1], '\u001b[0;31mfailed: [b] t: x\u001b[0m\n');
    // Each line of a multi-line message carries its own color.
    out.consume(debugEnd('a', 1, 'd', { msg: 'one\ntwo' }));
    assert.equal(stream.writes[2], '\u001b[0;32mok: [a] d => one\u001b[0m\n\u001b[0;32m    two\u001b[0m\n');
  });

  it('warns about an interrupt', () => {
    const lines = render(0, [{ kind: 'interrupt', phase: 'graceful', signal: 'SIGINT' }]);
    assert.match(lines[0]!, /^\[WARNING\]: SIGINT: no new steps start/);
  });
});
