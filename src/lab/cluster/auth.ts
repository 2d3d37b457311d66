// Who may call the simulated cluster: bearer tokens the lab hands out, each standing for one
// identity (user, uid, groups), and the few authorization rules the lab needs — the admin may do
// everything; the node-bootstrapper and nodes may create CSRs and read their own; nodes may read
// Nodes; only the admin approves.

import { randomBytes, randomUUID } from 'node:crypto';

export interface Identity {
  username: string;
  uid: string;
  groups: string[];
  extra?: Record<string, string[]>;
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

export function authorize(who: Identity, verb: Verb, resource: string, subresource?: string): Access {
  if (who.groups.includes('system:masters')) return 'all';
  const isNode = who.groups.includes('system:nodes') && who.username.startsWith('system:node:');
  const isBootstrapper = who.username === BOOTSTRAPPER_USER;
  if (resource === 'certificatesigningrequests' && (isNode || isBootstrapper) && subresource === undefined) {
    if (verb === 'create') return 'all';
    if (verb === 'get' || verb === 'list' || verb === 'watch') return 'own';
  }
  if (resource === 'nodes' && isNode && (verb === 'get' || verb === 'list' || verb === 'watch')) return 'all';
  return 'none';
}
