// The simulated cluster's API operations, over the store, for an authenticated identity: what
// the HTTPS server calls per request and what the lab's kubelets call in-process. CSRs follow the
// API server's rules (requester fields from the identity, status cleared at create, the request
// parsed and its signature verified, approval conditions validated, resourceVersion conflicts);
// once a kubelet CSR is approved, the lab's signer issues its certificate or fails it.

import type { LabCa } from '../bmc/certs.js';
import { ApiError, alreadyExists, conflict, forbidden, invalid, notFound, type StatusCause } from './api-error.js';
import { authorize, mayApprove, type Access, type Identity, type Verb } from './auth.js';
import { parseCsrRequest } from './csr-parse.js';
import { CLIENT_SIGNER, SERVING_SIGNER, stampConditions, signerRefusal, validateApprovalUpdate, validateCreateSpec, type Condition } from './csr-validation.js';
import { fieldSelector, labelSelector, type Predicate } from './selectors.js';
import { issueCertificate } from './signer.js';
import { findResource, type ResourceDef } from './resources.js';
import { ClusterStore, objectKey, type KubeObject, type WatchEvent } from './store.js';

export const CSR = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests') as ResourceDef;
export const NODES = findResource('', 'v1', 'nodes') as ResourceDef;

export interface ClusterApiOptions {
  /** Signs approved kubelet CSRs. */
  kubeletCa: LabCa;
  /** Changes kept for watches to resume from (default 1,000). */
  historySize?: number;
  log?: (line: string) => void;
}

export interface ListQuery {
  fieldSelector?: string | null;
  labelSelector?: string | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

function conditionsOf(o: KubeObject): Condition[] {
  const status = isObj(o.status) ? o.status : {};
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
}

export function csrSpec(o: KubeObject): Record<string, unknown> {
  return isObj(o.spec) ? o.spec : {};
}

export class ClusterApi {
  readonly store: ClusterStore;
  /** Signings under way (tests and shutdown may wait for them). */
  private readonly signing = new Set<Promise<void>>();

  constructor(private readonly opts: ClusterApiOptions) {
    this.store = new ClusterStore(opts.historySize);
  }

  private access(who: Identity, verb: Verb, def: ResourceDef, name?: string, subresource?: string): Exclude<Access, 'none'> {
    const a = authorize(who, verb, def.resource, subresource, def.group);
    if (a === 'none') throw forbidden(who.username, verb, subresource ? `${def.resource}/${subresource}` : def.resource, def.group, name);
    return a;
  }

  /** Only what the requester asked for itself, for identities that may read nothing else. */
  private ownFilter(who: Identity, access: Exclude<Access, 'none'>): Predicate {
    return access === 'all' ? () => true : (o) => csrSpec(o).username === who.username;
  }

  get(who: Identity, def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const access = this.access(who, 'get', def, name);
    const o = this.store.get(def.resource, objectKey({ name, namespace }));
    if (!o) {
      if (access === 'own') throw forbidden(who.username, 'get', def.resource, def.group, name);
      throw notFound(def.resource, def.group, name);
    }
    if (!this.ownFilter(who, access)(o)) throw forbidden(who.username, 'get', def.resource, def.group, name);
    return o;
  }

  list(who: Identity, def: ResourceDef, namespace: string | undefined, q: ListQuery = {}): KubeObject {
    const access = this.access(who, 'list', def);
    const match = this.matcher(who, access, namespace, q);
    const { items, resourceVersion } = this.store.list(def.resource);
    return { apiVersion: apiVersionOf(def), kind: `${def.kind}List`, metadata: { name: '', resourceVersion: String(resourceVersion) }, items: items.filter(match) };
  }

  /** Follows `def` from `fromRv` (see ClusterStore.watch); throws 410 for a resourceVersion too old. */
  watch(who: Identity, def: ResourceDef, namespace: string | undefined, q: ListQuery, fromRv: number | undefined, onEvent: (e: WatchEvent) => void): () => void {
    const access = this.access(who, 'watch', def);
    const match = this.matcher(who, access, namespace, q);
    return this.store.watch(def.resource, fromRv, (e) => {
      if (match(e.object)) onEvent(e);
    });
  }

  private matcher(who: Identity, access: Exclude<Access, 'none'>, namespace: string | undefined, q: ListQuery): Predicate {
    const own = this.ownFilter(who, access);
    const fields = fieldSelector(q.fieldSelector);
    const labels = labelSelector(q.labelSelector);
    return (o) => (namespace === undefined || o.metadata.namespace === namespace) && own(o) && fields(o) && labels(o);
  }

  /** POST of a CSR: the API server's PrepareForCreate and validation. */
  async createCsr(who: Identity, body: unknown): Promise<KubeObject> {
    this.access(who, 'create', CSR);
    if (!isObj(body)) throw new ApiError(400, 'BadRequest', 'the body of the request was not a JSON object');
    if (body.kind !== undefined && body.kind !== CSR.kind) throw new ApiError(400, 'BadRequest', `the object provided is of kind ${String(body.kind)}, not ${CSR.kind}`);
    const meta = isObj(body.metadata) ? body.metadata : {};
    let name = typeof meta.name === 'string' ? meta.name : '';
    if (!name && typeof meta.generateName === 'string' && meta.generateName) name = `${meta.generateName}${Math.random().toString(36).slice(2, 7)}`;
    if (!name) throw invalid(CSR.kind, CSR.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
    const spec = isObj(body.spec) ? { ...body.spec } : {};
    const causes: StatusCause[] = validateCreateSpec(spec);
    let request: Buffer | undefined;
    if (typeof spec.request !== 'string' || spec.request === '') causes.unshift({ field: 'spec.request', message: 'Required value', reason: 'FieldValueRequired' });
    else {
      request = Buffer.from(spec.request, 'base64');
      try {
        await parseCsrRequest(request);
      } catch (err) {
        causes.unshift({ field: 'spec.request', message: `Invalid value: "<${request.length} bytes>": ${(err as Error).message}`, reason: 'FieldValueInvalid' });
      }
    }
    if (causes.length) throw invalid(CSR.kind, CSR.group, name, causes);
    if (this.store.get(CSR.resource, name)) throw alreadyExists(CSR.resource, CSR.group, name);
    // Whatever the body said: the requester is who authenticated, and nothing starts approved.
    const csr: KubeObject = {
      apiVersion: apiVersionOf(CSR),
      kind: CSR.kind,
      metadata: {
        name,
        ...(isObj(meta.labels) ? { labels: meta.labels as Record<string, string> } : {}),
        ...(isObj(meta.annotations) ? { annotations: meta.annotations as Record<string, string> } : {}),
        ...(typeof meta.generateName === 'string' ? { generateName: meta.generateName } : {}),
      },
      spec: {
        request: spec.request,
        signerName: spec.signerName,
        usages: spec.usages,
        ...(typeof spec.expirationSeconds === 'number' ? { expirationSeconds: spec.expirationSeconds } : {}),
        username: who.username,
        ...(who.uid ? { uid: who.uid } : {}),
        groups: [...who.groups],
        ...(who.extra ? { extra: structuredClone(who.extra) } : {}),
      },
      status: {},
    };
    return this.store.put(CSR.resource, csr);
  }

  /** PUT …/approval: only status.conditions change, validated; a stale resourceVersion is a conflict. */
  updateApproval(who: Identity, name: string, body: unknown): KubeObject {
    this.access(who, 'update', CSR, name, 'approval');
    if (!isObj(body)) throw new ApiError(400, 'BadRequest', 'the body of the request was not a JSON object');
    const meta = isObj(body.metadata) ? body.metadata : {};
    if (meta.name !== undefined && meta.name !== name) throw new ApiError(400, 'BadRequest', `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    const current = this.store.get(CSR.resource, name);
    if (!current) throw notFound(CSR.resource, CSR.group, name);
    const rv = meta.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw conflict(CSR.resource, CSR.group, name);
    const status = isObj(body.status) ? body.status : {};
    const next = status.conditions ?? [];
    const old = conditionsOf(current);
    const causes = validateApprovalUpdate(old, next);
    if (causes.length) throw invalid(CSR.kind, CSR.group, name, causes);
    const signer = String(csrSpec(current).signerName ?? '');
    // As the CertificateApproval admission: any update of /approval needs `approve` on the signer.
    if (!mayApprove(who, signer)) {
      throw new ApiError(403, 'Forbidden', `${CSR.resource}.${CSR.group} "${name}" is forbidden: user not permitted to approve requests with signerName "${signer}"`, { name, group: CSR.group, kind: CSR.resource });
    }
    const conditions = stampConditions(next as Condition[], old, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    const updated = this.store.put(CSR.resource, { ...current, status: { ...(isObj(current.status) ? current.status : {}), conditions } });
    const approvedNow = conditions.some((c) => c.type === 'Approved') && !old.some((c) => c.type === 'Approved');
    if (approvedNow && !conditions.some((c) => c.type === 'Denied')) this.startSigning(name);
    return updated;
  }

  delete(who: Identity, def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    this.access(who, 'delete', def, name);
    const gone = this.store.delete(def.resource, objectKey({ name, namespace }));
    if (!gone) throw notFound(def.resource, def.group, name);
    return gone;
  }

  /** Waits for the signings under way (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.signing.size) await Promise.all([...this.signing]);
  }

  private startSigning(name: string): void {
    const p = this.sign(name)
      .catch((err: unknown) => this.opts.log?.(`cluster: signing ${name} failed in the lab: ${String(err)}`))
      .finally(() => this.signing.delete(p));
    this.signing.add(p);
  }

  /** The kubelet signers: a certificate, or Failed/SignerValidationFailure when the request breaks their rules. */
  private async sign(name: string): Promise<void> {
    const csr = this.store.get(CSR.resource, name);
    if (!csr) return;
    const spec = csrSpec(csr);
    const signer = String(spec.signerName);
    // Only the kubelet signers run in the lab: other approved CSRs stay unissued.
    if (signer !== CLIENT_SIGNER && signer !== SERVING_SIGNER) return;
    const usages = Array.isArray(spec.usages) ? spec.usages.filter((u): u is string => typeof u === 'string') : [];
    const parsed = await parseCsrRequest(Buffer.from(String(spec.request), 'base64'));
    const refusal = signerRefusal(signer, parsed, usages);
    const refused = refusal !== undefined;
    const certificate = refused ? undefined : await issueCertificate(this.opts.kubeletCa, parsed, usages, typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : undefined);
    const latest = this.store.get(CSR.resource, name);
    if (!latest) return;
    const status = isObj(latest.status) ? latest.status : {};
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const next = refused
      ? { ...status, conditions: [...conditionsOf(latest), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refusal, lastUpdateTime: now, lastTransitionTime: now }] }
      : { ...status, certificate: Buffer.from(certificate ?? '').toString('base64') };
    this.store.put(CSR.resource, { ...latest, status: next });
    this.opts.log?.(`cluster: ${name} ${refused ? `failed: ${refusal}` : 'signed'}`);
  }
}
