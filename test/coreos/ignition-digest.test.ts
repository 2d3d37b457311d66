import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseDataUrl, toDataUrl } from '../../src/coreos/data-url.js';
import { checkIgnitionHash, ignitionDigest, parseIgnitionHash } from '../../src/coreos/ignition-digest.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('ignition digest and --ignition-hash', () => {
  it('computes sha512-<hex> of the bytes', () => {
    const data = Buffer.from('{"ignition":{"version":"3.2.0"}}');
    assert.equal(ignitionDigest(data), `sha512-${createHash('sha512').update(data).digest('hex')}`);
    assert.equal(ignitionDigest(Buffer.alloc(0), 'sha256'), `sha256-${EMPTY_SHA256}`);
  });

  it('parses values as coreos-installer does, with its messages', () => {
    assert.deepEqual(parseIgnitionHash(`sha256-${EMPTY_SHA256}`), { type: 'sha256', hex: EMPTY_SHA256 });
    assert.deepEqual(parseIgnitionHash(`sha256-${EMPTY_SHA256.toUpperCase()}`), { type: 'sha256', hex: EMPTY_SHA256 });
    assert.throws(() => parseIgnitionHash('sha256'), { message: "failed to detect hash-type and digest in 'sha256'" });
    assert.throws(() => parseIgnitionHash(`md5-${'0'.repeat(32)}`), { message: "unknown hash type 'md5'" });
    assert.throws(() => parseIgnitionHash(`sha512-${EMPTY_SHA256}`), { message: 'wrong digest length (256)' });
    assert.throws(() => parseIgnitionHash('sha256-xyz'), /decoding hex digest/);
    assert.throws(() => parseIgnitionHash(`SHA256-${EMPTY_SHA256}`), { message: "unknown hash type 'SHA256'" });
  });

  it('checks bytes against a digest with coreos-installer\'s mismatch message', () => {
    assert.deepEqual(checkIgnitionHash('', `sha256-${EMPTY_SHA256}`), { ok: true });
    const r = checkIgnitionHash('x', `sha256-${EMPTY_SHA256}`);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.message === `hash mismatch, computed '${createHash('sha256').update('x').digest('hex')}' but expected '${EMPTY_SHA256}'`);
  });

  it('writes and reads data: URLs (base64 and percent-encoded)', () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x0a]);
    assert.deepEqual(parseDataUrl(toDataUrl(bytes)).data, bytes);
    assert.equal(toDataUrl('hi\n'), 'data:;base64,aGkK');
    assert.equal(parseDataUrl('data:,hello%20world%0A').data.toString(), 'hello world\n');
    assert.equal(parseDataUrl('data:text/plain;charset=utf-8;base64,aGk=').data.toString(), 'hi');
    assert.equal(parseDataUrl('data:text/plain,%C3%A9').data.toString(), 'é');
    assert.throws(() => parseDataUrl('data:;base64,@@@'), /not base64/);
    assert.throws(() => parseDataUrl('data:hello'), /no ','/);
    assert.throws(() => parseDataUrl('data:,50%'), /malformed percent escape/);
    assert.throws(() => parseDataUrl('http://x/'), /not a data URL/);
  });
});
