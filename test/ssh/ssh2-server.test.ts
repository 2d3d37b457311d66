// The SSH transport against a small ssh2 server written here, for what a real sshd will not do
// on demand: drop the connection mid-command, split a UTF-8 character across packets, and
// act on a KILL signal request in a root session.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { connectSsh } from '../../src/ssh/connect.js';
import { SshConnectionLostError } from '../../src/ssh/errors.js';
import { SshConnectionPool } from '../../src/ssh/pool.js';
import type { SshTarget } from '../../src/ssh/types.js';
import { randomLoopback } from './sshd-fixture.js';

type Behaviour = (stream: ServerChannel, socket: Socket) => void;

/** The hanging command's reaction to a signal request. ssh2's server does not pass on signal
 * requests once a command runs, so the test server learns of them from its protocol debug log. */
let onSignal: ((name: string) => void) | undefined;

const behaviours: Record<string, Behaviour> = {
  drop(stream, socket) {
    stream.write('partial\n', () => setImmediate(() => socket.destroy()));
  },
  utf8(stream) {
    const bytes = Buffer.from('é€😀\n');
    let i = 0;
    const next = (): void => {
      if (i < bytes.length) {
        stream.write(bytes.subarray(i, i + 1)); // one byte per packet
        i++;
        setImmediate(next);
      } else {
        stream.exit(0);
        stream.end();
      }
    };
    next();
  },
  hang(stream) {
    stream.write('waiting\n');
    onSignal = (name) => {
      onSignal = undefined;
      stream.exit(name); // as a process killed by that signal
      stream.end();
    };
  },
};

describe('SSH transport against an ssh2 server', () => {
  let dir: string;
  let server: Server;
  let address: string;
  let port: number;
  let hostPublic: string;
  let clientKeyFile: string;
  let connections = 0;
  const sockets: Socket[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-ssh2srv-'));
    const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
    hostPublic = hostKey.public.split(' ').slice(0, 2).join(' ');
    clientKeyFile = join(dir, 'client_key');
    writeFileSync(clientKeyFile, ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });

    const debug = (msg: string): void => {
      const signal = /CHANNEL_REQUEST \(r:\d+, signal: (\w+)\)/.exec(msg);
      if (signal?.[1]) onSignal?.(signal[1]);
    };
    const ssh = new ssh2.Server({ hostKeys: [hostKey.private], debug }, (client: Connection) => {
      const socket = sockets[sockets.length - 1] as Socket;
      connections++;
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          const behaviour = behaviours[info.command];
          if (behaviour) behaviour(stream, socket);
          else {
            stream.write(`ran ${info.command}\n`);
            stream.exit(0);
            stream.end();
          }
        });
      });
    });
    address = randomLoopback();
    server = createServer((socket) => {
      sockets.push(socket);
      ssh.injectSocket(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    const addr = server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const target = (): SshTarget => ({
    host: 'node-007',
    address,
    port,
    user: 'core',
    privateKeyFile: clientKeyFile,
    agent: '',
    knownHostsFile: join(dir, 'known_hosts'),
    hostKeyPolicy: 'strict',
    pinnedHostKey: hostPublic,
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 15_000,
  });

  it('rejects with SshConnectionLostError when the connection drops mid-command, and the pool reconnects', async () => {
    const pool = new SshConnectionPool();
    try {
      const before = connections;
      const conn = await pool.get(target());
      const seen: string[] = [];
      let err: unknown;
      try {
        await conn.exec('drop', { onStdout: (t) => seen.push(t) });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof SshConnectionLostError, String(err));
      assert.match(err.message, /^node-007 \(127\.[\d.]+:\d+\): connection lost while running command/);
      assert.deepEqual(seen, ['partial\n']);
      await assert.rejects(conn.exec('echo again'), (e: unknown) => e instanceof SshConnectionLostError && /before it could run a command/.test(e.message));
      const again = await pool.get(target());
      assert.notEqual(again, conn);
      assert.equal((await again.exec('echo again')).stdout, 'ran echo again\n');
      assert.equal(connections, before + 2);
    } finally {
      await pool.closeAll();
    }
  });

  it('decodes UTF-8 split across packets', async () => {
    const conn = await connectSsh(target());
    try {
      const chunks: string[] = [];
      const r = await conn.exec('utf8', { onStdout: (t) => chunks.push(t) });
      assert.equal(r.stdout, 'é€😀\n');
      assert.equal(chunks.join(''), 'é€😀\n');
      assert.ok(chunks.every((c) => !c.includes('\ufffd')));
    } finally {
      await conn.close();
    }
  });

  it('sends KILL on timeout even though stdin is closed, and reports the signal', async () => {
    const conn = await connectSsh(target());
    try {
      const r = await conn.exec('hang', { timeoutMs: 100 });
      assert.deepEqual(r, { rc: null, signal: 'SIGKILL', stdout: 'waiting\n', stderr: '', timedOut: true });
    } finally {
      await conn.close();
    }
  });
});
