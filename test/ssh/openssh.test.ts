// The SSH transport against a real OpenSSH sshd on loopback: our own SSH server is never the
// only peer.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectSsh } from '../../src/ssh/connect.js';
import type { SshClientConnection } from '../../src/ssh/connection.js';
import { SshConnectionLostError } from '../../src/ssh/errors.js';
import { fingerprintSha256 } from '../../src/ssh/host-key-policy.js';
import { SshConnectionPool, type SshTransportEvent } from '../../src/ssh/pool.js';
import { SshUnreachableError } from '../../src/ssh/types.js';
import { freePort, keygen, randomLoopback, startSshd, type Sshd } from './sshd-fixture.js';

const hostKeyB64 = (sshd: Sshd): string => sshd.hostKey.split(' ')[1] ?? '';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

describe('SSH transport against OpenSSH sshd', function () {
  let sshd: Sshd;
  let conn: SshClientConnection;
  let savedAgent: string | undefined;

  before(async () => {
    savedAgent = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK; // only the agents these tests start
    sshd = await startSshd();
    conn = await connectSsh(sshd.target());
  });
  after(async () => {
    await conn?.close();
    await sshd?.stop();
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  });

  describe('host keys', () => {
    it('connects with key auth when known_hosts lists the host', async () => {
      const r = await conn.exec('echo hello; echo oops >&2; exit 3');
      assert.deepEqual(r, { rc: 3, stdout: 'hello\n', stderr: 'oops\n' });
    });

    it('refuses an unknown host under strict, naming host, address, fingerprint and the way out', async () => {
      const empty = join(sshd.dir, 'empty_known_hosts');
      writeFileSync(empty, '');
      const err = await rejection(connectSsh(sshd.target({ knownHostsFile: empty })));
      assert.ok(err instanceof SshUnreachableError);
      assert.ok(!err.message.includes('\n'));
      assert.ok(err.message.startsWith(`sshd-under-test (${sshd.address}:${sshd.port}): host key not known`), err.message);
      assert.ok(err.message.includes(fingerprintSha256(hostKeyB64(sshd))));
      assert.match(err.message, /fleetboot_host_key_policy: accept-new/);
    });

    it('accept-new records the key once, then knows it', async () => {
      const file = join(sshd.dir, 'sub', 'accept_new_known_hosts');
      const first = await connectSsh(sshd.target({ knownHostsFile: file, hostKeyPolicy: 'accept-new' }));
      assert.match(first.note ?? '', /added ED25519 key SHA256:/);
      await first.close();
      assert.equal(readFileSync(file, 'utf8'), `[${sshd.address}]:${sshd.port} ${sshd.hostKey}\n`);
      const second = await connectSsh(sshd.target({ knownHostsFile: file, hostKeyPolicy: 'accept-new' }));
      assert.equal(second.note, undefined);
      await second.close();
      assert.equal(readFileSync(file, 'utf8').split('\n').length, 2);
    });

    it('refuses a changed key even under accept-new', async () => {
      const file = join(sshd.dir, 'changed_known_hosts');
      writeFileSync(file, `[${sshd.address}]:${sshd.port} ${keygen(join(sshd.dir, 'other_host_key'))}\n`);
      const err = await rejection(connectSsh(sshd.target({ knownHostsFile: file, hostKeyPolicy: 'accept-new' })));
      assert.ok(err instanceof SshUnreachableError);
      assert.match(err.message, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    });

    it('accepts only the pinned key', async () => {
      const missing = join(sshd.dir, 'no_such_known_hosts');
      const pinned = await connectSsh(sshd.target({ knownHostsFile: missing, pinnedHostKey: sshd.hostKey }));
      await pinned.close();
      const other = keygen(join(sshd.dir, 'pinned_other'));
      const err = await rejection(connectSsh(sshd.target({ pinnedHostKey: other })));
      assert.ok(err instanceof SshUnreachableError);
      assert.match(err.message, /does not match the pinned key/);
    });
  });

  describe('authentication', () => {
    it('fails with the user and what was tried', async () => {
      const stranger = join(sshd.dir, 'stranger_key');
      keygen(stranger);
      const err = await rejection(connectSsh(sshd.target({ privateKeyFile: stranger })));
      assert.ok(err instanceof SshUnreachableError);
      assert.equal(err.message, `sshd-under-test (${sshd.address}:${sshd.port}): authentication failed for user root (tried key ${stranger})`);
    });

    it('says a passphrase-protected key needs an agent', async () => {
      const locked = join(sshd.dir, 'locked_key');
      keygen(locked, 'secret phrase');
      const err = await rejection(connectSsh(sshd.target({ privateKeyFile: locked })));
      assert.ok(err instanceof SshUnreachableError);
      assert.match(err.message, /locked_key is passphrase-protected: load it into ssh-agent \(ssh-add .*locked_key\)/);
    });

    it('falls back to the agent after a key it cannot use', async () => {
      const sock = join(sshd.dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100 && spawnSync('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock } }).status === 2; i++) await sleep(20);
        assert.equal(spawnSync('ssh-add', [sshd.clientKeyFile], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' }).status, 0);
        const locked = join(sshd.dir, 'locked_key2');
        keygen(locked, 'secret phrase');
        const viaAgent = await connectSsh(sshd.target({ privateKeyFile: locked, agent: sock }));
        assert.equal((await viaAgent.exec('echo via agent')).stdout, 'via agent\n');
        await viaAgent.close();
      } finally {
        agent.kill();
      }
    });
  });

  describe('commands', () => {
    it('streams output as it arrives', async () => {
      let ended = false;
      const chunks: { text: string; endedBefore: boolean }[] = [];
      const running = conn.exec('echo a; sleep 1; echo b', { onStdout: (text) => chunks.push({ text, endedBefore: ended }) });
      void running.then(() => (ended = true));
      const r = await running;
      assert.equal(r.stdout, 'a\nb\n');
      assert.deepEqual(chunks[0], { text: 'a\n', endedBefore: false });
    });

    it('passes stdin, and always sends EOF', async () => {
      assert.equal((await conn.exec('cat', { stdin: 'line 1\nline 2\n' })).stdout, 'line 1\nline 2\n');
      assert.equal((await conn.exec('cat', { stdin: Buffer.from('bytes') })).stdout, 'bytes');
      assert.deepEqual(await conn.exec('cat'), { rc: 0, stdout: '', stderr: '' });
    });

    // OpenSSH refuses "signal" requests in root sessions (it skips privilege separation for
    // root), and these tests log in as root: they check that the request goes out and that
    // the caller gets its answer; test/ssh/drop.test.ts shows a server acting on it.
    const signalRequests = (): number => (sshd.log().match(/session_signal_req: /g) ?? []).length;
    async function untilSignalRequests(n: number): Promise<number> {
      for (let i = 0; i < 100 && signalRequests() < n; i++) await sleep(20);
      return signalRequests();
    }

    it('on timeout, sends KILL and reports timedOut', async () => {
      const before = signalRequests();
      const r = await conn.exec('sleep 1', { timeoutMs: 200 });
      assert.equal(r.timedOut, true);
      assert.equal(await untilSignalRequests(before + 1), before + 1);
      assert.equal((await conn.exec('echo still usable')).stdout, 'still usable\n');
    });

    it('on abort, sends KILL and rejects with the abort reason at once', async () => {
      const before = signalRequests();
      const controller = new AbortController();
      const err = await rejection(conn.exec('echo started; sleep 1', { signal: controller.signal, onStdout: () => controller.abort() }));
      assert.ok(err instanceof Error && err.name === 'AbortError', String(err));
      assert.equal(await untilSignalRequests(before + 1), before + 1);
      const aborted = new AbortController();
      aborted.abort();
      assert.equal(((await rejection(conn.exec('true', { signal: aborted.signal }))) as Error).name, 'AbortError');
    });

    it('runs 20 commands at once on one connection', async () => {
      const before = sshd.connections();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => conn.exec(`sleep 0.2; echo ${i}`)));
      results.forEach((r, i) => assert.deepEqual(r, { rc: 0, stdout: `${i}\n`, stderr: '' }));
      assert.equal(sshd.connections(), before);
    });
  });

  describe('files over SFTP', () => {
    it('writes atomically with a mode, reads back, and tells what exists', async () => {
      const dir = join(sshd.dir, 'files');
      await conn.exec(`mkdir -p ${dir}`);
      const path = join(dir, 'config.txt');
      assert.equal(await conn.exists(path), false);
      assert.equal(await conn.readFile(path), null);
      await conn.writeFile(path, Buffer.from('first\n'), 0o640);
      assert.equal((await conn.exec(`stat -c %a ${path}`)).stdout, '640\n');
      assert.equal(await conn.exists(path), true);
      assert.equal(await conn.exists(dir), true);
      assert.deepEqual(await conn.stat(path), { kind: 'file', mode: 0o640, size: 6 });
      assert.equal((await conn.stat(dir))?.kind, 'dir');
      assert.equal(await conn.stat(join(dir, 'nothing')), null);
      assert.equal((await conn.readFile(path))?.toString(), 'first\n');
      // replacing keeps the mode when none is given
      await conn.writeFile(path, Buffer.from('second\n'));
      assert.equal((await conn.exec(`stat -c %a ${path}`)).stdout, '640\n');
      assert.equal((await conn.readFile(path))?.toString(), 'second\n');
      await conn.writeFile(path, Buffer.from('third\n'), 0o600);
      assert.equal((await conn.exec(`stat -c %a ${path}`)).stdout, '600\n');
      assert.equal((await conn.exec(`ls -A ${dir}`)).stdout, 'config.txt\n', 'no temp file left behind');
    });

    it('reports a failed write on one line with the path', async () => {
      const err = await rejection(conn.writeFile('/nonexistent-dir/x/file', Buffer.from('x')));
      assert.ok(err instanceof Error);
      assert.match(err.message, /^sshd-under-test \(.*\): sftp write \/nonexistent-dir\/x\/\.file\.fleetboot-\w+\.tmp: No such file/);
    });
  });

  describe('pool', () => {
    it('shares one connection for concurrent and later calls', async () => {
      const events: SshTransportEvent[] = [];
      const pool = new SshConnectionPool({ onEvent: (e) => events.push(e) });
      const before = sshd.connections();
      try {
        const conns = await Promise.all(Array.from({ length: 10 }, () => pool.get(sshd.target())));
        assert.ok(conns.every((c) => c === conns[0]));
        for (let i = 0; i < 5; i++) assert.equal((await (await pool.get(sshd.target())).exec(`echo ${i}`)).stdout, `${i}\n`);
        assert.equal(sshd.connections(), before + 1);
        assert.deepEqual(
          events.map((e) => e.action),
          ['connect', 'connected'],
        );
      } finally {
        await pool.closeAll();
      }
      assert.deepEqual(events.map((e) => e.action).slice(-1), ['closed']);
    });

    it('reconnects after the server kills the connection mid-command', async () => {
      const events: SshTransportEvent[] = [];
      const pool = new SshConnectionPool({ onEvent: (e) => events.push(e) });
      try {
        const first = await pool.get(sshd.target());
        // The command's parent is the sshd process serving this connection. It may die before
        // or after the server confirmed the channel: either way the connection is lost.
        const err = await rejection(first.exec('echo going; kill -9 $PPID'));
        assert.ok(err instanceof SshConnectionLostError, String(err));
        assert.match(err.message, /connection lost while (running|starting) command/);
        const second = await pool.get(sshd.target());
        assert.notEqual(second, first);
        assert.equal((await second.exec('echo back')).stdout, 'back\n');
        assert.ok(events.some((e) => e.action === 'closed' && /connection lost/.test(e.detail ?? '')));
      } finally {
        await pool.closeAll();
      }
    });

    it('turns a refused connection into SshUnreachableError', async () => {
      const events: SshTransportEvent[] = [];
      const pool = new SshConnectionPool({ onEvent: (e) => events.push(e) });
      const address = randomLoopback();
      const port = await freePort(address);
      const err = await rejection(pool.get(sshd.target({ host: 'node-003', address, port })));
      assert.ok(err instanceof SshUnreachableError);
      assert.equal(err.message, `node-003 (${address}:${port}): connection refused`);
      assert.equal(err.host, 'node-003');
      assert.deepEqual(
        events.map((e) => [e.action, e.detail]),
        [
          ['connect', `root@${address}:${port}`],
          ['error', err.message],
        ],
      );
    });

    it('times out on a server that never answers', async () => {
      const address = randomLoopback();
      const sockets: Socket[] = [];
      const silent: Server = createServer((s) => sockets.push(s));
      await new Promise<void>((resolve) => silent.listen(0, address, resolve));
      const addr = silent.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      try {
        const err = await rejection(connectSsh(sshd.target({ host: 'node-004', address, port, connectTimeoutMs: 300 })));
        assert.ok(err instanceof SshUnreachableError);
        assert.equal(err.message, `node-004 (${address}:${port}): timed out after 0.3s`);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });
});
