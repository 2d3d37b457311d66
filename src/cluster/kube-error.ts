// One line for every failed call to the cluster: the verb, the object, the Kubernetes Status
// (code, reason, message) and what to check, e.g.
// "cluster: GET secret openshift-machine-api/worker-user-data-managed: 403 Forbidden: …; check …".

import { STATUS_CODES } from 'node:http';
import { ApiException } from '@kubernetes/client-node';
import { FleetbootError, errorMessage } from '../core/errors.js';

/** What a call was about, for its error message and its hint. */
export interface KubeTarget {
  verb: 'GET' | 'LIST' | 'WATCH' | 'PUT';
  /** Singular kind as kubectl names it: `secret`, `configmap`, `clusterversion`, `certificatesigningrequest`, `node`. */
  kind: string;
  /** Plural resource for RBAC hints: `secrets`, `certificatesigningrequests/approval`. */
  resource: string;
  namespace?: string;
  name?: string;
}

export class KubeApiError extends FleetbootError {
  /** HTTP status, or undefined when no answer came (connection refused, TLS, timeout). */
  readonly status: number | undefined;
  readonly reason: string | undefined;
  constructor(message: string, status: number | undefined, reason: string | undefined, cause?: unknown) {
    super(message, undefined, { cause });
    this.status = status;
    this.reason = reason;
  }
}

function where(t: KubeTarget): string {
  const name = t.name ? (t.namespace ? `${t.namespace}/${t.name}` : t.name) : t.namespace ? `in ${t.namespace}` : '';
  return `${t.verb} ${t.kind}${name ? ` ${name}` : ''}`;
}

const RBAC_VERB: Record<KubeTarget['verb'], string> = { GET: 'get', LIST: 'list', WATCH: 'watch', PUT: 'update' };

function hint(t: KubeTarget, status: number): string {
  const scope = t.namespace ? ` in namespace ${t.namespace}` : ' (cluster-scoped)';
  if (status === 401) return "the API server refused the kubeconfig's credentials; renew the token or client certificate";
  if (status === 403) {
    const verb = t.resource.endsWith('/approval') ? 'update' : RBAC_VERB[t.verb];
    return `check the kubeconfig's user has ${verb} on ${t.resource}${scope}`;
  }
  if (status === 404) return `check that the ${t.kind} exists${t.namespace ? ` in ${t.namespace}` : ''} and the kubeconfig points at the right cluster`;
  if (status === 409) return 'it changed meanwhile; read it again and retry';
  if (status === 410) return 'the resourceVersion is too old; list again';
  if (status === 429 || status >= 500) return 'the API server is busy or failing; retry later';
  return 'see the API server message';
}

/** A Status object's fields, from a body that may be a JSON string, an object or nothing. */
export function parseStatus(body: unknown): { code?: number; reason?: string; message?: string } {
  let v: unknown = body;
  if (typeof body === 'string') {
    try {
      v = JSON.parse(body);
    } catch {
      const first = body.trim().split('\n')[0]?.slice(0, 300);
      return first ? { message: first } : {};
    }
  }
  if (!v || typeof v !== 'object') return {};
  const o = v as Record<string, unknown>;
  return {
    ...(typeof o.code === 'number' ? { code: o.code } : {}),
    ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
    ...(typeof o.message === 'string' ? { message: o.message } : {}),
  };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The error for an HTTP answer `status` with the Status `body`. */
export function statusError(t: KubeTarget, status: number, body: unknown, cause?: unknown): KubeApiError {
  const st = parseStatus(body);
  const text = STATUS_CODES[status] ?? 'Error';
  const msg = st.message ? `: ${oneLine(st.message)}` : '';
  return new KubeApiError(`cluster: ${where(t)}: ${status} ${text}${msg}; ${hint(t, status)}`, status, st.reason, cause);
}

/** Any failure of a call (an ApiException, a network error) as a KubeApiError. */
export function kubeError(t: KubeTarget, server: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) return statusError(t, err.code, err.body, err);
  const code = (err as { statusCode?: unknown; code?: unknown } | null)?.statusCode;
  if (typeof code === 'number') return statusError(t, code, undefined, err);
  const what = oneLine(errorMessage(err));
  return new KubeApiError(
    `cluster: ${where(t)}: no answer from ${server}: ${what}; check the kubeconfig's server and that the API server is up`,
    undefined,
    undefined,
    err,
  );
}
