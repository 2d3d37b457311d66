// The lab's TLS material for the simulated BMCs: an EC P-256 CA made at lab start, and leaf
// certificates with IP SANs. One leaf (one key) covers up to LEAF_SPAN addresses: signing one
// certificate per host would cost ~500 signatures at start for nothing a client can tell apart.

import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

/** Addresses per leaf certificate (a /24's worth of lab hosts). */
export const LEAF_SPAN = 250;

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface LabCa {
  certPem: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface LeafCert {
  /** PEM of the leaf followed by nothing else: clients trust the CA, which is self-signed. */
  certPem: string;
  keyPem: string;
  addresses: string[];
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
}

/** A self-signed CA; `name` is its CN (the cluster makes its own API and kubelet-signer CAs with it). */
export async function makeLabCa(name = 'fleetboot lab BMC CA'): Promise<LabCa> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', cert, keys };
}

/** A server certificate for `addresses` (IP SANs), signed by the lab CA. */
export async function makeLeaf(ca: LabCa, addresses: string[]): Promise<LeafCert> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${addresses[0] ?? 'lab'}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: SIGN,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension(addresses.map((value) => ({ type: 'ip' as const, value }))),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey), addresses };
}

/** Leaves for all `addresses`, LEAF_SPAN per leaf, keyed by address. */
export async function makeLeaves(ca: LabCa, addresses: readonly string[]): Promise<Map<string, LeafCert>> {
  const out = new Map<string, LeafCert>();
  for (let i = 0; i < addresses.length; i += LEAF_SPAN) {
    const leaf = await makeLeaf(ca, addresses.slice(i, i + LEAF_SPAN));
    for (const a of leaf.addresses) out.set(a, leaf);
  }
  return out;
}
