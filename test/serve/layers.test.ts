import { strict as assert } from 'node:assert';
import { checkOverlays, planSpans, spanLength, type Overlay, type Span } from '../../src/serve/layers.js';
import { applyOverlays, prng } from './prng.js';

const ov = (offset: number, length: number, fill = 1): Overlay => ({ offset, bytes: Buffer.alloc(length, fill) });
const file = (start: number, end: number): Span => ({ from: 'file', start, end });
const over = (index: number, start: number, end: number): Span => ({ from: 'overlay', index, start, end });

/** Reads `spans` out of a file and its overlays, as the server streams them. */
function assemble(base: Buffer, overlays: readonly Overlay[], spans: readonly Span[]): Buffer {
  return Buffer.concat(
    spans.map((s) => (s.from === 'file' ? base.subarray(s.start, s.end + 1) : Buffer.from(overlays[s.index]!.bytes).subarray(s.start, s.end + 1))),
  );
}

describe('serve/layers: checkOverlays', () => {
  it('accepts sorted, disjoint overlays within the file, touching included', () => {
    assert.equal(checkOverlays(100, [ov(0, 10), ov(10, 5), ov(90, 10)]), undefined);
    assert.equal(checkOverlays(100, []), undefined);
  });
  it('refuses overlap, disorder, empty, negative and past-the-end overlays with a reason', () => {
    assert.match(checkOverlays(100, [ov(0, 10), ov(5, 10)])!, /overlay 1 at 5 overlaps/);
    assert.match(checkOverlays(100, [ov(50, 10), ov(0, 10)])!, /overlay 1 at 0 overlaps or precedes/);
    assert.match(checkOverlays(100, [ov(5, 0)])!, /empty/);
    assert.match(checkOverlays(100, [ov(-1, 2)])!, /not a byte offset/);
    assert.match(checkOverlays(100, [ov(95, 10)])!, /runs past the end of the 100 B file/);
  });
});

describe('serve/layers: planSpans', () => {
  const overlays = [ov(100, 50), ov(200, 10), ov(210, 10)];
  const cases: [string, { start: number; end: number }, Span[]][] = [
    ['before every overlay', { start: 0, end: 99 }, [file(0, 99)]],
    ['between overlays', { start: 150, end: 199 }, [file(150, 199)]],
    ['after every overlay (open-ended or suffix)', { start: 220, end: 999 }, [file(220, 999)]],
    ['inside one overlay', { start: 110, end: 119 }, [over(0, 10, 19)]],
    ['exactly one overlay', { start: 100, end: 149 }, [over(0, 0, 49)]],
    ['straddling the start of an overlay', { start: 90, end: 109 }, [file(90, 99), over(0, 0, 9)]],
    ['straddling the end of an overlay', { start: 140, end: 159 }, [over(0, 40, 49), file(150, 159)]],
    ['covering an overlay', { start: 99, end: 150 }, [file(99, 99), over(0, 0, 49), file(150, 150)]],
    ['across touching overlays', { start: 205, end: 214 }, [over(1, 5, 9), over(2, 0, 4)]],
    [
      'the whole file',
      { start: 0, end: 999 },
      [file(0, 99), over(0, 0, 49), file(150, 199), over(1, 0, 9), over(2, 0, 9), file(220, 999)],
    ],
    ['a single byte at an overlay edge', { start: 149, end: 149 }, [over(0, 49, 49)]],
    ['a single byte just past it', { start: 150, end: 150 }, [file(150, 150)]],
  ];
  for (const [what, range, want] of cases) {
    it(what, () => assert.deepEqual(planSpans(overlays, range), want));
  }

  it('no overlays: one file span', () => {
    assert.deepEqual(planSpans([], { start: 5, end: 9 }), [file(5, 9)]);
  });

  it('any range of a composed file equals that range of the file with the overlays applied (seeded, 3000 cases)', () => {
    const rnd = prng(0x5eed);
    for (let round = 0; round < 100; round++) {
      const size = rnd.int(1, 5000);
      const base = rnd.bytes(size);
      const overlays: Overlay[] = [];
      let pos = 0;
      while (pos < size && overlays.length < 6) {
        const offset = pos + rnd.int(0, Math.min(600, size - pos - 1));
        if (offset >= size) break;
        const len = rnd.int(1, Math.min(400, size - offset));
        overlays.push({ offset, bytes: rnd.bytes(len) });
        pos = offset + len + rnd.int(0, 50);
      }
      assert.equal(checkOverlays(size, overlays), undefined);
      const composed = applyOverlays(base, overlays);
      for (let i = 0; i < 30; i++) {
        const start = rnd.int(0, size - 1);
        const end = rnd.int(start, size - 1);
        const spans = planSpans(overlays, { start, end });
        assert.equal(spans.reduce((n, s) => n + spanLength(s), 0), end - start + 1);
        assert.ok(assemble(base, overlays, spans).equals(composed.subarray(start, end + 1)), `round ${round}: ${start}-${end}`);
      }
    }
  });
});
