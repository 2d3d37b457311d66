// command and shell against a real OpenSSH sshd on loopback.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandModule, type CommandArgs } from '../../src/modules/command.js';
import type { ModuleEvent } from '../../src/modules/contract.js';
import { shellModule } from '../../src/modules/shell.js';
import { SshConnectionPool } from '../../src/ssh/index.js';
import { startSshd, type Sshd } from '../ssh/sshd-fixture.js';
import { makeContext, makePlaybookDir, runModule, type ContextOptions, type PlaybookDir, type TestContext } from './context.js';

/** Kills a remote process sshd refused to signal (root sessions), by the pid it printed. */
function killLeftover(printed: string): void {
  const pid = Number(printed.trim().split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe('command and shell modules on OpenSSH sshd', function () {
  let sshd: Sshd;
  let pool: SshConnectionPool;
  let pb: PlaybookDir;
  let work: string;
  let savedAgent: string | undefined;

  before(async () => {
    savedAgent = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK; // the fixture's key only
    sshd = await startSshd();
    pool = new SshConnectionPool();
    pb = makePlaybookDir();
    // sshd runs on this machine: its files are ours to look at directly.
    work = join(sshd.dir, 'work dir');
    mkdirSync(work);
  });
  after(async () => {
    await pool?.closeAll();
    await sshd?.stop();
    pb?.remove();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  const context = (o: Partial<ContextOptions> = {}): TestContext =>
    makeContext({ pool, target: sshd.target(), playbookDir: pb.dir, ...o });
  const command = (args: CommandArgs, o: Partial<ContextOptions> = {}) => runModule(commandModule, args, context(o).ctx);

  describe('command', () => {
    it('splits cmd as shlex does: quotes group words', async () => {
      const r = await command({ cmd: `printf '%s\\n' "a b" c` });
      assert.equal(r.failed, false);
      assert.equal(r.changed, true);
      assert.equal(r.rc, 0);
      assert.equal(r.stdout, 'a b\nc');
      assert.deepEqual(r.stdout_lines, ['a b', 'c']);
      assert.deepEqual(r.stderr_lines, []);
      assert.equal(r.cmd, `printf '%s\\n' "a b" c`);
    });

    it('echo "a b" gives a b', async () => {
      const r = await command({ cmd: 'echo "a b"' });
      assert.equal(r.stdout, 'a b');
    });

    it('does no shell processing of cmd: variables and operators stay literal', async () => {
      const r = await command({ cmd: 'echo $HOME;x >out |y' , chdir: work });
      assert.equal(r.stdout, '$HOME;x >out |y');
      assert.equal(existsSync(join(work, 'out')), false);
    });

    it('keeps shell metacharacters in argv literal', async () => {
      const r = await command({ argv: ['echo', 'a;b', '$HOME', "it's", '`id`'] });
      assert.equal(r.failed, false);
      assert.equal(r.stdout, "a;b $HOME it's `id`");
      assert.deepEqual(r.cmd, ['echo', 'a;b', '$HOME', "it's", '`id`']);
    });

    it('runs in chdir (a path with a space)', async () => {
      const r = await command({ cmd: 'pwd', chdir: work });
      assert.equal(r.stdout, work);
    });

    it('fails with the rc when chdir does not exist', async () => {
      const r = await command({ cmd: 'pwd', chdir: join(work, 'missing') });
      assert.equal(r.failed, true);
      assert.notEqual(r.rc, 0);
      assert.match(String(r.stderr), /missing/);
    });

    it('skips when creates exists, with Ansible\'s message and changed=false', async () => {
      const creates = join(work, 'created');
      writeFileSync(creates, '');
      const marker = join(work, 'ran-creates');
      const r = await command({ argv: ['touch', marker], creates });
      assert.equal(r.changed, false);
      assert.equal(r.failed, false);
      assert.equal(r.rc, 0);
      assert.equal(r.msg, `Did not run command since '${creates}' exists`);
      assert.equal(existsSync(marker), false, 'the command must not have run');
    });

    it('runs when creates does not exist', async () => {
      const marker = join(work, 'made-by-command');
      const r = await command({ argv: ['touch', marker], creates: marker });
      assert.equal(r.changed, true);
      assert.equal(existsSync(marker), true);
      const again = await command({ argv: ['touch', marker], creates: marker });
      assert.equal(again.changed, false);
    });

    it('resolves a relative creates against chdir, as Ansible does', async () => {
      writeFileSync(join(work, 'relative-marker'), '');
      const r = await command({ cmd: 'false', chdir: work, creates: 'relative-marker' });
      assert.equal(r.changed, false);
      assert.equal(r.failed, false);
    });

    it('takes creates and removes as glob patterns, in a path with a space', async () => {
      writeFileSync(join(work, 'step.done'), '');
      const skip = await command({ cmd: 'false', creates: join(work, '*.done') });
      assert.equal(skip.changed, false);
      assert.equal(skip.failed, false);
      const run = await command({ cmd: 'true', creates: join(work, '*.never') });
      assert.equal(run.changed, true);
      const relative = await command({ cmd: 'false', chdir: work, creates: 'step.d?ne' });
      assert.equal(relative.changed, false);
      const removes = await command({ cmd: 'true', removes: join(work, 'nothing-[0-9]') });
      assert.equal(removes.changed, false);
    });

    it('skips when removes does not exist, with Ansible\'s message', async () => {
      const removes = join(work, 'never-there');
      const r = await command({ cmd: 'false', removes });
      assert.equal(r.changed, false);
      assert.equal(r.failed, false);
      assert.equal(r.msg, `Did not run command since '${removes}' does not exist`);
    });

    it('runs when removes exists', async () => {
      const removes = join(work, 'to-remove');
      writeFileSync(removes, '');
      const r = await command({ argv: ['rm', removes], removes });
      assert.equal(r.changed, true);
      assert.equal(existsSync(removes), false);
    });

    it('feeds stdin, with a newline added unless told not to', async () => {
      const r = await command({ cmd: 'cat', stdin: 'hello' });
      assert.equal(r.stdout, 'hello');
      const counted = await command({ cmd: 'wc -c', stdin: 'hello' });
      assert.equal(String(counted.stdout).trim(), '6');
      const bare = await command({ cmd: 'wc -c', stdin: 'hello', stdin_add_newline: false });
      assert.equal(String(bare.stdout).trim(), '5');
    });

    it('fails on a non-zero rc, keeping rc, stdout and stderr lines', async () => {
      const r = await command({ argv: ['sh', '-c', 'echo out1; echo out2; echo err >&2; exit 3'] });
      assert.equal(r.failed, true);
      assert.equal(r.changed, true);
      assert.equal(r.rc, 3);
      assert.equal(r.msg, 'non-zero return code');
      assert.deepEqual(r.stdout_lines, ['out1', 'out2']);
      assert.deepEqual(r.stderr_lines, ['err']);
    });

    it('strips trailing newlines and carriage returns from stdout/stderr, as Ansible does', async () => {
      const r = await command({ argv: ['printf', 'a\\n\\n\\r\\n'] });
      assert.equal(r.stdout, 'a');
      assert.deepEqual(r.stdout_lines, ['a']);
    });

    it('reports a missing program as rc 127', async () => {
      const r = await command({ cmd: '/nonexistent/program arg' });
      assert.equal(r.failed, true);
      assert.equal(r.rc, 127);
    });

    it('streams output through ctx.emit before the command ends', async () => {
      // The command waits for a file that the test creates only once the first line has
      // arrived as an event: without streaming it would give up and say so.
      const go = join(work, 'go');
      const events: ModuleEvent[] = [];
      const onEvent = (e: ModuleEvent): void => {
        events.push(e);
        if (e.kind === 'output' && e.text.includes('first')) writeFileSync(go, '');
      };
      const script = `echo first; i=0; while [ ! -e '${go}' ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e '${go}' ] && echo second || echo gave-up`;
      const t = context({ onEvent });
      const r = await runModule(commandModule, { argv: ['sh', '-c', script] }, t.ctx);
      assert.equal(r.stdout, 'first\nsecond');
      assert.equal(t.output('stdout'), 'first\nsecond\n');
      assert.ok(events.every((e) => e.kind === 'output' && e.stream === 'stdout'));
    });

    it('streams stderr as stderr events', async () => {
      const t = context();
      await runModule(commandModule, { argv: ['sh', '-c', 'echo oops >&2'] }, t.ctx);
      assert.equal(t.output('stderr'), 'oops\n');
      assert.equal(t.output('stdout'), '');
    });

    it('does not run in check mode', async () => {
      const marker = join(work, 'check-marker');
      const r = await command({ argv: ['touch', marker] }, { check: true });
      assert.equal(r.skipped, true);
      assert.equal(r.changed, false);
      assert.equal(r.failed, false);
      assert.equal(r.msg, 'Command would have run if not in check mode');
      assert.equal(existsSync(marker), false);
    });

    it('in check mode, still decides creates: says it would not run, or that it would (changed)', async () => {
      const exists = join(work, 'check-creates');
      writeFileSync(exists, '');
      const skip = await command({ cmd: 'false', creates: exists }, { check: true });
      assert.equal(skip.changed, false);
      assert.equal(skip.msg, `Would not run command since '${exists}' exists`);
      const marker = join(work, 'check-creates-missing');
      const would = await command({ argv: ['touch', marker], creates: marker }, { check: true });
      assert.equal(would.changed, true);
      assert.equal(would.failed, false);
      assert.equal(would.msg, 'Command would have run if not in check mode');
      assert.equal(existsSync(marker), false);
    });

    it('fails with no command', async () => {
      const r = await command({ cmd: '   ' });
      assert.equal(r.failed, true);
      assert.equal(r.msg, 'no command given');
    });

    it('fails on an unterminated quote, saying so', async () => {
      const r = await command({ cmd: 'echo "a' });
      assert.equal(r.failed, true);
      assert.match(String(r.msg), /unterminated double quote/);
    });

    it('kills a command that outlives ctx.timeoutMs and says it timed out', async function () {
      // OpenSSH refuses the KILL signal for root sessions: the result must come back anyway.
      // `exec` makes the shell the sleep itself; its pid lets the test clean up after a refused KILL.
      this.timeout(15_000);
      const t = context({ timeoutMs: 1000 });
      const r = await runModule(commandModule, { argv: ['sh', '-c', 'echo $$ >&2; exec sleep 30'] }, t.ctx);
      killLeftover(t.output('stderr'));
      assert.equal(r.failed, true);
      assert.notEqual(r.rc, 0);
      assert.match(String(r.msg), /timed out after 1s/);
    });

    it('gives up at once when ctx.signal is aborted', async function () {
      this.timeout(15_000);
      const abort = new AbortController();
      const t = context({ signal: abort.signal, onEvent: () => abort.abort(new Error('stopped by test')) });
      await assert.rejects(runModule(commandModule, { argv: ['sh', '-c', 'echo $$; exec sleep 30'] }, t.ctx), /stopped by test/);
      killLeftover(t.output('stdout'));
    });
  });

  describe('shell', () => {
    it('runs pipes', async () => {
      const r = await runModule(shellModule, { cmd: 'echo hi | tr a-z A-Z' }, context().ctx);
      assert.equal(r.failed, false);
      assert.equal(r.changed, true);
      assert.equal(r.stdout, 'HI');
      assert.equal(r.cmd, 'echo hi | tr a-z A-Z');
    });

    it('runs redirections, variables and arithmetic, in chdir', async () => {
      const r = await runModule(shellModule, { cmd: `x=4; echo "v=$((x+1))" > shell-out; cat < shell-out; echo 'it'"'"'s' >&2`, chdir: work }, context().ctx);
      assert.equal(r.stdout, 'v=5');
      assert.equal(r.stderr, "it's");
    });

    it('uses /bin/sh by default and the given executable when told', async () => {
      const bashOnly = '[[ a == a ]] && echo bash-syntax-ok';
      const sh = await runModule(shellModule, { cmd: bashOnly }, context().ctx);
      assert.equal(sh.failed, true);
      const bash = await runModule(shellModule, { cmd: bashOnly, executable: '/bin/bash' }, context().ctx);
      assert.equal(bash.failed, false);
      assert.equal(bash.stdout, 'bash-syntax-ok');
    });

    it('takes stdin and honours creates', async () => {
      const r = await runModule(shellModule, { cmd: 'tr a-z A-Z', stdin: 'piped' }, context().ctx);
      assert.equal(r.stdout, 'PIPED');
      const marker = join(work, 'shell-creates');
      writeFileSync(marker, '');
      const skipped = await runModule(shellModule, { cmd: 'exit 1', creates: marker }, context().ctx);
      assert.equal(skipped.changed, false);
      assert.equal(skipped.failed, false);
    });

    it('fails on a non-zero exit', async () => {
      const r = await runModule(shellModule, { cmd: 'echo bad >&2; exit 7' }, context().ctx);
      assert.equal(r.failed, true);
      assert.equal(r.rc, 7);
      assert.deepEqual(r.stderr_lines, ['bad']);
    });
  });
});
