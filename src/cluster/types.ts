// The names of the cluster-joining domain: a CertificateSigningRequest as the Kubernetes API
// returns it, a node's identity as the inventory gives it, and the verdict the CSR rules reach.
// The rules themselves are in csr-rules.ts; docs in ../shared/reference/csr-rules.md (section 5).

/** Signer of the kubelet's client certificate (bootstrap and rotation). */
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Signer of the kubelet's serving certificate. */
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
/** The requester of a bootstrap client CSR: OpenShift's shared node-bootstrapper token. */
export const NODE_BOOTSTRAPPER = 'system:serviceaccount:openshift-machine-config-operator:node-bootstrapper';
/** The exact groups the API server gives the node-bootstrapper. */
export const NODE_BOOTSTRAPPER_GROUPS: readonly string[] = [
  'system:serviceaccounts:openshift-machine-config-operator',
  'system:serviceaccounts',
  'system:authenticated',
];
/** Groups a kubelet authenticated with its node certificate has (serving CSRs need both). */
export const NODE_GROUPS: readonly string[] = ['system:nodes', 'system:authenticated'];
/** Prefix of a node's user name and of the CN of its certificates. */
export const NODE_USER_PREFIX = 'system:node:';
/** The one O a kubelet certificate carries. */
export const NODES_ORGANIZATION = 'system:nodes';

/** One condition of `status.conditions` (Approved, Denied, Failed). */
export interface CsrCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/**
 * A `certificates.k8s.io/v1` CertificateSigningRequest as the API returns it. `spec.username`,
 * `uid`, `groups` and `extra` are set by the API server from the authenticated requester, so the
 * rules may trust them; `metadata.name`, labels and annotations are the requester's choice and
 * decide nothing.
 */
export interface CertificateSigningRequest {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    uid?: string;
    resourceVersion?: string;
    /** RFC 3339 as on the wire; a Date where @kubernetes/client-node has already converted it. */
    creationTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    /** Base64 of a PEM `CERTIFICATE REQUEST` (the JSON form of Go's []byte). */
    request: string;
    signerName: string;
    usages?: string[];
    username?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
    expirationSeconds?: number;
  };
  status?: {
    conditions?: CsrCondition[];
    /** Base64 of the issued PEM certificate, once signed. */
    certificate?: string;
  };
}

/**
 * Who a node is, from its inventory host (node-identity.ts builds it). Every DNS name is
 * lowercase (DNS SANs compare case-insensitively); `nodeName` is kept exactly as written
 * (node names compare exactly); IPs are in canonical text form (IPv6 compressed, lowercase).
 */
export interface NodeIdentity {
  /** The inventory hostname. */
  host: string;
  /** `node_name`, default the inventory hostname: the Node's name and the CN's suffix. */
  nodeName: string;
  /** `node_name` (unless it is an IP), `node_dns_names`, and `ansible_host` when it is a DNS name. */
  dnsNames: string[];
  /** `node_ips`, and `ansible_host` when it is an IP address. */
  ips: string[];
  /** The host's BMC address (`bmc.address`), kept only so it can be refused as a node address. */
  bmcAddress?: string;
}

/** The kind of CSR, from its signer. */
export type CsrKind = 'client' | 'serving' | 'other';

/**
 * Each rule a CSR can fail (csr-rules.ts, in the order it checks them):
 * - `signer`: not one of the two kubelet signers (not ours; never denied)
 * - `not-pending`: already approved, denied, failed or issued
 * - `requester`: spec.username is not the bootstrapper (client) or a node (serving): not ours
 * - `unknown-node`: the node it names is not the `node_name` of any inventory host: not ours
 * - `groups`: spec.groups are not the bootstrapper's exact three / lack system:nodes or system:authenticated
 * - `usages`: duplicates, or not one of the two usage sets of its kind
 * - `expiration`: spec.expirationSeconds above 367 days
 * - `pem`: spec.request is not base64 of exactly one PEM `CERTIFICATE REQUEST` block holding one PKCS#10
 * - `signature`: the PKCS#10 self-signature does not verify
 * - `subject`: not exactly O=system:nodes plus one CN `system:node:<name>`
 * - `node-name`: the serving CSR's CN is not its requester
 * - `sans`: client: any SAN; serving: none, one of a kind other than DNS/IP, or one not the host's
 * - `extensions`: an extension other than subjectAltName (client: any), or a PKCS#10 attribute
 *   other than the extension request
 * - `node-exists`: client: the Node already exists; serving: the Node does not exist yet
 * - `already-approved`: a client CSR for this host was approved in this install attempt
 * - `created-before-install`: created before the host's install began (−10 s), or no start known
 * - `too-old`: created more than 2 h after the host's install began
 * - `duplicate-claim`: another pending bootstrap CSR claims the same node (approve neither)
 */
export type CsrRuleId =
  | 'signer'
  | 'not-pending'
  | 'requester'
  | 'unknown-node'
  | 'groups'
  | 'usages'
  | 'expiration'
  | 'pem'
  | 'signature'
  | 'subject'
  | 'node-name'
  | 'sans'
  | 'extensions'
  | 'node-exists'
  | 'already-approved'
  | 'created-before-install'
  | 'too-old'
  | 'duplicate-claim';

export const CSR_RULE_IDS: readonly CsrRuleId[] = [
  'signer',
  'not-pending',
  'requester',
  'unknown-node',
  'groups',
  'usages',
  'expiration',
  'pem',
  'signature',
  'subject',
  'node-name',
  'sans',
  'extensions',
  'node-exists',
  'already-approved',
  'created-before-install',
  'too-old',
  'duplicate-claim',
];

interface VerdictBase {
  /** metadata.name of the CSR judged (for the caller to act on; decides nothing). */
  csr: string;
  kind: CsrKind;
  /** The inventory host the CSR concerns, when it names one. */
  host?: string;
  nodeName?: string;
  /** One line, for events and the report: never the PEM, never key material. */
  reason: string;
}

export interface CsrApproveVerdict extends VerdictBase {
  action: 'approve';
  kind: 'client' | 'serving';
  host: string;
  nodeName: string;
}

export interface CsrRefuseVerdict extends VerdictBase {
  /** `deny` only when the operator asked for it and the CSR claims one of the inventory's nodes. */
  action: 'leave' | 'deny';
  /** The first rule it failed. */
  rule: CsrRuleId;
  /** For `duplicate-claim`: the names of the other CSRs claiming the same node. */
  others?: string[];
}

export type CsrVerdict = CsrApproveVerdict | CsrRefuseVerdict;
