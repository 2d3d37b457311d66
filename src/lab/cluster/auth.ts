// Who may call the simulated cluster: bearer tokens the lab hands out, each standing for one
// identity (user, uid, groups), and the few authorization rules the lab needs — the admin may do
// everything; the node-bootstrapper and nodes may create CSRs and read their own; nodes may read
// Nodes; a service account may do what the RBAC rules bound to it say (as a ClusterRole's rules,
// the `approve` verb on signers included); nobody else approves.

import { randomBytes, randomUUID } from 'node:crypto';

/** One rule of a ClusterRole, as RBAC reads it (`*` matches anything; resources may name a subresource, `a/b`). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Identity {
  username: string;
  uid: string;
  groups: string[];
  extra?: Record<string, string[]>;
  /** What a ClusterRoleBinding grants this identity (service accounts the lab makes). */
  rules?: PolicyRule[];
}

export const BOOTSTRAPPER_USER = 'system:serviceaccount:openshift-machine-config-operator:node-bootstrapper';
export const BOOTSTRAPPER_GROUPS = ['system:serviceaccounts:openshift-machine-config-operator', 'system:serviceaccounts', 'system:authenticated'];
export const NODE_GROUPS = ['system:nodes', 'system:authenticated'];
export const ADMIN_USER = 'system:admin';

export function adminIdentity(): Identity {
  return { username: ADMIN_USER, uid: '', groups: ['system:masters', 'system:authenticated'] };
}

export function bootstrapperIdentity(uid: string = randomUUID()): Identity {
  return { username: BOOTSTRAPPER_USER, uid, groups: [...BOOTSTRAPPER_GROUPS], extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${randomUUID()}`] } };
}

export function serviceAccountIdentity(namespace: string, name: string, rules: PolicyRule[]): Identity {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    uid: randomUUID(),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    rules,
  };
}

export function nodeIdentity(node: string): Identity {
  return { username: `system:node:${node}`, uid: '', groups: [...NODE_GROUPS] };
}

/** Bearer tokens → identities. Tokens are random and live as long as the lab. */
export class TokenBook {
  private readonly byToken = new Map<string, Identity>();

  issue(identity: Identity): string {
    const token = randomBytes(24).toString('base64url');
    this.byToken.set(token, identity);
    return token;
  }

  /** The identity of an `Authorization` header's bearer token, if it is one of ours. */
  authenticate(header: string | undefined): Identity | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return m?.[1] ? this.byToken.get(m[1]) : undefined;
  }
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'delete';

/** What `who` may see of a resource for `verb`: everything, only what it requested itself, or nothing. */
export type Access = 'all' | 'own' | 'none';

/** True when one of `rules` allows `verb` on `group`/`resource` (named `name`, when the rule names any). */
export function rulesAllow(rules: readonly PolicyRule[], verb: string, group: string, resource: string, name?: string): boolean {
  const has = (list: readonly string[], v: string): boolean => list.includes('*') || list.includes(v);
  return rules.some(
    (r) =>
      has(r.verbs, verb) &&
      has(r.apiGroups, group) &&
      has(r.resources, resource) &&
      (!r.resourceNames?.length || (name !== undefined && r.resourceNames.some((n) => n === name || (n.endsWith('/*') && name.startsWith(n.slice(0, -1)))))),
  );
}

/**
 * The CertificateApproval admission's check: approving or denying a CSR needs `approve` on its
 * signer (`signers`, resource name the signer or `<domain>/*`).
 */
export function mayApprove(who: Identity, signerName: string): boolean {
  if (who.groups.includes('system:masters')) return true;
  return rulesAllow(who.rules ?? [], 'approve', 'certificates.k8s.io', 'signers', signerName);
}

export function authorize(who: Identity, verb: Verb, resource: string, subresource?: string, group = ''): Access {
  if (who.groups.includes('system:masters')) return 'all';
  if (who.rules && rulesAllow(who.rules, verb, group, subresource ? `${resource}/${subresource}` : resource)) return 'all';
  const isNode = who.groups.includes('system:nodes') && who.username.startsWith('system:node:');
  const isBootstrapper = who.username === BOOTSTRAPPER_USER;
  if (resource === 'certificatesigningrequests' && (isNode || isBootstrapper) && subresource === undefined) {
    if (verb === 'create') return 'all';
    if (verb === 'get' || verb === 'list' || verb === 'watch') return 'own';
  }
  if (resource === 'nodes' && isNode && (verb === 'get' || verb === 'list' || verb === 'watch')) return 'all';
  return 'none';
}
