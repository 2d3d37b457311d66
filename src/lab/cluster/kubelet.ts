// A lab host's kubelet joining the cluster, as a real one does (kubernetes
// pkg/kubelet/certificate/bootstrap): an ECDSA P-256 key, a client CSR as the node-bootstrapper
// (O=system:nodes, CN=system:node:NAME, no SANs, kubelet >= 1.27 usages), waiting for its
// certificate; the Node registered NotReady; a serving CSR as system:node:NAME with the host's
// name and address as SANs; once that one is issued, the Node turns Ready after a delay.

import { createHash, webcrypto } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import * as x509 from '@peculiar/x509';
import { ApiError } from './api-error.js';
import { CSR, type ClusterApi } from './api.js';
import { BOOTSTRAPPER_USER, bootstrapperIdentity, nodeIdentity, type Identity } from './auth.js';
import { CLIENT_SIGNER, SERVING_SIGNER } from './csr-validation.js';
import type { KubeObject } from './store.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** lab-timing.md's quick profile: one real second is 100/60 ms. */
export const QUICK_MS_PER_SECOND = 100 / 60;

export interface KubeletNode {
  name: string;
  /** aarch64 or x86_64. */
  arch: string;
  address: string;
}

export interface KubeletTiming {
  /** Client certificate issued → serving CSR created (real ~10 s). */
  servingCsrMs: number;
  /** Serving certificate issued → Node Ready (real ~120 s). */
  readyMs: number;
}

export const QUICK_KUBELET: KubeletTiming = { servingCsrMs: Math.round(10 * QUICK_MS_PER_SECOND), readyMs: Math.round(120 * QUICK_MS_PER_SECOND) };

/** What goes wrong around one kubelet (the faults file's kubelet_* and csr_impostor). */
export interface KubeletFaults {
  neverReady?: boolean;
  /** Extra ms before Ready. */
  readyMs?: number;
  /** Ms after Ready until a client rotation CSR, filed as the node itself. */
  rotateMs?: number;
  /** An impostor CSR beside the kubelet's own client or serving CSR. */
  impostor?: 'client' | 'serving';
}

export interface KubeletHooks {
  /** Registers or updates the host's Node (Ready or not). */
  setNode(node: KubeletNode, ready: boolean): void;
  log?: (line: string) => void;
  faults?: KubeletFaults;
}

export interface KubeletResult {
  clientCsr: string;
  servingCsr: string;
  ready: boolean;
  impostorCsr?: string;
  rotationCsr?: string;
}

const pem = (der: ArrayBuffer, label: string): string => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END ${label}-----\n`;

/** A PKCS#10 request as a kubelet makes it, PEM. */
export async function kubeletCsrPem(keys: webcrypto.CryptoKeyPair, node: string, sans: { dns?: string[]; ips?: string[] } = {}): Promise<string> {
  const names = [...(sans.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(sans.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: ['system:nodes'] }, { CN: [`system:node:${node}`] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return pem(req.rawData, 'CERTIFICATE REQUEST');
}

export function newKubeletKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

/** Resolves with the issued certificate's PEM; rejects when the CSR is denied, failed or deleted, or on `signal`. */
export function waitIssued(api: ClusterApi, who: Identity, created: KubeObject, signal?: AbortSignal): Promise<string> {
  const name = created.metadata.name;
  return new Promise((resolve, reject) => {
    let stop: (() => void) | undefined;
    let done = false;
    const finish = (err: Error | undefined, pemText?: string): void => {
      if (done) return;
      done = true;
      stop?.();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(pemText ?? '');
    };
    const onAbort = (): void => finish(new Error(`stopped waiting for ${name}`));
    signal?.addEventListener('abort', onAbort);
    const check = (o: KubeObject, type: string): void => {
      const status = (o.status ?? {}) as { certificate?: string; conditions?: Array<{ type: string; reason?: string; message?: string }> };
      if (type === 'DELETED') return finish(new Error(`${name} was deleted`));
      const bad = status.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (bad) return finish(new Error(`${name} ${bad.type.toLowerCase()}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim()));
      if (status.certificate) finish(undefined, Buffer.from(status.certificate, 'base64').toString('utf8'));
    };
    try {
      stop = api.watch(who, CSR, undefined, { fieldSelector: `metadata.name=${name}` }, Number(created.metadata.resourceVersion) - 1, (e) => check(e.object, e.type));
    } catch (err) {
      // History gone already: a fresh watch from now lists the object first.
      if (!(err instanceof ApiError)) throw err;
      stop = api.watch(who, CSR, undefined, { fieldSelector: `metadata.name=${name}` }, undefined, (e) => check(e.object, e.type));
    }
    if (done) stop();
  });
}

/** The client CSR's name as a kubelet derives it: from the key, the subject and the usages. */
function bootstrapCsrName(publicKeyDer: ArrayBuffer, node: string, usages: readonly string[]): string {
  const h = createHash('sha512').update(Buffer.from(publicKeyDer)).update(`O=system:nodes,CN=system:node:${node}`).update(usages.join(',')).digest('base64url');
  return `node-csr-${h.slice(0, 43)}`;
}

/** A client CSR for `node` as the node-bootstrapper: the kubelet's own, or one from whoever else holds the bootstrap token. */
export async function createClientCsr(api: ClusterApi, node: string, who: Identity = bootstrapperIdentity()): Promise<KubeObject> {
  const keys = await newKubeletKeys();
  const usages = ['digital signature', 'client auth'];
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return api.createCsr(who, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    // A bootstrap CSR is named from its key; a rotation (the node asking itself) gets a generated name.
    metadata: who.username === BOOTSTRAPPER_USER ? { name: bootstrapCsrName(spki, node, usages) } : { generateName: 'csr-' },
    spec: { request: Buffer.from(await kubeletCsrPem(keys, node)).toString('base64'), signerName: CLIENT_SIGNER, usages },
  });
}

/** A serving CSR as `system:node:<as>` for the given names and addresses. */
export async function createServingCsr(api: ClusterApi, as: string, sans: { dns: string[]; ips: string[] }): Promise<KubeObject> {
  const keys = await newKubeletKeys();
  return api.createCsr(nodeIdentity(as), {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'csr-' },
    spec: { request: Buffer.from(await kubeletCsrPem(keys, as, sans)).toString('base64'), signerName: SERVING_SIGNER, usages: ['digital signature', 'server auth'] },
  });
}

/** An impostor's CSR against `node`: a second bootstrap client CSR for it, or a serving CSR from another node for its name and address. */
export function createImpostorCsr(api: ClusterApi, node: KubeletNode, kind: 'client' | 'serving'): Promise<KubeObject> {
  return kind === 'client' ? createClientCsr(api, node.name) : createServingCsr(api, `intruder-${node.name}`, { dns: [node.name], ips: [node.address] });
}

/** The kubelet's whole bootstrap; resolves once the Node is Ready (or, never-Ready, once it is registered and served). */
export async function kubeletBootstrap(api: ClusterApi, node: KubeletNode, hooks: KubeletHooks, timing: KubeletTiming = QUICK_KUBELET, signal?: AbortSignal): Promise<KubeletResult> {
  const log = hooks.log ?? (() => undefined);
  const faults = hooks.faults ?? {};
  const bootstrapper = bootstrapperIdentity();
  const client = await createClientCsr(api, node.name, bootstrapper);
  log(`${node.name}: kubelet filed client CSR ${client.metadata.name}`);
  let impostorCsr: string | undefined;
  const impostor = async (kind: 'client' | 'serving'): Promise<void> => {
    if (faults.impostor !== kind) return;
    impostorCsr = (await createImpostorCsr(api, node, kind)).metadata.name;
    log(`${node.name}: impostor filed ${kind} CSR ${impostorCsr}`);
  };
  await impostor('client');
  await waitIssued(api, bootstrapper, client, signal);
  hooks.setNode(node, false);
  await delay(timing.servingCsrMs, undefined, signal ? { signal } : undefined);
  const self = nodeIdentity(node.name);
  const serving = await createServingCsr(api, node.name, { dns: [node.name], ips: [node.address] });
  log(`${node.name}: kubelet filed serving CSR ${serving.metadata.name}`);
  await impostor('serving');
  await waitIssued(api, self, serving, signal);
  const result: KubeletResult = { clientCsr: client.metadata.name, servingCsr: serving.metadata.name, ready: false, ...(impostorCsr ? { impostorCsr } : {}) };
  if (faults.neverReady) {
    log(`${node.name}: Node stays NotReady (fault kubelet_never_ready)`);
    return result;
  }
  await delay(timing.readyMs + (faults.readyMs ?? 0), undefined, signal ? { signal } : undefined);
  hooks.setNode(node, true);
  result.ready = true;
  log(`${node.name}: Node Ready`);
  if (faults.rotateMs !== undefined) {
    await delay(faults.rotateMs, undefined, signal ? { signal } : undefined);
    // A rotation is requested with the node's own certificate: the requester is the node.
    result.rotationCsr = (await createClientCsr(api, node.name, self)).metadata.name;
    log(`${node.name}: kubelet filed client rotation CSR ${result.rotationCsr}`);
  }
  return result;
}
