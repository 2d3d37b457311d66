import assert from 'node:assert/strict';
import { FsError, MemFs } from '../../src/lab/memfs.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FsError);
    return err.code;
  }
  return 'ok';
}

describe('lab in-memory filesystem', () => {
  it('writes files with implied parent directories, and reads them back', () => {
    const fs = new MemFs();
    fs.writeFile('/a/b/c.txt', 'hello', 0o600);
    assert.equal(fs.readFile('/a/b/c.txt').toString(), 'hello');
    assert.equal(fs.stat('/a/b')?.kind, 'dir');
    assert.deepEqual(fs.readdir('/a'), ['b']);
    assert.equal(fs.stat('/a/b/c.txt')?.mode, 0o600);
    assert.equal(fs.stat('/a/b/c.txt')?.size, 5);
  });

  it('writes at offsets, growing and zero-filling, and truncates', () => {
    const fs = new MemFs();
    fs.open('/f', { create: true, truncate: true, exclusive: false });
    fs.writeAt('/f', 0, Buffer.from('abc'));
    fs.writeAt('/f', 5, Buffer.from('xy'));
    assert.deepEqual(fs.readFile('/f'), Buffer.from('abc\0\0xy'));
    assert.deepEqual(fs.read('/f', 1, 3), Buffer.from('bc\0'));
    assert.equal(fs.read('/f', 7, 10).length, 0);
    fs.truncate('/f', 2);
    assert.equal(fs.readFile('/f').toString(), 'ab');
    for (let i = 0; i < 1000; i++) fs.writeAt('/f', 2 + i * 3, Buffer.from('123'));
    assert.equal(fs.stat('/f')?.size, 3002);
  });

  it('renames over an existing file, and moves directories with their contents', () => {
    const fs = new MemFs({ '/d/old': 'old', '/d/new': 'new', '/x/y/z': 'z' });
    fs.rename('/d/new', '/d/old');
    assert.equal(fs.readFile('/d/old').toString(), 'new');
    assert.equal(fs.stat('/d/new'), undefined);
    fs.rename('/x', '/w');
    assert.equal(fs.readFile('/w/y/z').toString(), 'z');
    assert.equal(fs.stat('/x'), undefined);
    assert.equal(code(() => fs.rename('/nope', '/a')), 'ENOENT');
    assert.equal(code(() => fs.rename('/w', '/w/y/q')), 'EINVAL');
  });

  it('says what is wrong like POSIX', () => {
    const fs = new MemFs({ '/d/f': 'x' });
    assert.equal(code(() => fs.readFile('/d')), 'EISDIR');
    assert.equal(code(() => fs.readFile('/nope')), 'ENOENT');
    assert.equal(code(() => fs.mkdir('/d')), 'EEXIST');
    assert.equal(code(() => fs.mkdir('/a/b')), 'ENOENT');
    assert.equal(code(() => fs.mkdir('/d/f/g', { parents: true })), 'ENOTDIR');
    assert.equal(code(() => fs.rmdir('/d')), 'ENOTEMPTY');
    assert.equal(code(() => fs.unlink('/d')), 'EISDIR');
    assert.equal(code(() => fs.open('/d/f', { create: true, truncate: false, exclusive: true })), 'EEXIST');
    assert.equal(code(() => fs.open('/d/g', { create: false, truncate: false, exclusive: false })), 'ENOENT');
  });
});
