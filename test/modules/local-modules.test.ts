// The modules that run on the controller alone: debug, assert, fail, set_fact, pause. Their
// context has an SSH pool whose host does not exist: touching it would fail the test.

import assert from 'node:assert/strict';
import { assertModule, type AssertArgs } from '../../src/modules/assert.js';
import { debugModule, type DebugArgs } from '../../src/modules/debug.js';
import { failModule } from '../../src/modules/fail.js';
import { pauseModule, type PauseArgs } from '../../src/modules/pause.js';
import { setFactModule } from '../../src/modules/set-fact.js';
import { SshConnectionPool } from '../../src/ssh/index.js';
import type { SshTarget } from '../../src/ssh/types.js';
import { makeContext, makePlaybookDir, runModule, type ContextOptions, type PlaybookDir, type TestContext } from './context.js';

const nowhere: SshTarget = {
  host: 'not-to-be-contacted',
  address: '127.0.0.1',
  port: 1,
  user: 'nobody',
  knownHostsFile: '/dev/null',
  hostKeyPolicy: 'strict',
  connectTimeoutMs: 100,
  keepaliveIntervalMs: 0,
};

describe('local modules', () => {
  let pb: PlaybookDir;
  let pool: SshConnectionPool;
  const transport: string[] = [];

  before(() => {
    pb = makePlaybookDir();
    pool = new SshConnectionPool({ onEvent: (e) => transport.push(e.action) });
  });
  after(async () => {
    assert.deepEqual(transport, [], 'a local module must not connect');
    await pool.closeAll();
    pb.remove();
  });

  const context = (vars: Record<string, unknown> = {}, o: Partial<ContextOptions> = {}): TestContext =>
    makeContext({ pool, target: nowhere, playbookDir: pb.dir, vars, ...o });

  describe('debug', () => {
    const debug = (args: DebugArgs, vars: Record<string, unknown> = {}) => runModule(debugModule, args, context(vars).ctx);

    it('shows msg, and Hello world! without one', async () => {
      assert.deepEqual(await debug({ msg: 'hi there' }), { changed: false, failed: false, msg: 'hi there' });
      assert.equal((await debug({})).msg, 'Hello world!');
    });

    it('shows a structured msg as JSON', async () => {
      const r = await debug({ msg: { a: [1, 2] } });
      assert.deepEqual(JSON.parse(String(r.msg)), { a: [1, 2] });
    });

    it('shows a variable under its name, with its templates rendered', async () => {
      const r = await debug({ var: 'greeting' }, { name: 'world', greeting: 'hello {{ name }}' });
      assert.equal(r.greeting, 'hello world');
      assert.equal(r.failed, false);
    });

    it('evaluates an expression given as var', async () => {
      const r = await debug({ var: 'items | length' }, { items: [1, 2, 3] });
      assert.equal(r['items | length'], 3);
    });

    it('is skipped below its verbosity, shown from it on (ansible_verbosity)', async () => {
      const quiet = await debug({ msg: 'details', verbosity: 2 });
      assert.deepEqual(quiet, { changed: false, failed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' });
      const shown = await debug({ msg: 'details', verbosity: 2 }, { ansible_verbosity: 2 });
      assert.equal(shown.msg, 'details');
      assert.equal(shown.skipped, undefined);
      assert.equal((await debug({ msg: 'always', verbosity: 0 })).msg, 'always');
    });

    it('says VARIABLE IS NOT DEFINED! for an undefined variable, without failing', async () => {
      const r = await debug({ var: 'nope' });
      assert.equal(r.nope, 'VARIABLE IS NOT DEFINED!');
      assert.equal(r.failed, false);
    });
  });

  describe('assert', () => {
    const check = (args: AssertArgs, vars: Record<string, unknown> = {}) => runModule(assertModule, args, context(vars).ctx);
    const vars = { port: 22, name: 'node-1', disks: ['sda'], none: [], flags: {} };

    it('passes when every condition of the list holds', async () => {
      const r = await check({ that: ['port == 22', "name.startswith('node')", 'disks | length > 0', true] }, vars);
      assert.equal(r.failed, false);
      assert.equal(r.changed, false);
      assert.equal(r.msg, 'All assertions passed');
    });

    it('fails on the first false condition, naming it, with fail_msg', async () => {
      const r = await check({ that: ['port == 22', 'port == 2222', 'undefined_var'], fail_msg: 'wrong port' }, vars);
      assert.equal(r.failed, true);
      assert.equal(r.assertion, 'port == 2222');
      assert.equal(r.evaluated_to, false);
      assert.equal(r.msg, 'wrong port');
    });

    it('takes a single condition as a string, and msg as an older name of fail_msg', async () => {
      const r = await check({ that: 'port > 1024', msg: 'privileged port' }, vars);
      assert.equal(r.failed, true);
      assert.equal(r.msg, 'privileged port');
      assert.equal((await check({ that: 'port > 1' }, vars)).failed, false);
    });

    it('says Assertion failed without a message, and success_msg on success', async () => {
      assert.equal((await check({ that: false }, vars)).msg, 'Assertion failed');
      assert.equal((await check({ that: true, success_msg: 'fine' }, vars)).msg, 'fine');
    });

    it('treats empty lists and dicts as false, as Jinja2 does', async () => {
      assert.equal((await check({ that: 'none' }, vars)).failed, true);
      assert.equal((await check({ that: 'flags' }, vars)).failed, true);
      assert.equal((await check({ that: 'disks' }, vars)).failed, false);
    });

    it('evaluates through ctx.evaluate, so variables holding templates are rendered', async () => {
      const r = await check({ that: ['wanted == 3'] }, { base: 1, wanted: '{{ base + 2 }}' });
      assert.equal(r.failed, false, String(r.msg));
    });

    it('reports an undefined variable as the failure it is', async () => {
      await assert.rejects(check({ that: 'no_such_var == 1' }, vars), /no_such_var/);
    });
  });

  describe('fail', () => {
    it('fails with the message given, or Ansible\'s default', async () => {
      assert.deepEqual(await runModule(failModule, { msg: 'stop here' }, context().ctx), { changed: false, failed: true, msg: 'stop here' });
      assert.equal((await runModule(failModule, {}, context().ctx)).msg, 'Failed as requested from task');
    });
  });

  describe('set_fact', () => {
    it('returns its arguments as ansible_facts, without cacheable', async () => {
      const r = await runModule(setFactModule, { role: 'master', disks: ['sda', 'sdb'], cacheable: true }, context().ctx);
      assert.deepEqual(r, { changed: false, failed: false, ansible_facts: { role: 'master', disks: ['sda', 'sdb'] } });
    });
  });

  describe('pause', () => {
    const pause = (args: PauseArgs, o: Partial<ContextOptions> = {}) => runModule(pauseModule, args, context({}, o).ctx);

    it('waits the seconds given', async () => {
      const r = await pause({ seconds: 0.05 });
      assert.equal(r.failed, false);
      assert.equal(r.changed, false);
      assert.equal(r.stdout, 'Paused for 0.05 seconds');
    });

    it('emits the prompt as a message', async () => {
      const t = context();
      await runModule(pauseModule, { seconds: 0, prompt: 'waiting for the BMC' }, t.ctx);
      assert.deepEqual(t.events, [{ kind: 'message', level: 'info', msg: 'waiting for the BMC' }]);
    });

    it('is cut short by ctx.signal', async () => {
      const abort = new AbortController();
      const running = pause({ minutes: 10 }, { signal: abort.signal });
      abort.abort(new Error('interrupted by test'));
      await assert.rejects(running, /interrupted by test|aborted/i);
    });

    it('fails without seconds or minutes, explaining that it never waits for a keypress', async () => {
      const r = await pause({ prompt: 'press enter' });
      assert.equal(r.failed, true);
      assert.match(String(r.msg), /seconds or minutes/);
      assert.match(String(r.msg), /unattended/);
      assert.ok(!String(r.msg).includes('\n'));
    });
  });
});
