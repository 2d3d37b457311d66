import assert from 'node:assert/strict';
import { parseSettle, parseSince } from '../../src/cli/approve-options.js';

describe('fleetboot approve options', () => {
  const now = new Date('2026-11-25T17:00:00Z');

  it('--since takes a duration back from now or an ISO time with its zone', () => {
    assert.equal(parseSince('90s', now).toISOString(), '2026-11-25T16:58:30.000Z');
    assert.equal(parseSince('30m', now).toISOString(), '2026-11-25T16:30:00.000Z');
    assert.equal(parseSince('2h', now).toISOString(), '2026-11-25T15:00:00.000Z');
    assert.equal(parseSince('1d', now).toISOString(), '2026-11-24T17:00:00.000Z');
    assert.equal(parseSince('1.5h', now).toISOString(), '2026-11-25T15:30:00.000Z');
    assert.equal(parseSince('2026-11-25T16:00:00Z', now).toISOString(), '2026-11-25T16:00:00.000Z');
    assert.equal(parseSince('2026-11-25T18:00:00+02:00', now).toISOString(), '2026-11-25T16:00:00.000Z');
  });

  it('--since refuses a time without a zone, one in the future, and anything else, in one line', () => {
    assert.throws(() => parseSince('2026-11-25T16:00:00', now), /^OptionsError: --since 2026-11-25T16:00:00: give a duration back from now .* or an ISO time with its zone/);
    assert.throws(() => parseSince('2026-11-25T18:00:00Z', now), /--since 2026-11-25T18:00:00Z: that is in the future; give when the installs began/);
    for (const bad of ['', 'yesterday', '10', '5y', '-1h']) assert.throws(() => parseSince(bad, now), /^OptionsError: --since /);
  });

  it('--settle takes seconds from 0 to 600', () => {
    assert.equal(parseSettle(0), 0);
    assert.equal(parseSettle(2), 2000);
    assert.equal(parseSettle('0.25'), 250);
    for (const bad of [-1, 601, 'soon', Number.NaN]) assert.throws(() => parseSettle(bad), /^OptionsError: --settle: seconds from 0 to 600/);
  });
});
