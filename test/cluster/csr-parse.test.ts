import assert from 'node:assert/strict';
import { BasicConstraintsExtension, ChallengePasswordAttribute, Extension, ExtensionsAttribute, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { commonNames, parseCsrPem, parseCsrRequest, show, verifyCsrSignature, type ParsedCsr } from '../../src/cluster/csr-parse.js';
import { buildCsrPem, derToPem, flipSignatureByte, makeKeys, nodeSubject, pemToDer, requestField, withTextAround, type TestKeys } from '../helpers/csr.js';

function parsed(pem: string): ParsedCsr {
  const r = parseCsrPem(pem);
  if (!r.ok) assert.fail(`expected a parse, got: ${r.reason}`);
  return r.csr;
}

function refused(pem: string, re: RegExp): void {
  const r = parseCsrPem(pem);
  assert.equal(r.ok, false, 'expected a refusal');
  if (!r.ok) assert.match(r.reason, re);
}

describe('cluster/csr-parse', () => {
  let rsa: TestKeys;
  let ec: TestKeys;
  let ec384: TestKeys;
  let pem: string;
  before(async () => {
    [rsa, ec, ec384] = await Promise.all([makeKeys('rsa'), makeKeys('ec256'), makeKeys('ec384')]);
    pem = await buildCsrPem({ keys: ec, subject: nodeSubject('arm-0') });
  });

  it('reads the subject in order, with every attribute', async () => {
    const p = parsed(await buildCsrPem({ keys: ec, subject: [['O', 'system:nodes'], ['CN', 'a'], ['OU', 'x'], ['CN', 'b']] }));
    assert.deepEqual(
      p.subject.map((a) => [a.type, a.value, a.rdn]),
      [['O', 'system:nodes', 0], ['CN', 'a', 1], ['OU', 'x', 2], ['CN', 'b', 3]],
    );
    assert.deepEqual(commonNames(p), ['a', 'b']);
  });

  it('flattens a multi-valued RDN and keeps both values', async () => {
    const p = parsed(await buildCsrPem({ keys: ec, subject: [{ O: ['system:nodes'], CN: ['system:node:a', 'system:node:b'] }] }));
    assert.deepEqual(commonNames(p), ['system:node:a', 'system:node:b']);
    assert.ok(p.subject.every((a) => a.rdn === 0));
  });

  it('reads SANs by kind and lists other extensions and attributes', async () => {
    const p = parsed(
      await buildCsrPem({
        keys: ec,
        subject: nodeSubject('a'),
        sans: [
          { kind: 'dns', value: 'a.example' },
          { kind: 'ip', value: '10.0.0.1' },
          { kind: 'ip', value: 'fd00::1' },
          { kind: 'email', value: 'a@example.com' },
          { kind: 'uri', value: 'spiffe://cluster/a' },
          { kind: 'upn', value: 'a@EXAMPLE' },
        ],
        extensions: [new BasicConstraintsExtension(false)],
        attributes: [new ChallengePasswordAttribute('secret')],
      }),
    );
    assert.deepEqual(p.sans, [
      { kind: 'dns', value: 'a.example' },
      { kind: 'ip', value: '10.0.0.1' },
      { kind: 'ip', value: 'fd00::1' },
      { kind: 'email', value: 'a@example.com' },
      { kind: 'uri', value: 'spiffe://cluster/a' },
      { kind: 'other', value: 'upn:a@EXAMPLE' },
    ]);
    assert.equal(p.sanExtensions, 1);
    assert.deepEqual(p.otherExtensions, ['2.5.29.19']);
    assert.deepEqual(p.otherAttributes, ['1.2.840.113549.1.9.7']);
  });

  it('counts a SAN of a form @peculiar/x509 cannot show (an otherName of unknown type) as other', async () => {
    // GeneralNames { dNSName "a", otherName { type-id 1.2.3.4, value [0] INTEGER 5 } }
    const names = new Uint8Array([0x30, 0x0f, 0x82, 0x01, 0x61, 0xa0, 0x0a, 0x06, 0x03, 0x2a, 0x03, 0x04, 0xa0, 0x03, 0x02, 0x01, 0x05]);
    const p = parsed(await buildCsrPem({ keys: ec, subject: nodeSubject('a'), extensions: [new Extension('2.5.29.17', false, names)] }));
    assert.deepEqual(p.sans.map((s) => s.kind).sort(), ['dns', 'other']);
    assert.equal(p.unreadable, undefined);
  });

  it('refuses to read SANs when the extension request comes as two attributes (Go reads both)', async () => {
    const own = new ExtensionsAttribute([new SubjectAlternativeNameExtension([{ type: 'dns', value: 'a' }])]);
    const hidden = new ExtensionsAttribute([new SubjectAlternativeNameExtension([{ type: 'dns', value: 'evil.example' }])]);
    const p = parsed(await buildCsrPem({ keys: ec, subject: nodeSubject('a'), attributes: [own, hidden] }));
    assert.match(p.unreadable ?? '', /several attributes/);
  });

  it('verifies RSA, ECDSA P-256 and P-384 self-signatures, and fails a flipped signature byte', async () => {
    for (const keys of [rsa, ec, ec384]) {
      const good = await buildCsrPem({ keys, subject: nodeSubject('a') });
      assert.equal(await verifyCsrSignature(parsed(good)), true, keys.kind);
      assert.equal(await verifyCsrSignature(parsed(flipSignatureByte(good))), false, keys.kind);
    }
    assert.equal(parsed(await buildCsrPem({ keys: rsa, subject: nodeSubject('a') })).publicKey, 'RSA 2048');
    assert.equal(parsed(pem).publicKey, 'ECDSA P-256');
  });

  it('takes spec.request as base64 of the PEM, leading and trailing whitespace allowed', () => {
    assert.equal(parseCsrRequest(requestField(pem)).ok, true);
    assert.equal(parseCsrRequest(requestField(`\n  ${pem}\n\n`)).ok, true);
    assert.equal(parseCsrPem(pem.replace(/\n/g, '\r\n')).ok, true);
  });

  it('refuses anything but one bare CERTIFICATE REQUEST block', () => {
    refused(withTextAround(pem), /text outside the PEM block/);
    refused(`${pem}${pem}`, /2 PEM blocks; expected exactly one/);
    refused(pem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST'), /labelled 'NEW CERTIFICATE REQUEST'; expected CERTIFICATE REQUEST/);
    refused(pem.replace('-----END CERTIFICATE REQUEST-----', ''), /no matching END line/);
    refused(pem.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n'), /headers or lines that are not base64/);
    refused('hello', /no PEM block/);
    const der = pemToDer(pem);
    refused(derToPem(new Uint8Array([...der, 0, 0])), /bytes after the PKCS#10/);
    refused(derToPem(der.slice(0, der.length - 5)), /bytes after|not a PKCS#10/);
    refused(derToPem(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), /not a PKCS#10 certificate request/);
    for (const [request, re] of [
      ['', /empty/],
      ['not base64!', /not base64/],
      [Buffer.from('\u00ff\u00fe').toString('base64'), /not base64|non-ASCII/],
    ] as const) {
      const r = parseCsrRequest(request);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, re);
    }
  });

  it('shows requester-chosen strings on one safe line', () => {
    assert.equal(show("a\nb'c"), "'a\\u000ab\\'c'");
    assert.equal(show('x'.repeat(100)), `'${'x'.repeat(64)}…'`);
  });
});
