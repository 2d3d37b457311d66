import assert from 'node:assert/strict';
import { globWord, isGlob, joinArgv, lines, shellQuote, splitWords, inDirectory } from '../../src/modules/command-line.js';

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
  it('tells glob patterns from plain paths', () => {
    assert.equal(isGlob('/etc/a.conf'), false);
    assert.equal(isGlob('/var/*.done'), true);
    assert.equal(isGlob('/var/log?'), true);
    assert.equal(isGlob('/dev/sd[ab]'), true);
    assert.equal(isGlob('/odd[$(x)]'), false);
  });
  it('quotes all of a glob pattern but its wildcards', () => {
    assert.equal(globWord('/var/*.done'), "/var/*.done");
    assert.equal(globWord('/a b/*.done'), "'/a b/'*.done");
    assert.equal(globWord('/$x/f?[0-9]'), "'/$x/f'?[0-9]");
    assert.equal(globWord("/it's/*"), `'/it'"'"'s/'*`);
    assert.equal(globWord('/odd[$(x)]*'), "'/odd[$(x)]'*");
  });
  it('splits output into lines without a trailing empty one', () => {
    assert.deepEqual(lines(''), []);
    assert.deepEqual(lines('a\nb\n'), ['a', 'b']);
    assert.deepEqual(lines('a\n\nb'), ['a', '', 'b']);
  });
});
