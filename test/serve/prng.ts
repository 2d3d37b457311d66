// A seeded generator (mulberry32): property-style tests draw the same cases on every run.

export function prng(seed: number): { int(lo: number, hi: number): number; bytes(n: number): Buffer } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    /** An integer in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    bytes: (n) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}

/** The file with the overlays written over it: what a composed artifact must read as. */
export function applyOverlays(file: Buffer, overlays: readonly { offset: number; bytes: Uint8Array }[]): Buffer {
  const out = Buffer.from(file);
  for (const o of overlays) out.set(o.bytes, o.offset);
  return out;
}
