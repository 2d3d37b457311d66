// What fleetboot writes into the conditions it adds to a CSR: one reason per decision, and a
// message naming who decided and what was checked, so whoever reads the CSR later (`oc describe
// csr`) knows. cluster.join and `fleetboot approve` write the same words.

import type { CsrRuleId } from './types.js';

export const APPROVE_REASON = 'FleetbootApprove';
export const DENY_REASON = 'FleetbootDeny';

const CHECKS: Readonly<Record<'client' | 'serving', string>> = {
  client:
    'requester and groups, signer, usages, the PKCS#10 signature, subject, no SANs or extensions, creation after the install began, no Node yet, the only pending claim',
  serving: "requester and groups, signer, usages, the PKCS#10 signature, subject, every SAN one of the host's inventory names or IPs, the Node registered",
};

/** `by` is who approves: `fleetboot run <id>` or `fleetboot approve (<where>)`. */
export function approvalMessage(by: string, kind: 'client' | 'serving', host: string, nodeName: string): string {
  return `approved by ${by} for inventory host ${host} (node ${nodeName}) after checking ${CHECKS[kind]}`;
}

export function denialMessage(by: string, host: string, rule: CsrRuleId, reason: string): string {
  return `denied by ${by} for inventory host ${host}: ${rule}: ${reason}`;
}

