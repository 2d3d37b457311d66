// Reading a CSR object's `spec.request` as the API server and the signer do: base64 of a PEM
// `CERTIFICATE REQUEST` block, parsed as PKCS#10, its self-signature verified; the subject read
// as Go's pkix.Name reads it (the last CN wins), the SANs from the extension request.

import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface ParsedCsr {
  csr: x509.Pkcs10CertificateRequest;
  /** The last CN, as Go keeps it; undefined without one. */
  commonName: string | undefined;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emails: string[];
  uris: string[];
  /** OIDs of requested extensions other than subjectAltName. */
  otherExtensions: string[];
}

const SAN_OID = '2.5.29.17';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/;

/**
 * `spec.request` (base64 already decoded by JSON handling: the bytes of the PEM) to a parsed,
 * signature-checked CSR; throws a one-line reason the API server would give.
 */
export async function parseCsrRequest(pemBytes: Buffer): Promise<ParsedCsr> {
  const m = PEM_BLOCK.exec(pemBytes.toString('latin1'));
  if (!m) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  if (m[1] !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64'));
  } catch (err) {
    throw new Error(`asn1: ${(err as Error).message}`);
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok) throw new Error('x509: the certificate request\'s signature does not verify with its own public key');
  const san = csr.getExtension(SAN_OID);
  const names = san instanceof x509.SubjectAlternativeNameExtension ? san.names.items : [];
  const of = (type: string): string[] => names.filter((n) => n.type === type).map((n) => n.value);
  const cns = csr.subjectName.getField('CN');
  return {
    csr,
    commonName: cns[cns.length - 1],
    organizations: csr.subjectName.getField('O'),
    dnsNames: of('dns'),
    ipAddresses: of('ip'),
    emails: of('email'),
    uris: of('url'),
    otherExtensions: csr.extensions.map((e) => e.type).filter((t) => t !== SAN_OID),
  };
}
