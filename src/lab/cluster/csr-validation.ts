// The API server's rules for CertificateSigningRequests (pure): what a create must carry
// (pkg/apis/certificates/validation), what the /approval subresource may change, and what the
// kubelet signers accept before they issue (pkg/apis/certificates/helpers.go).

import type { StatusCause } from './api-error.js';
import type { ParsedCsr } from './csr-parse.js';

export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const LEGACY_SIGNER = 'kubernetes.io/legacy-unknown';

export const KNOWN_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

const cause = (field: string, message: string, reason = 'FieldValueInvalid'): StatusCause => ({ field, message, reason });

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** signerName: `domain/path`, the domain fully qualified, not the legacy signer. */
export function validateSignerName(name: unknown): StatusCause[] {
  const field = 'spec.signerName';
  if (typeof name !== 'string' || name === '') return [cause(field, 'Required value', 'FieldValueRequired')];
  if (name === LEGACY_SIGNER) return [cause(field, `Invalid value: "${name}": the legacy signerName is not allowed via this API version`)];
  const slash = name.indexOf('/');
  const domain = slash > 0 ? name.slice(0, slash) : '';
  const path = slash > 0 ? name.slice(slash + 1) : '';
  const ok = domain.includes('.') && domain.length <= 253 && DNS_SUBDOMAIN.test(domain) && path !== '' && path.length <= 571 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?(\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)*$/.test(path);
  return ok ? [] : [cause(field, `Invalid value: "${name}": must be a fully qualified domain and path of the form 'example.com/signer-name'`)];
}

export function validateUsages(usages: unknown): StatusCause[] {
  if (!Array.isArray(usages) || usages.length === 0) return [cause('spec.usages', 'Required value: usages must be provided', 'FieldValueRequired')];
  const out: StatusCause[] = [];
  const seen = new Set<unknown>();
  usages.forEach((u: unknown, i) => {
    const field = `spec.usages[${i}]`;
    if (typeof u !== 'string' || !(KNOWN_USAGES as readonly string[]).includes(u)) {
      out.push(cause(field, `Unsupported value: ${JSON.stringify(u)}: supported values: ${KNOWN_USAGES.map((k) => `"${k}"`).join(', ')}`, 'FieldValueNotSupported'));
    } else if (seen.has(u)) out.push(cause(field, `Duplicate value: "${u}"`, 'FieldValueDuplicate'));
    seen.add(u);
  });
  return out;
}

/** Create-time rules other than the request itself (its parse and signature are checked by the caller). */
export function validateCreateSpec(spec: Record<string, unknown>): StatusCause[] {
  const out = [...validateSignerName(spec.signerName), ...validateUsages(spec.usages)];
  const exp = spec.expirationSeconds;
  if (exp !== undefined && exp !== null) {
    if (typeof exp !== 'number' || !Number.isInteger(exp)) out.push(cause('spec.expirationSeconds', `Invalid value: ${JSON.stringify(exp)}: must be a whole number of seconds`));
    else if (exp < 600) out.push(cause('spec.expirationSeconds', `Invalid value: ${exp}: may not specify a duration less than 600 seconds (10 minutes)`));
  }
  return out;
}

const SINGLE = new Set(['Approved', 'Denied', 'Failed']);

/** status.conditions as a create or an update may leave them. */
export function validateConditions(conditions: unknown): StatusCause[] {
  if (conditions === undefined || conditions === null) return [];
  if (!Array.isArray(conditions)) return [cause('status.conditions', 'Invalid value: must be a list')];
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  conditions.forEach((c: unknown, i) => {
    const f = `status.conditions[${i}]`;
    if (typeof c !== 'object' || c === null) {
      out.push(cause(f, 'Invalid value: must be an object'));
      return;
    }
    const { type, status } = c as Record<string, unknown>;
    if (typeof type !== 'string' || type === '') {
      out.push(cause(`${f}.type`, 'Required value', 'FieldValueRequired'));
      return;
    }
    if (SINGLE.has(type)) {
      if (seen.has(type)) out.push(cause(`${f}.type`, `Duplicate value: "${type}"`, 'FieldValueDuplicate'));
      if (status !== 'True') out.push(cause(`${f}.status`, `Unsupported value: ${JSON.stringify(status ?? '')}: supported values: "True"`, 'FieldValueNotSupported'));
    } else if (status !== 'True' && status !== 'False' && status !== 'Unknown') {
      out.push(cause(`${f}.status`, `Unsupported value: ${JSON.stringify(status ?? '')}: supported values: "False", "True", "Unknown"`, 'FieldValueNotSupported'));
    }
    if (type === 'Denied' && seen.has('Approved')) out.push(cause(`${f}.type`, 'Invalid value: "Denied": Approved and Denied conditions are mutually exclusive'));
    if (type === 'Approved' && seen.has('Denied')) out.push(cause(`${f}.type`, 'Invalid value: "Approved": Approved and Denied conditions are mutually exclusive'));
    seen.add(type);
  });
  return out;
}

/** An /approval update: the new conditions valid, and none of Approved/Denied/Failed removed. */
export function validateApprovalUpdate(oldConditions: readonly Condition[], newConditions: unknown): StatusCause[] {
  const out = validateConditions(newConditions);
  const next = Array.isArray(newConditions) ? (newConditions as unknown[]) : [];
  const types = new Set(next.map((c) => (typeof c === 'object' && c !== null ? (c as Record<string, unknown>).type : undefined)));
  for (const t of SINGLE) {
    if (oldConditions.some((c) => c.type === t) && !types.has(t)) out.push(cause('status.conditions', `Forbidden: updates may not remove a condition of type "${t}"`, 'FieldValueForbidden'));
  }
  return out;
}

/** Fills lastUpdateTime (and lastTransitionTime) where missing, as the strategy does. */
export function stampConditions(conditions: readonly Condition[], old: readonly Condition[], now: string): Condition[] {
  return conditions.map((c) => {
    const before = old.find((o) => o.type === c.type);
    const transition = before && before.status === c.status ? before.lastTransitionTime : undefined;
    return { ...c, lastUpdateTime: c.lastUpdateTime ?? now, lastTransitionTime: c.lastTransitionTime ?? transition ?? now };
  });
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

const CLIENT_USAGES = [
  ['digital signature', 'key encipherment', 'client auth'],
  ['digital signature', 'client auth'],
];
const SERVING_USAGES = [
  ['digital signature', 'key encipherment', 'server auth'],
  ['digital signature', 'server auth'],
];

/**
 * Why the signer of `signerName` refuses to issue for this request (ValidateKubeletClientCSR /
 * ValidateKubeletServingCSR), or undefined when it would sign. Other signers: undefined.
 */
export function signerRefusal(signerName: string, parsed: ParsedCsr, usages: readonly string[]): string | undefined {
  if (signerName !== CLIENT_SIGNER && signerName !== SERVING_SIGNER) return undefined;
  if (!sameSet(parsed.organizations, ['system:nodes'])) return 'subject organization is not system:nodes';
  if (!parsed.commonName?.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (parsed.emails.length > 0) return 'email subjectAltNames are not allowed';
  if (parsed.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (signerName === CLIENT_SIGNER) {
    if (parsed.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
    if (parsed.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
    if (!CLIENT_USAGES.some((set) => sameSet(set, usages))) return `usages did not match [${CLIENT_USAGES.map((s) => s.join(' ')).join('] or [')}]`;
  } else {
    if (parsed.dnsNames.length === 0 && parsed.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
    if (!SERVING_USAGES.some((set) => sameSet(set, usages))) return `usages did not match [${SERVING_USAGES.map((s) => s.join(' ')).join('] or [')}]`;
  }
  return undefined;
}
