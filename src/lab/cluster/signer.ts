// The lab's kubelet signer: once a kubelet CSR is approved, a certificate from the lab's kubelet CA
// for the request's public key, with its parsed subject (one CN: the last), its SANs and the key
// usages of spec.usages; other requested extensions are dropped, as kube-controller-manager does.

import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { LabCa } from '../bmc/certs.js';
import type { ParsedCsr } from './csr-parse.js';

const KEY_USAGE: Record<string, number> = {
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  signing: x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};
const EXT_USAGE: Record<string, string> = {
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
};

/** How long a kubelet certificate is valid without spec.expirationSeconds (kube-controller-manager's default). */
export const DEFAULT_CERT_SECONDS = 365 * 86_400;

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** PEM of the certificate the signer issues for `parsed`. */
export async function issueCertificate(ca: LabCa, parsed: ParsedCsr, usages: readonly string[], expirationSeconds?: number): Promise<string> {
  const now = Date.now();
  const seconds = Math.min(expirationSeconds ?? DEFAULT_CERT_SECONDS, DEFAULT_CERT_SECONDS);
  const subject = [...parsed.organizations.map((o) => ({ O: [o] })), ...(parsed.commonName !== undefined ? [{ CN: [parsed.commonName] }] : [])];
  const keyUsage = usages.reduce((acc, u) => acc | (KEY_USAGE[u] ?? 0), 0);
  const ext = usages.flatMap((u) => (EXT_USAGE[u] ? [EXT_USAGE[u]] : []));
  const sans = [...parsed.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...parsed.ipAddresses.map((value) => ({ type: 'ip' as const, value }))];
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (ext.length) extensions.push(new x509.ExtendedKeyUsageExtension(ext));
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: new x509.Name(subject),
    issuer: ca.cert.subject,
    // Back-dated a little, as the real signer does for clock skew.
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(now + seconds * 1000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: parsed.csr.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
  return cert.toString('pem') + '\n';
}
