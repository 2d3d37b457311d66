// What became of one CSR, as the approver and cluster.join say it, and that as the one event
// (`csr.decision`) the output, the recap and summary.json read.

import type { CsrDecisionEvent } from '../core/events.js';
import type { CsrVerdict } from './types.js';

/** What became of one CSR (reported once per CSR and rule). */
export interface CsrDecision {
  /**
   * `approved`/`denied`: this approver wrote the condition; `left`: a rule failed and the CSR stays
   * pending; `ignored`: not fleetboot's to judge (another signer, a node renewing its own client
   * certificate, which kube-controller-manager approves); `failed`: the API refused the approval.
   */
  outcome: 'approved' | 'denied' | 'left' | 'ignored' | 'failed';
  verdict: CsrVerdict;
  /** From the CSR's creation to its approval, in ms (approved only). */
  latencyMs?: number;
  error?: string;
  /** For a CSR that claims no inventory node: the inventory host whose names or addresses it asks for. */
  names?: string;
}

export function decisionEvent(d: CsrDecision): CsrDecisionEvent {
  const v = d.verdict;
  return {
    kind: 'csr.decision',
    outcome: d.outcome,
    csr: v.csr,
    csrKind: v.kind,
    ...(v.host !== undefined ? { host: v.host } : {}),
    ...(v.nodeName !== undefined ? { node: v.nodeName } : {}),
    ...(v.action !== 'approve' ? { rule: v.rule } : {}),
    reason: v.reason,
    ...(d.latencyMs !== undefined ? { latencyMs: d.latencyMs } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
    ...(d.names !== undefined ? { names: d.names } : {}),
  };
}
