// wait_for_connection against a real OpenSSH sshd: up already, never up, up during the wait,
// and a server that accepts TCP but never speaks SSH.

import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { ModuleEvent } from '../../src/modules/contract.js';
import { waitForConnectionModule } from '../../src/modules/wait-for-connection.js';
import { SshConnectionPool } from '../../src/ssh/index.js';
import { SshHostKeyError } from '../../src/ssh/errors.js';
import type { SshTarget } from '../../src/ssh/types.js';
import { freePort, keygen, randomLoopback, startSshd, type Sshd } from '../ssh/sshd-fixture.js';
import { makeContext, makePlaybookDir, runModule, type PlaybookDir } from './context.js';

interface Listener {
  close(): Promise<void>;
}

/** A TCP server on `address:port` that forwards every connection to `to` (null: accepts and stays silent). */
function listen(address: string, port: number, to: { address: string; port: number } | null): Promise<Listener> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    track(client);
    if (!to) return;
    const upstream = connect(to.port, to.address);
    track(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      sockets.forEach((s) => s.destroy());
    });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve({ close }));
  });
}

describe('wait_for_connection module on OpenSSH sshd', function () {
  let sshd: Sshd;
  let pool: SshConnectionPool;
  let pb: PlaybookDir;
  let savedAgent: string | undefined;
  const servers: Listener[] = [];

  before(async () => {
    savedAgent = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    sshd = await startSshd();
    pb = makePlaybookDir();
  });
  beforeEach(() => {
    pool = new SshConnectionPool();
  });
  afterEach(async () => {
    await pool.closeAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(async () => {
    await sshd?.stop();
    pb?.remove();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  /** The sshd, reached at another address: the host key is pinned since known_hosts names the real one. */
  const elsewhere = async (): Promise<SshTarget> => {
    const address = randomLoopback();
    return sshd.target({ address, port: await freePort(address), pinnedHostKey: sshd.hostKey, connectTimeoutMs: 2000 });
  };

  it('succeeds at once against a live server', async () => {
    const t = makeContext({ pool, target: sshd.target(), playbookDir: pb.dir });
    const r = await runModule(waitForConnectionModule, { timeout: 5 }, t.ctx);
    assert.equal(r.failed, false);
    assert.equal(r.changed, false);
    assert.equal(r.attempts, 1);
  });

  it('fails after timeout against a closed port, naming the last error', async () => {
    const target = await elsewhere();
    const events: ModuleEvent[] = [];
    const t = makeContext({ pool, target, playbookDir: pb.dir, onEvent: (e) => events.push(e) });
    const r = await runModule(waitForConnectionModule, { timeout: 2, sleep: 0.5 }, t.ctx);
    assert.equal(r.failed, true);
    assert.equal(r.changed, false);
    assert.match(String(r.msg), /^timed out waiting for connection after 2s: /);
    assert.match(String(r.msg), /ECONNREFUSED|refused/i);
    assert.ok(!String(r.msg).includes('\n'));
    const attempts = events.filter((e) => e.kind === 'message' && /wait_for_connection attempt/.test(e.msg));
    assert.ok(attempts.length >= 2, `tried ${attempts.length} times`);
  });

  it('succeeds when the server comes up during the wait', async () => {
    const target = await elsewhere();
    const events: ModuleEvent[] = [];
    let opened = false;
    // The port opens once the module has been refused at least once: no guessing at delays.
    const onEvent = (e: ModuleEvent): void => {
      events.push(e);
      if (!opened && e.kind === 'message' && /wait_for_connection attempt/.test(e.msg)) {
        opened = true;
        void listen(target.address, target.port, { address: sshd.address, port: sshd.port }).then((s) => servers.push(s));
      }
    };
    const t = makeContext({ pool, target, playbookDir: pb.dir, onEvent });
    const r = await runModule(waitForConnectionModule, { timeout: 20, sleep: 0.3 }, t.ctx);
    assert.equal(r.failed, false, String(r.msg));
    assert.ok(Number(r.attempts) >= 2);
    // And the connection it proved is the one the next task gets.
    const conn = await pool.get(target);
    assert.equal((await conn.exec('echo up')).stdout, 'up\n');
  });

  it('gives up on a server that never speaks SSH after connect_timeout per attempt, within timeout', async function () {
    this.timeout(10_000);
    const address = randomLoopback();
    const port = await freePort(address);
    servers.push(await listen(address, port, null));
    const target = sshd.target({ address, port, pinnedHostKey: sshd.hostKey });
    const events: ModuleEvent[] = [];
    const t = makeContext({ pool, target, playbookDir: pb.dir, onEvent: (e) => events.push(e) });
    const r = await runModule(waitForConnectionModule, { timeout: 2, sleep: 0.2, connect_timeout: 0.5 }, t.ctx);
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /no answer within 0\.5s/);
    const attempts = events.filter((e) => e.kind === 'message' && /wait_for_connection attempt/.test(e.msg));
    assert.ok(attempts.length >= 2, `tried ${attempts.length} times`);
  });

  it('stops at once on a refused host key: waiting does not fix that', async () => {
    const wrongKey = keygen(join(sshd.dir, 'not_the_host_key'));
    const target = sshd.target({ pinnedHostKey: wrongKey });
    const t = makeContext({ pool, target, playbookDir: pb.dir });
    await assert.rejects(runModule(waitForConnectionModule, { timeout: 20, sleep: 0.2 }, t.ctx), SshHostKeyError);
    assert.equal(t.events.length, 0, 'no second attempt');
  });

  it('waits out delay first, and stops when ctx.signal is aborted', async () => {
    const abort = new AbortController();
    const t = makeContext({ pool, target: sshd.target(), playbookDir: pb.dir, signal: abort.signal });
    const running = runModule(waitForConnectionModule, { delay: 30 }, t.ctx);
    abort.abort(new Error('stopped by test'));
    await assert.rejects(running, /stopped by test|aborted/);
  });
});
