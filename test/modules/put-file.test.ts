// The pure part of copy/template: what to do given the host's file as just read.

import assert from 'node:assert/strict';
import { decidePut, parseMode, type PutDecision } from '../../src/modules/put-file.js';

const buf = (s: string): Buffer => Buffer.from(s);

describe('decidePut', () => {
  const cases: Array<{ name: string; current: Buffer | null; wanted: string; currentMode?: number; wantedMode?: number; want: PutDecision }> = [
    { name: 'missing file', current: null, wanted: 'a', want: { changed: true, write: true, reason: 'file does not exist' } },
    { name: 'other content', current: buf('a'), wanted: 'b', want: { changed: true, write: true, reason: 'content differs' } },
    { name: 'same content, no mode asked', current: buf('a'), wanted: 'a', currentMode: 0o600, want: { changed: false, write: false, reason: 'content is already as wanted' } },
    { name: 'same content and mode', current: buf('a'), wanted: 'a', currentMode: 0o100640, wantedMode: 0o640, want: { changed: false, write: false, reason: 'content and mode are already as wanted' } },
    { name: 'same content, other mode', current: buf('a'), wanted: 'a', currentMode: 0o644, wantedMode: 0o600, want: { changed: true, write: true, reason: 'mode is 0644, wanted 0600' } },
    {
      name: 'same content, mode unreadable',
      current: buf('a'),
      wanted: 'a',
      wantedMode: 0o600,
      want: { changed: false, write: true, reason: 'content is already as wanted; mode could not be read, so it is set again' },
    },
    { name: 'empty file wanted over a missing one', current: null, wanted: '', want: { changed: true, write: true, reason: 'file does not exist' } },
    { name: 'empty file wanted over an empty one', current: buf(''), wanted: '', want: { changed: false, write: false, reason: 'content is already as wanted' } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(decidePut(c.current, buf(c.wanted), c.currentMode, c.wantedMode), c.want));
  }
});

describe('parseMode', () => {
  it('reads octal strings and takes numbers as mode bits', () => {
    assert.equal(parseMode('0644'), 0o644);
    assert.equal(parseMode('600'), 0o600);
    assert.equal(parseMode('1777'), 0o1777);
    assert.equal(parseMode(0o640), 0o640);
    assert.equal(parseMode(undefined), undefined);
  });
  it('refuses what is not an octal mode, saying so', () => {
    assert.throws(() => parseMode('u+rw'), /mode: 'u\+rw' is not an octal mode/);
    assert.throws(() => parseMode('0888'), /not an octal mode/);
  });
});
