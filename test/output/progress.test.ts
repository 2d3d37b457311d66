import assert from 'node:assert/strict';
import { estimateRemaining, formatDuration, progressBar } from '../../src/output/progress.js';
import { banner, describeFailure, fit } from '../../src/output/text.js';

describe('output/progress and text helpers', () => {
  it('draws a bar of the given width', () => {
    assert.equal(progressBar(0.5, 12), '[#####.....]');
    assert.equal(progressBar(2, 6), '[####]');
    assert.equal(progressBar(Number.NaN, 6), '[....]');
  });

  it('formats durations', () => {
    assert.equal(formatDuration(4_200), '4.2s');
    assert.equal(formatDuration(42_000), '42s');
    assert.equal(formatDuration(187_000), '3m07s');
    assert.equal(formatDuration(3_900_000), '1h05m');
  });

  it('estimates the time left from the rate so far', () => {
    assert.equal(estimateRemaining(0, 1000), undefined);
    assert.equal(estimateRemaining(0.25, 1000), 3000);
    assert.equal(estimateRemaining(1, 1000), 0);
  });

  it("cuts text to a width and draws Ansible's banners", () => {
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(fit('abc', 4), 'abc');
    assert.equal(banner('TASK [x]', undefined), `TASK [x] ${'*'.repeat(71)}`);
    assert.equal(banner('x'.repeat(100), undefined), `${'x'.repeat(100)} ***`);
  });

  it('describes a failure on one line', () => {
    assert.equal(describeFailure({ changed: false, failed: true, msg: 'non-zero return code', rc: 2, stderr: 'a\nno such file\n' }),
      'non-zero return code: no such file (rc=2)');
    assert.equal(describeFailure({ changed: false, failed: true }), 'failed');
  });
});
