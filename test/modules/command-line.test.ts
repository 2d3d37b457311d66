import assert from 'node:assert/strict';
import { joinArgv, shellQuote, splitWords, inDirectory } from '../../src/modules/command-line.js';

describe('command lines', () => {
  it('quotes words for a POSIX shell as shlex.quote does', () => {
    assert.equal(shellQuote('abc'), 'abc');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), `'it'"'"'s'`);
    assert.equal(shellQuote('$HOME;rm'), "'$HOME;rm'");
  });
  it('splits as shlex.split does', () => {
    assert.deepEqual(splitWords(`echo "a b" 'c d' e\\ f`), ['echo', 'a b', 'c d', 'e f']);
    assert.deepEqual(splitWords('echo ""'), ['echo', '']);
    assert.throws(() => splitWords('echo "a'), /unterminated double quote/);
  });
  it('keeps shell operators literal in argv form', () => {
    assert.equal(joinArgv(['echo', 'a;b', '>x']), "echo 'a;b' '>x'");
  });
  it('prefixes cd for chdir', () => {
    assert.equal(inDirectory('ls', '/tmp/a b'), "cd '/tmp/a b' && ls");
  });
});
