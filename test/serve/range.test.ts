import { strict as assert } from 'node:assert';
import { coalesce, contentRange, ifRangeHolds, MAX_RANGES, parseHttpDate, parseRange } from '../../src/serve/range.js';

const SIZE = 10_000;
const partial = (...r: [number, number][]) => ({ kind: 'partial', ranges: r.map(([start, end]) => ({ start, end })) });

describe('serve/range: parseRange (RFC 9110 §14)', () => {
  const cases: [string | undefined, unknown][] = [
    [undefined, { kind: 'full', reason: 'absent' }],
    ['bytes=0-499', partial([0, 499])],
    ['bytes=500-999', partial([500, 999])],
    ['bytes=9500-', partial([9500, 9999])],
    ['bytes=-500', partial([9500, 9999])],
    ['bytes=-20000', partial([0, 9999])],
    ['bytes=0-0,-1', partial([0, 0], [9999, 9999])],
    ['bytes=9999-', partial([9999, 9999])],
    ['bytes=0-99999999999999999999999', partial([0, 9999])],
    ['BYTES=1-2', partial([1, 2])],
    ['bytes=1-2, 5-6', partial([1, 2], [5, 6])],
    ['bytes= 1-2 ,\t5-6 ,', partial([1, 2], [5, 6])],
    ['bytes=,1-2', partial([1, 2])],
    // Coalescing: overlapping, touching and repeated ranges merge; order is by start.
    ['bytes=500-700,601-999', partial([500, 999])],
    ['bytes=0-9,10-19', partial([0, 19])],
    ['bytes=0-9,0-9,0-9', partial([0, 9])],
    ['bytes=500-600,0-9', partial([0, 9], [500, 600])],
    ['bytes=-100,0-', partial([0, 9999])],
    // Unsatisfiable ones are dropped when another is satisfiable.
    ['bytes=20000-30000,0-1', partial([0, 1])],
    ['bytes=-0,5-5', partial([5, 5])],
    // None satisfiable.
    ['bytes=10000-', { kind: 'unsatisfiable' }],
    ['bytes=10000-10001', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=99999999999999999999-', { kind: 'unsatisfiable' }],
    // Syntax errors: the field is ignored.
    ['bytes=5-4', { kind: 'full', reason: 'invalid' }],
    ['bytes=0-1,5-4', { kind: 'full', reason: 'invalid' }],
    ['bytes=', { kind: 'full', reason: 'invalid' }],
    ['bytes=,', { kind: 'full', reason: 'invalid' }],
    ['bytes=-', { kind: 'full', reason: 'invalid' }],
    ['bytes=a-b', { kind: 'full', reason: 'invalid' }],
    ['bytes=1-2-3', { kind: 'full', reason: 'invalid' }],
    ['bytes=+1-2', { kind: 'full', reason: 'invalid' }],
    ['bytes=0x10-', { kind: 'full', reason: 'invalid' }],
    ['bytes=1 - 2', { kind: 'full', reason: 'invalid' }],
    ['bytes 0-1', { kind: 'full', reason: 'invalid' }],
    ['bytes =0-1', { kind: 'full', reason: 'invalid' }],
    ['=0-1', { kind: 'full', reason: 'invalid' }],
    ['0-1', { kind: 'full', reason: 'invalid' }],
    ['bytes=0-1, bytes=3-4', { kind: 'full', reason: 'invalid' }],
    // Other units are not ours.
    ['items=0-5', { kind: 'full', reason: 'unit' }],
  ];
  for (const [header, want] of cases) {
    it(`${JSON.stringify(header)} → ${JSON.stringify(want)}`, () => {
      assert.deepEqual(parseRange(header, SIZE), want);
    });
  }

  it('an empty representation ignores ranges', () => {
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'full', reason: 'empty-representation' });
    assert.deepEqual(parseRange('bytes=-5', 0), { kind: 'full', reason: 'empty-representation' });
    assert.deepEqual(parseRange('bytes=x', 0), { kind: 'full', reason: 'invalid' });
  });

  it(`more than ${MAX_RANGES} disjoint ranges are ignored; as many overlapping ones coalesce`, () => {
    const many = Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
    assert.deepEqual(parseRange(`bytes=${many}`, SIZE), { kind: 'full', reason: 'too-many' });
    const okMany = Array.from({ length: MAX_RANGES }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
    assert.equal((parseRange(`bytes=${okMany}`, SIZE) as { ranges: unknown[] }).ranges.length, MAX_RANGES);
    const overlapping = Array.from({ length: 1000 }, (_, i) => `${i}-${i + 100}`).join(',');
    assert.deepEqual(parseRange(`bytes=${overlapping}`, SIZE), partial([0, 1099]));
  });

  it('coalesce keeps disjoint ranges apart and merges touching ones', () => {
    assert.deepEqual(coalesce([{ start: 5, end: 6 }, { start: 0, end: 3 }, { start: 4, end: 4 }]), [{ start: 0, end: 6 }]);
    assert.deepEqual(coalesce([{ start: 5, end: 6 }, { start: 0, end: 3 }]), [{ start: 0, end: 3 }, { start: 5, end: 6 }]);
  });

  it('contentRange', () => {
    assert.equal(contentRange(100, { start: 0, end: 9 }), 'bytes 0-9/100');
    assert.equal(contentRange(100), 'bytes */100');
  });
});

describe('serve/range: If-Range (RFC 9110 §13.1.5)', () => {
  const lm = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT') / 1000;
  const v = { etag: '"abc"', lastModifiedSec: lm };
  it('holds without the field', () => assert.equal(ifRangeHolds(undefined, v), true));
  it('holds on the same strong tag', () => assert.equal(ifRangeHolds('"abc"', v), true));
  it('fails on another tag', () => assert.equal(ifRangeHolds('"abd"', v), false));
  it('fails on a weak tag, even the same opaque value', () => assert.equal(ifRangeHolds('W/"abc"', v), false));
  it('holds on the Last-Modified date in all three HTTP-date forms', () => {
    assert.equal(ifRangeHolds('Sun, 06 Nov 1994 08:49:37 GMT', v), true);
    assert.equal(ifRangeHolds('Sunday, 06-Nov-94 08:49:37 GMT', v), true);
    assert.equal(ifRangeHolds('Sun Nov  6 08:49:37 1994', v), true);
  });
  it('fails on another date and on garbage', () => {
    assert.equal(ifRangeHolds('Sun, 06 Nov 1994 08:49:38 GMT', v), false);
    assert.equal(ifRangeHolds('yesterday', v), false);
    assert.equal(ifRangeHolds('', v), false);
    assert.equal(ifRangeHolds('"abc", "abd"', v), false);
  });
  it('parseHttpDate refuses near-misses', () => {
    assert.equal(parseHttpDate('Sun, 6 Nov 1994 08:49:37 GMT'), undefined);
    assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 UTC'), undefined);
  });
});
