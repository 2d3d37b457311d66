// Reads a CSR's `spec.request` the strict way: base64 of exactly one PEM `CERTIFICATE REQUEST`
// block with nothing but whitespace around it, holding one PKCS#10 and nothing after it. The
// subject comes back as every attribute in order (so two CNs or an extra O are visible, where Go
// would keep only the last CN), SANs by kind, and whatever else the request carries.

import {
  ExtensionsAttribute,
  Pkcs10CertificateRequest,
  SubjectAlternativeNameExtension,
  type Extension,
} from '@peculiar/x509';

const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const PEM_LABEL = 'CERTIFICATE REQUEST';

/** One attribute of the subject, in the order the DER holds them. */
export interface SubjectAttribute {
  /** Short name where one is known (`CN`, `O`, `OU`, …), else the dotted OID. */
  type: string;
  /** The string value; a value that is not a string shows as `#<hex>`. */
  value: string;
  /** Index of the RDN (SET) it sits in: two attributes in one RDN share it. */
  rdn: number;
}

export type SanKind = 'dns' | 'ip' | 'email' | 'uri' | 'other';

export interface SubjectAltName {
  kind: SanKind;
  /** DNS name, IP in text form, email, URI; for `other`, `<type>:<value>` (dn, upn, guid, id). */
  value: string;
}

export interface ParsedCsr {
  subject: SubjectAttribute[];
  sans: SubjectAltName[];
  /** How many subjectAltName extensions it holds (more than one is itself suspicious). */
  sanExtensions: number;
  /** OIDs of requested extensions other than subjectAltName. */
  otherExtensions: string[];
  /** OIDs of PKCS#10 attributes other than the extension request (challengePassword, …). */
  otherAttributes: string[];
  /** Set when the extension request cannot be read (malformed DER, …). */
  unreadable?: string;
  /** `RSA 2048`, `ECDSA P-256`, …: for messages. */
  publicKey: string;
  /** The parsed request, for `verifyCsrSignature`. */
  request: Pkcs10CertificateRequest;
}

export type CsrParseResult = { ok: true; csr: ParsedCsr } | { ok: false; reason: string };

// Every watch event brings a new object with the same spec.request: parses are kept by the request
// text (a PKCS#10 never changes under a CSR), least recently used dropped first. A kubelet's request
// is under 2 KiB; larger ones (a flood of junk) are parsed each time rather than kept.
const PARSE_CACHE_SIZE = 8192;
const PARSE_CACHE_MAX_REQUEST = 16 * 1024;
const parsedByRequest = new Map<string, CsrParseResult>();
const verified = new WeakMap<ParsedCsr, Promise<boolean>>();

/** Parses `spec.request` (base64 of the PEM, as the API returns it). Does not verify the signature. */
export function parseCsrRequest(request: string): CsrParseResult {
  const cached = parsedByRequest.get(request);
  if (cached) {
    parsedByRequest.delete(request);
    parsedByRequest.set(request, cached);
    return cached;
  }
  const result = parseCsrRequestOnce(request);
  if (typeof request === 'string' && request.length <= PARSE_CACHE_MAX_REQUEST) {
    if (parsedByRequest.size >= PARSE_CACHE_SIZE) parsedByRequest.delete(parsedByRequest.keys().next().value as string);
    parsedByRequest.set(request, result);
  }
  return result;
}

function parseCsrRequestOnce(request: string): CsrParseResult {
  if (typeof request !== 'string' || request.length === 0) return fail('spec.request is empty');
  // Go encodes []byte with padded standard base64; anything else is not what the API returns.
  if (request.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(request)) {
    return fail('spec.request is not base64');
  }
  const bytes = Buffer.from(request, 'base64');
  if (!bytes.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f))) {
    return fail('spec.request does not hold PEM text (non-ASCII bytes)');
  }
  return parseCsrPem(bytes.toString('latin1'));
}

/** Parses PEM text that must be exactly one `CERTIFICATE REQUEST` block, whitespace around it at most. */
export function parseCsrPem(pem: string): CsrParseResult {
  const begins = [...pem.matchAll(/-----BEGIN ([^\r\n]*?)-----/g)];
  if (begins.length === 0) return fail('no PEM block');
  if (begins.length > 1) return fail(`${begins.length} PEM blocks; expected exactly one`);
  const label = begins[0]?.[1] ?? '';
  if (label !== PEM_LABEL) return fail(`PEM block labelled ${show(label)}; expected ${PEM_LABEL}`);
  const m = /^([\s\S]*?)-----BEGIN CERTIFICATE REQUEST-----\r?\n([\s\S]*?)-----END CERTIFICATE REQUEST-----([\s\S]*)$/.exec(pem);
  if (!m) return fail('PEM block has no matching END line');
  const [, before = '', body = '', after = ''] = m;
  if (/\S/.test(before) || /\S/.test(after)) return fail('text outside the PEM block');
  // No headers (Proc-Type, …) and nothing but base64 lines, as a kubelet writes it.
  if (!/^(?:[A-Za-z0-9+/=]+\r?\n)+$/.test(body)) return fail('PEM block has headers or lines that are not base64');
  const b64 = body.replace(/\r?\n/g, '');
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return fail('PEM body is not base64');
  return parseCsrDer(new Uint8Array(Buffer.from(b64, 'base64')));
}

/** Parses the DER of a PKCS#10 request, refusing trailing bytes as Go does. */
export function parseCsrDer(der: Uint8Array): CsrParseResult {
  const length = derSequenceLength(der);
  if (length === undefined) return fail('not a PKCS#10 certificate request (no DER SEQUENCE)');
  if (length !== der.length) return fail('bytes after the PKCS#10 certificate request');
  let request: Pkcs10CertificateRequest;
  let subject: SubjectAttribute[];
  try {
    request = new Pkcs10CertificateRequest(der);
    subject = request.subjectName.toJSON().flatMap((rdn, index) =>
      Object.entries(rdn).flatMap(([type, values]) => values.map((value) => ({ type, value, rdn: index }))),
    );
  } catch {
    return fail('not a PKCS#10 certificate request');
  }
  const parsed: ParsedCsr = {
    subject,
    sans: [],
    sanExtensions: 0,
    otherExtensions: [],
    otherAttributes: [],
    publicKey: describePublicKey(request),
    request,
  };
  try {
    const attributes = Array.from(request.attributes);
    parsed.otherAttributes = attributes.map((a) => a.type).filter((t) => t !== OID_EXTENSION_REQUEST);
    // @peculiar/x509's `extensions` reads the first value of the first extension-request
    // attribute only, where Go reads every such attribute: a second one would hide SANs.
    const requests = attributes.filter((a) => a.type === OID_EXTENSION_REQUEST);
    if (requests.length > 1 || requests.some((a) => a.values.length !== 1 || !(a instanceof ExtensionsAttribute))) {
      parsed.unreadable = 'its extension request is split over several attributes or values';
    } else {
      for (const ext of request.extensions) readExtension(ext, parsed);
    }
  } catch {
    // A malformed extension request can only be refused: say so instead of failing.
    parsed.unreadable = 'its extension request cannot be read (unsupported name form or malformed extension)';
  }
  return { ok: true, csr: parsed };
}

/** Verifies the PKCS#10 self-signature (RSA, ECDSA P-256/P-384, …); false on any failure. */
export function verifyCsrSignature(parsed: ParsedCsr): Promise<boolean> {
  let v = verified.get(parsed);
  if (!v) {
    v = parsed.request.verify().catch(() => false);
    verified.set(parsed, v);
  }
  return v;
}

/** Every CN of the subject, in order. */
export function commonNames(parsed: ParsedCsr): string[] {
  return parsed.subject.filter((a) => a.type === 'CN').map((a) => a.value);
}

function readExtension(ext: Extension, parsed: ParsedCsr): void {
  if (ext.type !== OID_SUBJECT_ALT_NAME) {
    parsed.otherExtensions.push(ext.type);
    return;
  }
  parsed.sanExtensions++;
  const san = ext instanceof SubjectAlternativeNameExtension ? ext : new SubjectAlternativeNameExtension(ext.rawData);
  // @peculiar/x509 silently drops names it has no text form for (x400Address, ediPartyName, an
  // otherName of unknown type): count the DER's names so none goes unseen.
  const total = derSequenceCount(new Uint8Array(ext.value));
  if (total === undefined) throw new Error('malformed subjectAltName');
  for (let i = san.names.items.length; i < total; i++) parsed.sans.push({ kind: 'other', value: '(a name form fleetboot cannot read)' });
  for (const name of san.names.items) {
    switch (name.type) {
      case 'dns':
        parsed.sans.push({ kind: 'dns', value: name.value });
        break;
      case 'ip':
        parsed.sans.push({ kind: 'ip', value: name.value });
        break;
      case 'email':
        parsed.sans.push({ kind: 'email', value: name.value });
        break;
      case 'url':
        parsed.sans.push({ kind: 'uri', value: name.value });
        break;
      default:
        parsed.sans.push({ kind: 'other', value: `${name.type}:${name.value}` });
    }
  }
}

function describePublicKey(request: Pkcs10CertificateRequest): string {
  try {
    const alg: unknown = request.publicKey.algorithm;
    if (typeof alg !== 'object' || alg === null) return 'unknown key';
    const a = alg as { name?: unknown; namedCurve?: unknown; modulusLength?: unknown };
    const name = typeof a.name === 'string' ? a.name : 'unknown key';
    if (typeof a.namedCurve === 'string') return `${name} ${a.namedCurve}`;
    if (typeof a.modulusLength === 'number') return `RSA ${a.modulusLength}`;
    return name;
  } catch {
    return 'unknown key';
  }
}

/** Header and content length of the DER element at `offset`, or undefined when malformed. */
function derElement(der: Uint8Array, offset: number): { header: number; length: number } | undefined {
  if (der.length < offset + 2) return undefined;
  const first = der[offset + 1] as number;
  if (first < 0x80) return { header: 2, length: first };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < offset + 2 + n) return undefined;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + (der[offset + 2 + i] as number);
  return { header: 2 + n, length };
}

/** Total length of the DER SEQUENCE that starts `der`, or undefined when it does not start one. */
function derSequenceLength(der: Uint8Array): number | undefined {
  if (der[0] !== 0x30) return undefined;
  const el = derElement(der, 0);
  return el && el.header + el.length;
}

/** How many elements the DER SEQUENCE `der` holds, or undefined when it is malformed. */
function derSequenceCount(der: Uint8Array): number | undefined {
  const outer = der[0] === 0x30 ? derElement(der, 0) : undefined;
  if (!outer || outer.header + outer.length !== der.length) return undefined;
  let count = 0;
  for (let at = outer.header; at < der.length; count++) {
    const el = derElement(der, at);
    if (!el) return undefined;
    at += el.header + el.length;
    if (at > der.length) return undefined;
  }
  return count;
}

function fail(reason: string): CsrParseResult {
  return { ok: false, reason };
}

/**
 * A requester-chosen string made safe for a one-line message: quoted, non-printable and
 * non-ASCII characters escaped, cut at 64 characters.
 */
export function show(value: string): string {
  const cut = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  const escaped = cut.replace(/[^\x20-\x7e…]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped.replace(/'/g, "\\'")}'`;
}
