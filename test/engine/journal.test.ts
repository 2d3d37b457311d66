import assert from 'node:assert/strict';
import { hostsToRetry, readJournal } from '../../src/engine/journal.js';

const run = { type: 'run', runId: 'r', ts: 't', playbook: 'p', inventory: [], hosts: ['a', 'b', 'c', 'd'], check: false };

describe('journal', () => {
  it('retries failed, unreachable and unfinished hosts', () => {
    const text = [
      JSON.stringify(run),
      JSON.stringify({ type: 'host', ts: 't', host: 'a', playIndex: 0, outcome: 'ok', final: true }),
      JSON.stringify({ type: 'host', ts: 't', host: 'b', playIndex: 0, outcome: 'failed', final: true }),
      JSON.stringify({ type: 'host', ts: 't', host: 'c', playIndex: 0, outcome: 'ok', final: false }),
    ].join('\n');
    const s = readJournal(text);
    assert.deepEqual(hostsToRetry(s), ['b', 'c', 'd']);
    assert.equal(s.ended, false);
  });
  it('tolerates a torn last line after a kill -9', () => {
    const text = JSON.stringify(run) + '\n' + JSON.stringify({ type: 'host', ts: 't', host: 'a', playIndex: 0, outcome: 'ok', final: true }) + '\n{"type":"ho';
    const s = readJournal(text);
    assert.equal(s.damaged, 1);
    assert.deepEqual(hostsToRetry(s), ['b', 'c', 'd']);
  });
});
