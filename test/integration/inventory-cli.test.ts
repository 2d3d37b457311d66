// `fleetboot inventory list` prints what `ansible-inventory --list` prints, to the byte, on the
// same files (recorded with ansible-core 2.14 beside each fixture), and `graph` likewise.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../helpers/cli.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'inventory');
const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('fleetboot inventory (CLI) against recorded ansible-inventory output', function () {
  this.timeout(60_000);
  for (const name of cases) {
    const dir = join(FIXTURES, name);
    const { sources } = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { sources: string[] };
    const args = sources.flatMap((s) => ['-i', s]);

    it(`${name}: list --json equals ansible-inventory --list`, async () => {
      const r = await runCli(['inventory', 'list', '--json', ...args], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, readFileSync(join(dir, 'expected-list.json'), 'utf8'));
    });

    it(`${name}: graph equals ansible-inventory --graph`, async () => {
      const r = await runCli(['inventory', 'graph', ...args], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, readFileSync(join(dir, 'expected-graph.txt'), 'utf8'));
    });
  }

  it('validate reports every error, one line each, exit 4', async () => {
    const r = await runCli(['inventory', 'validate', '-i', join(ROOT, 'test', 'fixtures', 'inventory-bad', 'two-errors.yml')]);
    assert.equal(r.code, 4);
    const errors = r.stderr.trim().split('\n').filter((l) => l.startsWith('ERROR!'));
    assert.equal(errors.length, 2, r.stderr);
    assert.match(errors[0]!, /two-errors\.yml:\d+:\d+: /);
    assert.doesNotMatch(r.stderr, /hunter2/);
  });
});
