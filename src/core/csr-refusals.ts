// The CSRs a run or an approver did not approve, as the recap and summary.json list them: the last
// word on each, by name (one approved later is dropped).

import type { CsrDecisionEvent } from './events.js';

/** A CSR not approved, as the recap and summary.json list it. */
export type CsrRefusal = Pick<CsrDecisionEvent, 'csr' | 'csrKind' | 'host' | 'node' | 'rule' | 'reason' | 'names'> & { outcome: 'left' | 'denied' | 'failed' };

/** Keeps the last word on each CSR not approved, by name (approved later: dropped). */
export function noteCsrRefusal(book: Map<string, CsrRefusal>, e: CsrDecisionEvent): void {
  if (e.outcome === 'approved' || e.outcome === 'ignored') {
    book.delete(e.csr);
    return;
  }
  const { csr, csrKind, host, node, rule, reason, names } = e;
  book.set(csr, { csr, csrKind, outcome: e.outcome, reason, ...(host !== undefined ? { host } : {}), ...(node !== undefined ? { node } : {}), ...(rule !== undefined ? { rule } : {}), ...(names !== undefined ? { names } : {}) });
}

