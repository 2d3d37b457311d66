// copy and template against a real OpenSSH sshd on loopback (SFTP for the files).

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyModule, type CopyArgs } from '../../src/modules/copy.js';
import { templateModule, type TemplateArgs } from '../../src/modules/template.js';
import { SshConnectionPool } from '../../src/ssh/index.js';
import { startSshd, type Sshd } from '../ssh/sshd-fixture.js';
import { makeContext, makePlaybookDir, runModule, type ContextOptions, type PlaybookDir } from './context.js';

describe('copy and template modules on OpenSSH sshd', function () {
  let sshd: Sshd;
  let pool: SshConnectionPool;
  let pb: PlaybookDir;
  let remote: string;
  let savedAgent: string | undefined;

  before(async () => {
    savedAgent = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    sshd = await startSshd();
    pool = new SshConnectionPool();
    pb = makePlaybookDir();
    remote = join(sshd.dir, 'remote');
    mkdirSync(remote);
  });
  after(async () => {
    await pool?.closeAll();
    await sshd?.stop();
    pb?.remove();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  const ctxOf = (o: Partial<ContextOptions> = {}) => makeContext({ pool, target: sshd.target(), playbookDir: pb.dir, ...o }).ctx;
  const copy = (args: CopyArgs, o: Partial<ContextOptions> = {}) => runModule(copyModule, args, ctxOf(o));
  const template = (args: TemplateArgs, o: Partial<ContextOptions> = {}) => runModule(templateModule, args, ctxOf(o));
  /** The mode as the host reports it, read over SSH. */
  const remoteMode = async (path: string): Promise<string> => {
    const conn = await pool.get(sshd.target());
    const r = await conn.exec(`stat -c %a '${path}'`);
    assert.equal(r.rc, 0, r.stderr);
    return r.stdout.trim();
  };

  describe('copy', () => {
    it('creates a file from content (changed), then finds it as wanted (not changed), then changes it', async () => {
      const dest = join(remote, 'content.txt');
      const first = await copy({ content: 'hello\n', dest });
      assert.equal(first.failed, false);
      assert.equal(first.changed, true);
      assert.equal(first.dest, dest);
      assert.equal(readFileSync(dest, 'utf8'), 'hello\n');

      const second = await copy({ content: 'hello\n', dest });
      assert.equal(second.changed, false);
      assert.equal(second.failed, false);

      const third = await copy({ content: 'hello again\n', dest });
      assert.equal(third.changed, true);
      assert.equal(readFileSync(dest, 'utf8'), 'hello again\n');
    });

    it('returns the sha1 checksum and size of what it put', async () => {
      const r = await copy({ content: 'abc', dest: join(remote, 'sum.txt') });
      assert.equal(r.checksum, 'a9993e364706816aba3e25717850c26c9cd0d89d');
      assert.equal(r.size, 3);
    });

    it('applies mode 0600', async () => {
      const dest = join(remote, 'secret.txt');
      const r = await copy({ content: 'secret', dest, mode: '0600' });
      assert.equal(r.changed, true);
      assert.equal(await remoteMode(dest), '600');
      assert.equal(r.mode, '0600');
    });

    it('changes only the mode of a file whose content is already right', async () => {
      const dest = join(remote, 'mode-only.txt');
      await copy({ content: 'same', dest, mode: '0644' });
      assert.equal(await remoteMode(dest), '644');
      const r = await copy({ content: 'same', dest, mode: '0640' });
      assert.equal(r.changed, true);
      assert.equal(await remoteMode(dest), '640');
      const again = await copy({ content: 'same', dest, mode: '0640' });
      assert.equal(again.changed, false);
    });

    it('keeps the mode of a file it replaces when no mode is given', async () => {
      const dest = join(remote, 'keep-mode.sh');
      writeFileSync(dest, 'old');
      chmodSync(dest, 0o750);
      const r = await copy({ content: 'new', dest });
      assert.equal(r.changed, true);
      assert.equal(await remoteMode(dest), '750');
    });

    it('copies src from the playbook\'s files/ directory', async () => {
      writeFileSync(join(pb.files, 'motd'), 'welcome\n');
      const dest = join(remote, 'motd');
      const r = await copy({ src: 'motd', dest });
      assert.equal(r.changed, true);
      assert.equal(readFileSync(dest, 'utf8'), 'welcome\n');
      assert.equal((await copy({ src: 'motd', dest })).changed, false);
    });

    it('falls back to the playbook directory for src, and takes absolute paths as they are', async () => {
      writeFileSync(join(pb.dir, 'beside.txt'), 'beside\n');
      assert.equal((await copy({ src: 'beside.txt', dest: join(remote, 'beside.txt') })).changed, true);
      assert.equal(readFileSync(join(remote, 'beside.txt'), 'utf8'), 'beside\n');
      const abs = join(pb.dir, 'absolute.txt');
      writeFileSync(abs, 'absolute\n');
      assert.equal((await copy({ src: abs, dest: join(remote, 'absolute.txt') })).changed, true);
      assert.equal(readFileSync(join(remote, 'absolute.txt'), 'utf8'), 'absolute\n');
    });

    it('copies binary content byte for byte', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      writeFileSync(join(pb.files, 'blob.bin'), bytes);
      const dest = join(remote, 'blob.bin');
      await copy({ src: 'blob.bin', dest });
      assert.ok(readFileSync(dest).equals(bytes));
      assert.equal((await copy({ src: 'blob.bin', dest })).changed, false);
    });

    it('fails with a clear message when src is missing', async () => {
      const r = await copy({ src: 'no-such-file.txt', dest: join(remote, 'x') });
      assert.equal(r.failed, true);
      const msg = String(r.msg);
      assert.ok(!msg.includes('\n'), msg);
      assert.match(msg, /no-such-file\.txt/);
      assert.match(msg, /could not find/);
      assert.match(msg, new RegExp(join(pb.dir, 'files').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });

    it('in check mode reports changed without writing', async () => {
      const dest = join(remote, 'check.txt');
      const r = await copy({ content: 'would be', dest }, { check: true });
      assert.equal(r.changed, true);
      assert.equal(r.failed, false);
      assert.equal(existsSync(dest), false);
      writeFileSync(dest, 'would be');
      assert.equal((await copy({ content: 'would be', dest }, { check: true })).changed, false);
      const differs = await copy({ content: 'other', dest }, { check: true });
      assert.equal(differs.changed, true);
      assert.equal(readFileSync(dest, 'utf8'), 'would be');
    });

    it('in check mode does not change a mode either', async () => {
      const dest = join(remote, 'check-mode.txt');
      writeFileSync(dest, 'x');
      chmodSync(dest, 0o644);
      const r = await copy({ content: 'x', dest, mode: '0600' }, { check: true });
      assert.equal(r.changed, true);
      assert.equal(await remoteMode(dest), '644');
    });

    it('fails naming the directory when dest\'s directory does not exist', async () => {
      const dest = join(remote, 'missing-dir', 'file.txt');
      const r = await copy({ content: 'x', dest });
      assert.equal(r.failed, true);
      assert.equal(r.msg, `Destination directory ${join(remote, 'missing-dir')} does not exist`);
    });

    it('copies into a directory given as dest, under the source\'s name, as Ansible does', async () => {
      writeFileSync(join(pb.files, 'into-dir.txt'), 'inside\n');
      const dir = join(remote, 'a-dir');
      mkdirSync(dir);
      const r = await copy({ src: 'into-dir.txt', dest: dir });
      assert.equal(r.failed, false);
      assert.equal(r.dest, join(dir, 'into-dir.txt'));
      assert.equal(readFileSync(join(dir, 'into-dir.txt'), 'utf8'), 'inside\n');
      const slash = await copy({ src: 'into-dir.txt', dest: `${join(remote, 'new-dir')}/` });
      assert.equal(slash.failed, true, 'a dest ending in / that does not exist is not created');
      assert.equal(slash.msg, `Destination directory ${join(remote, 'new-dir')} does not exist`);
    });

    it('refuses content with a directory as dest', async () => {
      const dir = join(remote, 'content-dir');
      mkdirSync(dir);
      const r = await copy({ content: 'x', dest: dir });
      assert.equal(r.failed, true);
      assert.match(String(r.msg), /is a directory; with content, dest must name a file/);
    });

    it('rejects a mode that is not octal', async () => {
      const r = await copy({ content: 'x', dest: join(remote, 'bad-mode'), mode: 'u+rw' });
      assert.equal(existsSync(join(remote, 'bad-mode')), false);
      assert.equal(r.failed, true);
      assert.match(String(r.msg), /mode/);
    });
  });

  describe('template', () => {
    it('renders variables into the file, then is idempotent', async () => {
      writeFileSync(join(pb.templates, 'hosts.j2'), '# {{ ansible_managed | default("managed") }}\n{% for h in peers %}\n{{ h }} {{ domain }}\n{% endfor %}\n');
      const dest = join(remote, 'hosts');
      const vars = { peers: ['a', 'b'], domain: 'example.test' };
      const first = await template({ src: 'hosts.j2', dest, mode: '0640' }, { vars });
      assert.equal(first.changed, true);
      assert.equal(first.failed, false);
      assert.equal(readFileSync(dest, 'utf8'), '# managed\na example.test\nb example.test\n');
      assert.equal(statSync(dest).mode & 0o777, 0o640);
      const second = await template({ src: 'hosts.j2', dest, mode: '0640' }, { vars });
      assert.equal(second.changed, false);
      const third = await template({ src: 'hosts.j2', dest, mode: '0640' }, { vars: { ...vars, domain: 'other.test' } });
      assert.equal(third.changed, true);
      assert.equal(readFileSync(dest, 'utf8'), '# managed\na other.test\nb other.test\n');
    });

    it('sees template_path while rendering', async () => {
      writeFileSync(join(pb.templates, 'where.j2'), '{{ template_path }}');
      const dest = join(remote, 'where');
      await template({ src: 'where.j2', dest });
      assert.equal(readFileSync(dest, 'utf8'), join(pb.templates, 'where.j2'));
    });

    it('in check mode reports changed without writing', async () => {
      writeFileSync(join(pb.templates, 'check.j2'), 'x={{ x }}\n');
      const dest = join(remote, 'template-check');
      const r = await template({ src: 'check.j2', dest }, { vars: { x: 1 }, check: true });
      assert.equal(r.changed, true);
      assert.equal(existsSync(dest), false);
    });

    it('fails naming the template when it is missing', async () => {
      const r = await template({ src: 'absent.j2', dest: join(remote, 'absent') });
      assert.equal(r.failed, true);
      assert.match(String(r.msg), /absent\.j2/);
    });

    it('fails naming an undefined variable, and writes nothing', async () => {
      writeFileSync(join(pb.templates, 'undefined.j2'), 'value={{ not_defined_anywhere }}\n');
      const dest = join(remote, 'undefined');
      await assert.rejects(template({ src: 'undefined.j2', dest }), /not_defined_anywhere/);
      assert.equal(existsSync(dest), false);
    });
  });
});
