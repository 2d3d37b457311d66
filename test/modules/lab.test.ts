// A few modules against a lab host (fleetboot's simulated SSH host, in its own process), reached
// as a run reaches it: through the inventory the lab writes.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import { labPaths } from '../../src/lab/lab-dir.js';
import { commandModule } from '../../src/modules/command.js';
import type { ModuleEvent } from '../../src/modules/contract.js';
import { copyModule } from '../../src/modules/copy.js';
import { shellModule } from '../../src/modules/shell.js';
import { templateModule } from '../../src/modules/template.js';
import { waitForConnectionModule } from '../../src/modules/wait-for-connection.js';
import type { TaskResult } from '../../src/core/result.js';
import { SshConnectionPool, sshTargetFromVars } from '../../src/ssh/index.js';
import type { SshTarget } from '../../src/ssh/types.js';
import { freePort } from '../ssh/sshd-fixture.js';
import { makeContext, makePlaybookDir, runModule, type ContextOptions, type PlaybookDir } from './context.js';

const FIRST_LAB_ADDRESS = '127.10.0.1'; // the lab's first host, by its address plan

type Vars = Record<string, unknown>;
const isVars = (v: unknown): v is Vars => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first host of the lab's inventory with its group vars and host vars merged, as a run sees them. */
function firstHostTarget(inventoryFile: string): SshTarget {
  const doc: unknown = parse(readFileSync(inventoryFile, 'utf8'));
  const lab = isVars(doc) && isVars(doc.all) && isVars(doc.all.children) ? doc.all.children.lab : undefined;
  assert.ok(isVars(lab) && isVars(lab.hosts) && isVars(lab.vars), 'lab inventory has group lab with vars and hosts');
  const [name, hostVars] = Object.entries(lab.hosts)[0] ?? [];
  assert.ok(name && isVars(hostVars));
  return sshTargetFromVars(name, { ...lab.vars, ...hostVars });
}

describe('modules on a lab host', function () {
  this.timeout(60_000);
  let dir: string;
  let other: string;
  let pb: PlaybookDir;
  let pool: SshConnectionPool;
  let lab: LabState;
  let target: SshTarget;
  let lateWait: TaskResult;
  const lateEvents: ModuleEvent[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-modules-lab-'));
    other = mkdtempSync(join(tmpdir(), 'fleetboot-modules-lab-client-'));
    pb = makePlaybookDir();
    pool = new SshConnectionPool();
    // wait_for_connection starts before the lab exists; the lab comes up once the first attempt
    // has been refused. The port is chosen here so that the target is known in advance; the
    // host key is not, hence accept-new on a known_hosts file of our own.
    const port = await freePort(FIRST_LAB_ADDRESS);
    const late: SshTarget = {
      host: 'node-001',
      address: FIRST_LAB_ADDRESS,
      port,
      user: 'core',
      privateKeyFile: labPaths(dir).privateKey,
      agent: '',
      knownHostsFile: join(other, 'known_hosts'),
      hostKeyPolicy: 'accept-new',
      connectTimeoutMs: 5_000,
      keepaliveIntervalMs: 15_000,
    };
    let refused: () => void = () => undefined;
    const firstRefusal = new Promise<void>((resolve) => (refused = resolve));
    const onEvent = (e: ModuleEvent): void => {
      lateEvents.push(e);
      if (e.kind === 'message' && /wait_for_connection attempt/.test(e.msg)) refused();
    };
    const latePool = new SshConnectionPool();
    const waiting = runModule(waitForConnectionModule, { timeout: 50, sleep: 0.5 }, makeContext({ pool: latePool, target: late, playbookDir: pb.dir, onEvent }).ctx);
    await firstRefusal;
    lab = await labUp({ hosts: 1, dir, port });
    lateWait = await waiting;
    await latePool.closeAll();
    target = firstHostTarget(lab.inventory);
  });
  after(async () => {
    await pool?.closeAll();
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    if (other) rmSync(other, { recursive: true, force: true });
    pb?.remove();
  });

  const ctxOf = (o: Partial<ContextOptions> = {}) => makeContext({ pool, target, playbookDir: pb.dir, ...o }).ctx;
  const catRemote = async (path: string): Promise<string> => {
    const r = await runModule(commandModule, { argv: ['cat', path] }, ctxOf());
    assert.equal(r.rc, 0, String(r.stderr));
    return String(r.stdout);
  };

  it('wait_for_connection succeeds when the host comes up during the wait', () => {
    assert.equal(lateWait.failed, false, String(lateWait.msg));
    assert.ok(Number(lateWait.attempts) >= 2);
    assert.ok(lateEvents.length >= 1);
  });

  it('wait_for_connection succeeds at once on a live host', async () => {
    const r = await runModule(waitForConnectionModule, { timeout: 5 }, ctxOf());
    assert.equal(r.failed, false);
    assert.equal(r.attempts, 1);
  });

  it('command: quoting, literal argv, non-zero rc', async () => {
    assert.equal((await runModule(commandModule, { cmd: 'echo "a b"' }, ctxOf())).stdout, 'a b');
    assert.equal((await runModule(commandModule, { argv: ['echo', 'a;b', '$HOME'] }, ctxOf())).stdout, 'a;b $HOME');
    const r = await runModule(commandModule, { cmd: 'false' }, ctxOf());
    assert.equal(r.failed, true);
    assert.equal(r.rc, 1);
  });

  it('command: creates and removes decided over SFTP', async () => {
    await runModule(commandModule, { argv: ['mkdir', '-p', '/tmp/fb-guards'] }, ctxOf());
    const skip = await runModule(commandModule, { cmd: 'false', removes: '/tmp/fb-guards/absent' }, ctxOf());
    assert.equal(skip.changed, false);
    assert.equal(skip.msg, "Did not run command since '/tmp/fb-guards/absent' does not exist");
    const run = await runModule(commandModule, { cmd: 'echo ran', creates: '/tmp/fb-guards/absent' }, ctxOf());
    assert.equal(run.changed, true);
    assert.equal(run.stdout, 'ran');
  });

  it('shell: runs through the host\'s shell', async () => {
    // The lab's shell has no redirections; lists and operators it has.
    const r = await runModule(shellModule, { cmd: 'echo one; false || echo two' }, ctxOf());
    assert.equal(r.failed, false);
    assert.deepEqual(r.stdout_lines, ['one', 'two']);
  });

  it('copy: creates, then leaves alone, then changes', async () => {
    const dest = '/tmp/fb-copy.txt';
    assert.equal((await runModule(copyModule, { content: 'lab\n', dest }, ctxOf())).changed, true);
    assert.equal(await catRemote(dest), 'lab');
    assert.equal((await runModule(copyModule, { content: 'lab\n', dest }, ctxOf())).changed, false);
    assert.equal((await runModule(copyModule, { content: 'lab 2\n', dest }, ctxOf())).changed, true);
    assert.equal(await catRemote(dest), 'lab 2');
  });

  it('copy: a src from files/ into a directory dest', async () => {
    writeFileSync(join(pb.files, 'lab-src.txt'), 'from files\n');
    await runModule(commandModule, { argv: ['mkdir', '-p', '/tmp/fb-dir'] }, ctxOf());
    const r = await runModule(copyModule, { src: 'lab-src.txt', dest: '/tmp/fb-dir' }, ctxOf());
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.dest, '/tmp/fb-dir/lab-src.txt');
    assert.equal(await catRemote('/tmp/fb-dir/lab-src.txt'), 'from files');
  });

  it('template: renders vars, idempotent', async () => {
    writeFileSync(join(pb.templates, 'lab.j2'), 'host={{ inventory_hostname }} role={{ role }}\n');
    const vars = { inventory_hostname: 'node-001', role: 'worker' };
    const dest = '/tmp/fb-template.conf';
    assert.equal((await runModule(templateModule, { src: 'lab.j2', dest }, ctxOf({ vars }))).changed, true);
    assert.equal(await catRemote(dest), 'host=node-001 role=worker');
    assert.equal((await runModule(templateModule, { src: 'lab.j2', dest }, ctxOf({ vars }))).changed, false);
  });
});
