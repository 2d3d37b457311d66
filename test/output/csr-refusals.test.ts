// The CSRs a run did not approve: under the recap (the first 20), in the lines output (approvals at
// -v in a run, always in `fleetboot approve`), and the book that keeps the last word on each.

import assert from 'node:assert/strict';
import { noteCsrRefusal, type CsrRefusal } from '../../src/core/csr-refusals.js';
import type { CsrDecisionEvent } from '../../src/core/events.js';
import { formatRecap, type RecapInput } from '../../src/output/index.js';
import { CSR_REFUSALS_SHOWN } from '../../src/output/recap.js';
import { LinesFormatter } from '../../src/output/lines.js';
import { stats } from './events.js';

const base = (refusals: CsrRefusal[]): RecapInput => ({
  runId: 'r1',
  stats: { 'node-001': stats({ ok: 12, changed: 8 }) },
  outcomes: { 'node-001': 'ok' },
  errors: {},
  exitCode: 0,
  interrupted: false,
  durationMs: 1000,
  csrRefusals: refusals,
});

const decision = (e: Partial<CsrDecisionEvent> & Pick<CsrDecisionEvent, 'csr' | 'outcome'>): CsrDecisionEvent => ({ kind: 'csr.decision', csrKind: 'client', reason: 'r', ...e });

describe('output: CSRs not approved', () => {
  it('lists them under the recap, each with its host (or whose names it asks for), rule and outcome', () => {
    const lines = formatRecap(
      base([
        { csr: 'csr-b', csrKind: 'serving', outcome: 'left', names: 'node-001', rule: 'unknown-node', reason: "serving CSR: node 'intruder' is not an inventory node" },
        { csr: 'node-csr-a', csrKind: 'client', outcome: 'denied', host: 'node-001', node: 'node-001', rule: 'sans', reason: 'client CSR: carries SANs' },
      ]),
      { color: false },
    );
    const at = lines.indexOf('CSRs NOT APPROVED (2; left pending unless denied; summary.json lists them all):');
    assert.ok(at > 0, lines.join('\n'));
    // By host, then by CSR name.
    assert.deepEqual(lines.slice(at + 1, at + 3), [
      "  csr-b serving [asks for node-001's names] rule unknown-node: serving CSR: node 'intruder' is not an inventory node",
      '  node-csr-a client [node-001] rule sans (denied): client CSR: carries SANs',
    ]);
  });

  it(`shows at most ${CSR_REFUSALS_SHOWN} and says how many more`, () => {
    const many = Array.from({ length: 25 }, (_, i): CsrRefusal => ({ csr: `csr-${String(i).padStart(2, '0')}`, csrKind: 'client', outcome: 'left', host: 'node-001', rule: 'duplicate-claim', reason: 'x' }));
    const lines = formatRecap(base(many), { color: false });
    assert.equal(lines.filter((l) => l.startsWith('  csr-')).length, CSR_REFUSALS_SHOWN);
    assert.ok(lines.includes('  … and 5 more'));
  });

  it('shows nothing when every CSR was approved', () => {
    assert.ok(!formatRecap(base([]), { color: false }).some((l) => l.includes('NOT APPROVED')));
  });

  it('keeps the last word on each CSR; one approved later is dropped', () => {
    const book = new Map<string, CsrRefusal>();
    noteCsrRefusal(book, decision({ csr: 'a', outcome: 'left', rule: 'duplicate-claim' }));
    noteCsrRefusal(book, decision({ csr: 'b', outcome: 'left', rule: 'node-exists' }));
    noteCsrRefusal(book, decision({ csr: 'a', outcome: 'approved' }));
    noteCsrRefusal(book, decision({ csr: 'b', outcome: 'denied', rule: 'node-exists' }));
    noteCsrRefusal(book, decision({ csr: 'c', outcome: 'ignored', rule: 'signer' }));
    assert.deepEqual([...book.values()].map((r) => [r.csr, r.outcome]), [['b', 'denied']]);
  });

  it('a run shows approvals at -v only; refusals always, as warnings', () => {
    const approved = decision({ csr: 'node-csr-a', outcome: 'approved', host: 'node-001', node: 'node-001', latencyMs: 2100 });
    const left = decision({ csr: 'node-csr-b', outcome: 'left', host: 'node-001', node: 'node-001', rule: 'duplicate-claim', reason: 'client CSR: two claims' });
    assert.deepEqual(new LinesFormatter({ color: false, verbosity: 0 }).format(approved), []);
    assert.deepEqual(new LinesFormatter({ color: false, verbosity: 1 }).format(approved), ['approved: [node-001] client CSR node-csr-a (node node-001), 2.1 s after it was filed']);
    assert.deepEqual(new LinesFormatter({ color: false, verbosity: 0, showApprovals: true }).format(approved), ['approved: [node-001] client CSR node-csr-a (node node-001), 2.1 s after it was filed']);
    assert.deepEqual(new LinesFormatter({ color: false, verbosity: 0 }).format(left), ['[WARNING]: [node-001] CSR node-csr-b not approved (node node-001): rule duplicate-claim: client CSR: two claims']);
  });
});
