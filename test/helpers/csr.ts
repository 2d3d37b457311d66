// Builds real PKCS#10 CSRs (RSA 2048, ECDSA P-256/P-384) and wraps them into CertificateSigningRequest
// objects as the API server returns them, for tests of the CSR rules and of anything that
// creates or judges CSRs. Also makes broken ones: a signature that does not verify, a PEM with
// text around it. Key generation is slow for RSA: make keys once per test file (`makeKeys`).

import { webcrypto } from 'node:crypto';
import {
  Extension,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  type Attribute,
  type JsonGeneralName,
  type JsonName,
} from '@peculiar/x509';
import {
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  NODE_BOOTSTRAPPER,
  NODE_BOOTSTRAPPER_GROUPS,
  NODE_GROUPS,
  type CertificateSigningRequest,
} from '../../src/cluster/types.js';

export type KeyKind = 'rsa' | 'ec256' | 'ec384';

export interface TestKeys {
  kind: KeyKind;
  pair: webcrypto.CryptoKeyPair;
  /** The algorithm the CSR is signed with. */
  signing: webcrypto.Algorithm | webcrypto.EcdsaParams;
}

const ALGORITHMS: Record<KeyKind, { gen: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams; signing: webcrypto.Algorithm | webcrypto.EcdsaParams }> = {
  rsa: {
    gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    signing: { name: 'RSASSA-PKCS1-v1_5' },
  },
  ec256: { gen: { name: 'ECDSA', namedCurve: 'P-256' }, signing: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams },
  ec384: { gen: { name: 'ECDSA', namedCurve: 'P-384' }, signing: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams },
};

/** A fresh key pair of the given kind. */
export async function makeKeys(kind: KeyKind): Promise<TestKeys> {
  const { gen, signing } = ALGORITHMS[kind];
  const pair = (await webcrypto.subtle.generateKey(gen, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return { kind, pair, signing };
}

export type TestSan = { kind: 'dns' | 'ip' | 'email' | 'uri' | 'upn' | 'dn' | 'id'; value: string };

export interface CsrContent {
  keys: TestKeys;
  /**
   * The subject as an ordered list of [type, value] (each its own RDN), e.g.
   * [['O', 'system:nodes'], ['CN', 'system:node:a']]; or a JsonName for multi-valued RDNs.
   */
  subject: Array<[string, string]> | JsonName;
  sans?: TestSan[];
  /** Extra requested extensions (BasicConstraintsExtension, KeyUsagesExtension, …). */
  extensions?: Extension[];
  /** Extra PKCS#10 attributes (ChallengePasswordAttribute, …). */
  attributes?: Attribute[];
}

/** Builds a signed PKCS#10 request and returns its PEM. */
export async function buildCsrPem(content: CsrContent): Promise<string> {
  const name: JsonName = isPairs(content.subject) ? content.subject.map(([type, value]) => ({ [type]: [value] })) : content.subject;
  const extensions: Extension[] = [];
  if (content.sans && content.sans.length > 0) {
    const names: JsonGeneralName[] = content.sans.map((s) => ({ type: s.kind === 'uri' ? 'url' : s.kind, value: s.value }));
    extensions.push(new SubjectAlternativeNameExtension(names));
  }
  extensions.push(...(content.extensions ?? []));
  const csr = await Pkcs10CertificateRequestGenerator.create({
    name,
    keys: content.keys.pair,
    signingAlgorithm: content.keys.signing,
    ...(extensions.length > 0 ? { extensions } : {}),
    ...(content.attributes ? { attributes: content.attributes } : {}),
  });
  return csr.toString('pem');
}

function isPairs(subject: CsrContent['subject']): subject is Array<[string, string]> {
  return subject.length === 0 || Array.isArray(subject[0]);
}

/** The subject a kubelet writes: O=system:nodes, CN=system:node:<name>. */
export function nodeSubject(nodeName: string): Array<[string, string]> {
  return [
    ['O', 'system:nodes'],
    ['CN', `system:node:${nodeName}`],
  ];
}

/** The client usages a kubelet ≥ 1.27 sends for this key kind. */
export function clientUsages(keys: TestKeys): string[] {
  return keys.kind === 'rsa' ? ['digital signature', 'key encipherment', 'client auth'] : ['digital signature', 'client auth'];
}

/** The serving usages a kubelet sends for this key kind. */
export function servingUsages(keys: TestKeys): string[] {
  return keys.kind === 'rsa' ? ['digital signature', 'key encipherment', 'server auth'] : ['digital signature', 'server auth'];
}

export interface ApiFields {
  name?: string;
  uid?: string;
  signerName?: string;
  usages?: string[];
  username?: string;
  groups?: string[];
  expirationSeconds?: number;
  creationTimestamp?: string | Date;
  status?: CertificateSigningRequest['status'];
}

let serial = 0;

/** Wraps a PEM into a CertificateSigningRequest as the API server returns it. */
export function wrapCsr(pem: string, fields: ApiFields = {}): CertificateSigningRequest {
  serial++;
  const created = fields.creationTimestamp ?? new Date();
  const csr: CertificateSigningRequest = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {
      name: fields.name ?? `csr-test-${serial}`,
      uid: fields.uid ?? `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
      resourceVersion: String(1000 + serial),
      creationTimestamp: created instanceof Date ? created.toISOString().replace(/\.\d{3}Z$/, 'Z') : created,
    },
    spec: {
      request: Buffer.from(pem, 'latin1').toString('base64'),
      signerName: fields.signerName ?? KUBELET_CLIENT_SIGNER,
      usages: fields.usages ?? ['digital signature', 'client auth'],
      username: fields.username ?? NODE_BOOTSTRAPPER,
      uid: 'requester-uid',
      groups: fields.groups ?? [...NODE_BOOTSTRAPPER_GROUPS],
      extra: {},
    },
    status: fields.status ?? {},
  };
  if (fields.expirationSeconds !== undefined) csr.spec.expirationSeconds = fields.expirationSeconds;
  return csr;
}

/** A bootstrap client CSR for `nodeName` as a kubelet sends it, with API fields overridable. */
export async function clientCsr(keys: TestKeys, nodeName: string, fields: ApiFields = {}): Promise<CertificateSigningRequest> {
  const pem = await buildCsrPem({ keys, subject: nodeSubject(nodeName) });
  return wrapCsr(pem, { usages: clientUsages(keys), ...fields });
}

/** A serving CSR for `nodeName` with the given SANs, requested by that node. */
export async function servingCsr(keys: TestKeys, nodeName: string, sans: TestSan[], fields: ApiFields = {}): Promise<CertificateSigningRequest> {
  const pem = await buildCsrPem({ keys, subject: nodeSubject(nodeName), sans });
  return wrapCsr(pem, {
    signerName: KUBELET_SERVING_SIGNER,
    usages: servingUsages(keys),
    username: `system:node:${nodeName}`,
    groups: [...NODE_GROUPS],
    ...fields,
  });
}

/** The DER inside a single-block PEM. */
export function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** A PEM `CERTIFICATE REQUEST` block for the DER, 64 columns as Go writes it. */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE REQUEST'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The same request with the last byte of its signature flipped: still well-formed DER (the
 * signature is the last field), but the self-signature no longer verifies.
 */
export function flipSignatureByte(pem: string): string {
  const der = pemToDer(pem);
  der[der.length - 1] = (der[der.length - 1] as number) ^ 0x01;
  return derToPem(der);
}

/** Base64 of text as it would stand in `spec.request` (to build odd requests by hand). */
export function requestField(text: string): string {
  return Buffer.from(text, 'latin1').toString('base64');
}

/** The PEM with text before and after the block (what the strict parser must refuse). */
export function withTextAround(pem: string, before = 'Certificate Request:\n    Data: ...\n', after = 'trailing note\n'): string {
  return `${before}${pem}${after}`;
}
