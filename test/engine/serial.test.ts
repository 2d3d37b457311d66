import assert from 'node:assert/strict';
import { batchSizes, batches, exceedsMaxFail } from '../../src/engine/serial.js';

describe('serial batches', () => {
  it('runs all hosts in one batch without serial', () => {
    assert.deepEqual(batchSizes(10, undefined), [10]);
  });
  it('takes a number, repeating the last size', () => {
    assert.deepEqual(batchSizes(10, [3]), [3, 3, 3, 1]);
  });
  it('takes percentages of the play hosts', () => {
    assert.deepEqual(batchSizes(10, ['30%']), [3, 3, 3, 1]);
    assert.deepEqual(batchSizes(3, ['10%']), [1, 1, 1]);
  });
  it('takes a list, as a canary then larger batches', () => {
    assert.deepEqual(batchSizes(20, [1, 5, '50%']), [1, 5, 10, 4]);
  });
  it('splits the hosts in order', () => {
    assert.deepEqual(batches(['a', 'b', 'c'], [2]), [['a', 'b'], ['c']]);
  });
  it('aborts only past max_fail_percentage', () => {
    assert.equal(exceedsMaxFail(1, 10, 10), false);
    assert.equal(exceedsMaxFail(2, 10, 10), true);
    assert.equal(exceedsMaxFail(1, 10, 0), true);
    assert.equal(exceedsMaxFail(5, 10, undefined), false);
  });
});
