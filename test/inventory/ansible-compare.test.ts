// fleetboot's `inventory list` and `graph` against what ansible-inventory (ansible-core 2.14)
// printed for the same files, recorded beside each fixture by test/fixtures/inventory/record.sh.

import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatAnsibleList, loadInventory, toAnsibleList, toGraph } from '../../src/inventory/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/inventory/', import.meta.url));

const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe('inventory: same output as ansible-inventory', () => {
  it('has fixtures to compare', () => {
    strictEqual(cases.length >= 4, true);
  });

  for (const name of cases) {
    const dir = join(FIXTURES, name);
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
    const spec = JSON.parse(read('case.json')) as { sources: string[]; graphGroup?: string };
    const sources = spec.sources.map((s) => join(dir, s));

    describe(name, () => {
      it('--list: the same JSON', async () => {
        const inv = await loadInventory(sources);
        deepStrictEqual(JSON.parse(JSON.stringify(toAnsibleList(inv))), JSON.parse(read('expected-list.json')));
      });

      it('--list: the same text', async () => {
        strictEqual(formatAnsibleList(await loadInventory(sources)), read('expected-list.json'));
      });

      it('--graph: the same text', async () => {
        strictEqual(toGraph(await loadInventory(sources)), read('expected-graph.txt'));
      });

      it('--graph --vars: the same text', async () => {
        strictEqual(toGraph(await loadInventory(sources), 'all', true), read('expected-graph-vars.txt'));
      });

      const group = spec.graphGroup;
      if (group !== undefined) {
        it(`--graph ${group}: the same text`, async () => {
          strictEqual(toGraph(await loadInventory(sources), group), read('expected-graph-group.txt'));
        });
      }
    });
  }
});
