import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import { LAB_USERS } from '../../src/lab/host-profile.js';
import { MemFs } from '../../src/lab/memfs.js';
import { serveSftp } from '../../src/lab/sftp.js';

/** Records the answers serveSftp gives, the way ssh2's server-side SFTP stream would send them. */
class FakeSftp extends EventEmitter {
  readonly answers: Array<[string, number, unknown]> = [];
  status(id: number, code: number): void {
    this.answers.push(['status', id, code]);
  }
  handle(id: number, h: Buffer): void {
    this.answers.push(['handle', id, h]);
  }
  end(): void {}
}

function sshString(s: string): Buffer {
  const b = Buffer.alloc(4 + Buffer.byteLength(s));
  b.writeUInt32BE(Buffer.byteLength(s));
  b.write(s, 4);
  return b;
}

describe('lab SFTP server, requests driven directly', () => {
  it('handles posix-rename@openssh.com, replacing the target', () => {
    const fs = new MemFs({ '/etc/a.tmp': 'new', '/etc/a': 'old' });
    const fake = new FakeSftp();
    const user = LAB_USERS.core;
    assert.ok(user);
    serveSftp(fake as unknown as SFTPWrapper, fs, user);
    fake.emit('EXTENDED', 7, 'posix-rename@openssh.com', Buffer.concat([sshString('/etc/a.tmp'), sshString('/etc/a')]));
    assert.deepEqual(fake.answers, [['status', 7, 0]]);
    assert.equal(fs.readFile('/etc/a').toString(), 'new');
    assert.equal(fs.stat('/etc/a.tmp'), undefined);
  });

  it('refuses other extensions and malformed ones as unsupported', () => {
    const fake = new FakeSftp();
    const user = LAB_USERS.core;
    assert.ok(user);
    serveSftp(fake as unknown as SFTPWrapper, new MemFs(), user);
    fake.emit('EXTENDED', 1, 'statvfs@openssh.com', sshString('/'));
    fake.emit('EXTENDED', 2, 'posix-rename@openssh.com', Buffer.from([0, 0, 0, 9, 1]));
    assert.deepEqual(fake.answers, [['status', 1, 8], ['status', 2, 8]]);
  });

  it('opens with O_EXCL only when the file does not exist', () => {
    const fs = new MemFs({ '/x': '1' });
    const fake = new FakeSftp();
    const user = LAB_USERS.root;
    assert.ok(user);
    serveSftp(fake as unknown as SFTPWrapper, fs, user);
    const { CREAT, WRITE, EXCL } = { CREAT: 0x08, WRITE: 0x02, EXCL: 0x20 };
    fake.emit('OPEN', 1, '/x', WRITE | CREAT | EXCL, {});
    fake.emit('OPEN', 2, 'rel', WRITE | CREAT | EXCL, { mode: 0o600 });
    assert.deepEqual(fake.answers[0], ['status', 1, 4]);
    assert.equal(fake.answers[1]?.[0], 'handle');
    assert.equal(fs.stat('/root/rel')?.mode, 0o600);
  });
});
