import assert from 'node:assert/strict';
import { archSpecTotal, parseArchSpec, planArches } from '../../src/lab/arch.js';

describe('lab architectures (--arch)', () => {
  it('defaults to about three quarters aarch64, from the host index alone', () => {
    const arches = planArches(20);
    assert.equal(arches.filter((a) => a === 'aarch64').length, 15);
    assert.equal(arches.filter((a) => a === 'x86_64').length, 5);
    assert.deepEqual(planArches(4), ['aarch64', 'aarch64', 'aarch64', 'x86_64']);
    assert.deepEqual(planArches(20), arches, 'deterministic');
  });

  it('takes counts, interleaved so any slice of the lab has both kinds', () => {
    const spec = parseArchSpec('aarch64=15,x86_64=5');
    assert.equal(archSpecTotal(spec), 20);
    const arches = planArches(20, spec);
    assert.equal(arches.filter((a) => a === 'x86_64').length, 5);
    assert.ok(arches.slice(0, 4).includes('x86_64'));
    assert.deepEqual(planArches(3, parseArchSpec('x86_64=1,aarch64=2')), ['aarch64', 'x86_64', 'aarch64']);
  });

  it('takes one architecture for all hosts', () => {
    assert.deepEqual(planArches(3, parseArchSpec('x86_64')), ['x86_64', 'x86_64', 'x86_64']);
    assert.equal(archSpecTotal(parseArchSpec('x86_64')), undefined);
  });

  it('refuses unknown architectures, bad counts and mismatched totals with a clear message', () => {
    assert.throws(() => parseArchSpec('arm64=3'), /unknown architecture "arm64" \(expected one of: aarch64, x86_64, ppc64le, s390x\)/);
    assert.throws(() => parseArchSpec('aarch64=x'), /"aarch64=x" is not ARCH=COUNT/);
    assert.throws(() => parseArchSpec('aarch64=1,aarch64=2'), /given twice/);
    assert.throws(() => parseArchSpec('aarch64=0'), /no host at all/);
    assert.throws(() => planArches(4, parseArchSpec('aarch64=2,x86_64=1')), /asks for 3 hosts but the lab has 4/);
  });
});
