import assert from 'node:assert/strict';
import { formatRecap, type RecapInput } from '../../src/output/index.js';
import { stripAnsi } from '../../src/output/color.js';
import { hostName, stats } from './events.js';

const STARS = '*'.repeat(69); // Ansible's banner: 79 columns less 'PLAY RECAP'

function threeHosts(): RecapInput {
  return {
    runId: '20250101-120000-ab12',
    runDir: '.fleetboot/runs/20250101-120000-ab12',
    stats: {
      'node-002': stats({ ok: 2, failed: 1, ignored: 1 }),
      'node-001': stats({ ok: 3, changed: 1 }),
      'node-003': stats({ unreachable: 1, skipped: 2 }),
    },
    outcomes: { 'node-001': 'ok', 'node-002': 'failed', 'node-003': 'unreachable' },
    errors: { 'node-002': 'install: non-zero return code (rc=1)', 'node-003': 'ping: connection refused' },
    exitCode: 2,
    interrupted: false,
    retryFile: 'site.retry',
    durationMs: 65_000,
    playbook: 'site.yml',
    inventory: ['inventory.yml'],
  };
}

describe('output/recap', () => {
  it("prints Ansible's PLAY RECAP for a small fleet, byte for byte", () => {
    assert.deepEqual(formatRecap(threeHosts(), { color: false }), [
      '',
      `PLAY RECAP ${STARS}`,
      'node-001                   : ok=3    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
      'node-002                   : ok=2    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=1   ',
      'node-003                   : ok=0    changed=0    unreachable=1    failed=0    skipped=2    rescued=0    ignored=0   ',
      '',
      'run 20250101-120000-ab12: .fleetboot/runs/20250101-120000-ab12 (1m05s)',
      'to retry the failed hosts: fleetboot run site.yml -i inventory.yml --retry-failed (or --limit @site.retry)',
      'exit code 2: a host failed',
    ]);
  });

  it("colors as Ansible does: host by its worst state, non-zero counters by theirs", () => {
    const lines = formatRecap(threeHosts(), { color: true });
    assert.equal(
      lines[2],
      '\u001b[0;33mnode-001\u001b[0m                   : \u001b[0;32mok=3   \u001b[0m \u001b[0;33mchanged=1   \u001b[0m ' +
        'unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
    );
    assert.match(lines[3]!, /^\u001b\[0;31mnode-002\u001b\[0m {18} : /);
    assert.match(lines[3]!, /\u001b\[0;31mfailed=1   \u001b\[0m/);
    assert.match(lines[3]!, /\u001b\[1;35mignored=1   \u001b\[0m/);
    assert.match(lines[4]!, /\u001b\[1;31munreachable=1   \u001b\[0m/);
    assert.match(lines[4]!, /\u001b\[0;36mskipped=2   \u001b\[0m/);
    // Same text once the colors are taken out.
    assert.deepEqual(lines.map(stripAnsi), formatRecap(threeHosts(), { color: false }));
  });

  it('widens the banner to the terminal, as Ansible does', () => {
    const [, head] = formatRecap(threeHosts(), { color: false, columns: 120 });
    assert.equal(head, `PLAY RECAP ${'*'.repeat(119 - 'PLAY RECAP'.length)}`);
  });

  it('condenses a 200-host recap: totals, hosts ok, failed and unreachable hosts by name with their error', () => {
    const input: RecapInput = {
      runId: 'r2',
      stats: {},
      outcomes: {},
      errors: {},
      exitCode: 2,
      interrupted: false,
      durationMs: 3_000,
      playbook: 'site.yml',
    };
    for (let i = 1; i <= 200; i++) {
      const h = hostName(i);
      if (i % 50 === 7) {
        input.stats[h] = stats({ ok: 1, failed: 1 });
        input.outcomes[h] = 'failed';
        input.errors[h] = `install: exit 1 on ${h}\nsecond line`;
      } else if (i === 99) {
        input.stats[h] = stats({ unreachable: 1 });
        input.outcomes[h] = 'unreachable';
        input.errors[h] = 'ping: connect ECONNREFUSED';
      } else {
        input.stats[h] = stats({ ok: 3, changed: 1 });
        input.outcomes[h] = 'ok';
      }
    }
    const lines = formatRecap(input, { color: false });
    assert.ok(lines.length < 20, `condensed, got ${lines.length} lines`);
    assert.ok(lines.includes(
      'TOTAL (200 hosts)          : ok=589  changed=195  unreachable=1    failed=4    skipped=0    rescued=0    ignored=0   ',
    ), lines.join('\n'));
    assert.ok(lines.includes('hosts ok: 195 of 200'));
    assert.ok(lines.includes('failed: 4 hosts'));
    for (const i of [7, 57, 107, 157]) {
      assert.ok(lines.includes(`  ${hostName(i).padEnd(24)} : install: exit 1 on ${hostName(i)} | second line`), lines.join('\n'));
    }
    assert.ok(lines.includes('unreachable: 1 host'));
    assert.ok(lines.includes(`  ${'node-0099'.padEnd(24)} : ping: connect ECONNREFUSED`));
    assert.ok(lines.includes('to retry the failed hosts: fleetboot run site.yml -i INVENTORY --retry-failed'));
    assert.equal(lines.at(-1), 'exit code 2: a host failed');
  });

  it('lists hosts that did not finish and says the run was interrupted', () => {
    const input: RecapInput = {
      runId: 'r3',
      stats: {},
      outcomes: {},
      errors: {},
      exitCode: 99,
      interrupted: true,
      durationMs: 1_000,
    };
    for (let i = 1; i <= 60; i++) input.outcomes[hostName(i)] = i <= 48 ? 'ok' : 'interrupted';
    const lines = formatRecap(input, { color: false });
    assert.ok(lines.some((l) => l.startsWith('interrupted: 12 hosts: node-0049, node-0050,') && l.endsWith('… and 2 more')));
    assert.ok(lines.includes('hosts ok: 48 of 60'));
    assert.equal(lines.at(-1), 'exit code 99: interrupted');
  });

  it('names the hosts that did not finish under the per-host table too: their counters look like ok', () => {
    const input = threeHosts();
    input.stats['node-004'] = stats({ ok: 2 });
    input.outcomes['node-004'] = 'pending';
    input.stats['node-005'] = stats({});
    input.outcomes['node-005'] = 'pending';
    input.stats['node-006'] = stats({ ok: 1 });
    input.outcomes['node-006'] = 'interrupted';
    const lines = formatRecap(input, { color: false });
    assert.deepEqual(lines.slice(5, 11), [
      'node-004                   : ok=2    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
      'node-005                   : ok=0    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
      'node-006                   : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
      'interrupted: 1 host: node-006',
      'not finished: 2 hosts: node-004, node-005',
      '',
    ]);
  });

  it('says nothing about retrying when every host ended ok, and quotes paths that need it', () => {
    const ok = formatRecap(
      { runId: 'r', stats: { a: stats({ ok: 1 }) }, outcomes: { a: 'ok' }, errors: {}, exitCode: 0, interrupted: false, durationMs: 10 },
      { color: false },
    );
    assert.ok(!ok.some((l) => l.includes('retry')));
    assert.equal(ok.at(-1), 'exit code 0: all hosts ok');
    const failed = formatRecap(
      {
        runId: 'r',
        stats: { a: stats({ failed: 1 }) },
        outcomes: { a: 'failed' },
        errors: {},
        exitCode: 2,
        interrupted: false,
        durationMs: 10,
        playbook: 'my play.yml',
        inventory: ['inv a.yml', 'b'],
      },
      { color: false },
    );
    assert.ok(failed.includes("to retry the failed hosts: fleetboot run 'my play.yml' -i 'inv a.yml' -i b --retry-failed"));
  });
});
