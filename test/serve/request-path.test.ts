import { strict as assert } from 'node:assert';
import { checkName, newToken, parseArtifactPath, shownUnknownPath } from '../../src/serve/request-path.js';

describe('serve/request-path', () => {
  it('tokens are 192 random bits in base64url and differ', () => {
    const a = newToken();
    assert.match(a, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(Buffer.from(a, 'base64url').length, 24);
    assert.notEqual(a, newToken());
  });
  it('parses /a/<token>/<name>, query ignored', () => {
    const t = newToken();
    assert.deepEqual(parseArtifactPath(`/a/${t}/live.iso`), { token: t, name: 'live.iso' });
    assert.deepEqual(parseArtifactPath(`/a/${t}/live.iso?x=1`), { token: t, name: 'live.iso' });
  });
  it('anything else is not an artifact path: traversal, encodings, extra segments', () => {
    const t = newToken();
    for (const p of [
      '/a/../../etc/passwd',
      '/a/%2e%2e/%2e%2e/etc/passwd',
      `/a/${t}/../../etc/passwd`,
      `/a/${t}/%2e%2e%2fetc%2fpasswd`,
      `/a/${t}/..`,
      `/a/${t}/.`,
      `/a/${t}/`,
      `/a/${t}`,
      `//a/${t}/x`,
      `/a/${t}/x/y`,
      `/b/${t}/x`,
      `/a/${t.slice(1)}/x`,
      `http://h/a/${t}/x`,
      '*',
      '',
    ]) {
      assert.equal(parseArtifactPath(p), undefined, p);
    }
  });
  it('names are one safe segment', () => {
    assert.equal(checkName('rhcos-live.x86_64.iso'), undefined);
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a b', '.hidden', 'x%2f']) assert.match(checkName(bad)!, /one path segment/, bad);
  });
  it('unknown paths are shown without token-like runs, control characters or length', () => {
    const t = newToken();
    assert.equal(shownUnknownPath(`/a/${t}/x?secret=1`), '/a/…/x');
    assert.equal(shownUnknownPath('/x\u001b[31m'), '/x\\x1b[31m');
    assert.ok(shownUnknownPath('/' + 'ab/'.repeat(100)).length <= 121);
  });
});
