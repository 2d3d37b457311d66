import { strict as assert } from 'node:assert';
import { bodyLength, planResponse, type Representation } from '../../src/serve/respond.js';

const rep: Representation = { size: 1000, etag: '"tag"', lastModifiedSec: 784111777, contentType: 'application/x-iso9660-image' };
const get = (range?: string, ifRange?: string) => ({ method: 'GET' as const, range, ifRange });

describe('serve/respond: planResponse', () => {
  it('no Range: 200 with the whole body and validators', () => {
    const p = planResponse(get(), rep, 'B');
    assert.equal(p.status, 200);
    assert.deepEqual(p.headers, {
      'Accept-Ranges': 'bytes',
      ETag: '"tag"',
      'Last-Modified': 'Sun, 06 Nov 1994 08:49:37 GMT',
      'Content-Type': 'application/x-iso9660-image',
      'Content-Length': '1000',
    });
    assert.deepEqual(p.body, [{ range: { start: 0, end: 999 } }]);
  });
  it('HEAD: the 200 header fields, no body, Range ignored (§14.2: range handling is defined for GET)', () => {
    const p = planResponse({ method: 'HEAD', range: 'bytes=0-9', ifRange: undefined }, rep, 'B');
    assert.equal(p.status, 200);
    assert.equal(p.headers['Content-Length'], '1000');
    assert.deepEqual(p.body, []);
  });
  it('one range: 206 with Content-Range', () => {
    const p = planResponse(get('bytes=-10'), rep, 'B');
    assert.equal(p.status, 206);
    assert.equal(p.headers['Content-Range'], 'bytes 990-999/1000');
    assert.equal(p.headers['Content-Length'], '10');
  });
  it('several ranges: multipart/byteranges whose Content-Length is the exact body length', () => {
    const p = planResponse(get('bytes=0-9,500-509,-5'), rep, 'XYZ');
    assert.equal(p.status, 206);
    assert.equal(p.headers['Content-Type'], 'multipart/byteranges; boundary=XYZ');
    assert.equal(p.headers['Content-Range'], undefined);
    assert.equal(Number(p.headers['Content-Length']), bodyLength(p));
    assert.deepEqual(p.body[0], { text: '\r\n--XYZ\r\nContent-Type: application/x-iso9660-image\r\nContent-Range: bytes 0-9/1000\r\n\r\n' });
    assert.deepEqual(p.body.at(-1), { text: '\r\n--XYZ--\r\n' });
    assert.equal(p.body.length, 7);
  });
  it('nothing satisfiable: 416 with bytes */size', () => {
    const p = planResponse(get('bytes=1000-'), rep, 'B');
    assert.equal(p.status, 416);
    assert.equal(p.headers['Content-Range'], 'bytes */1000');
    assert.deepEqual(p.body, []);
  });
  it('invalid Range: 200', () => assert.equal(planResponse(get('bytes=9-1'), rep, 'B').status, 200));
  it('If-Range matching: the range; not matching: 200 (even when the range would be unsatisfiable)', () => {
    assert.equal(planResponse(get('bytes=0-1', '"tag"'), rep, 'B').status, 206);
    assert.equal(planResponse(get('bytes=0-1', 'Sun, 06 Nov 1994 08:49:37 GMT'), rep, 'B').status, 206);
    assert.equal(planResponse(get('bytes=0-1', '"old"'), rep, 'B').status, 200);
    assert.equal(planResponse(get('bytes=5000-', '"old"'), rep, 'B').status, 200);
  });
  it('an empty representation: 200 with no body', () => {
    const p = planResponse(get('bytes=0-'), { ...rep, size: 0 }, 'B');
    assert.equal(p.status, 200);
    assert.equal(p.headers['Content-Length'], '0');
    assert.deepEqual(p.body, []);
  });
});
