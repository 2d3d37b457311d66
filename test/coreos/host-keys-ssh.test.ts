// The live system's first SSH connection already knows its host key: an ssh2 server that takes
// its host key from the live Ignition (as the live system's sshd does) is accepted by
// fleetboot's SSH client under the strict policy through the known_hosts lines, and through the
// pinned key; a server with another key is refused.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type Connection } from 'ssh2';
import { parseDataUrl } from '../../src/coreos/data-url.js';
import { generateHostKey, knownHostsLines } from '../../src/coreos/host-keys.js';
import { buildLiveIgnition, HOST_KEY_PATH } from '../../src/coreos/live-ignition.js';
import { connectSsh } from '../../src/ssh/connect.js';
import type { SshTarget } from '../../src/ssh/types.js';
import { randomLoopback } from '../ssh/sshd-fixture.js';

async function serve(hostPrivateKey: string, address: string): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const ssh = new ssh2.Server({ hostKeys: [hostPrivateKey] }, (client: Connection) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('session', (accept) => {
      accept().on('exec', (ok) => {
        const stream = ok();
        stream.write('live\n');
        stream.exit(0);
        stream.end();
      });
    });
  });
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, sockets };
}

describe('live system host key over SSH (loopback)', () => {
  let dir: string;
  let clientKeyFile: string;
  const address = randomLoopback();
  const hostKey = generateHostKey('worker-0');
  const servers: Array<{ server: Server; sockets: Socket[] }> = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-coreos-hostkey-'));
    clientKeyFile = join(dir, 'id_ed25519');
    writeFileSync(clientKeyFile, ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
  });

  after(async () => {
    for (const s of servers) {
      for (const sock of s.sockets) sock.destroy();
      await new Promise((resolve) => s.server.close(resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function target(port: number, extra: Partial<SshTarget>): SshTarget {
    return {
      host: 'worker-0', address, port, user: 'core', privateKeyFile: clientKeyFile, agent: '',
      knownHostsFile: join(dir, 'none'), hostKeyPolicy: 'strict', connectTimeoutMs: 5000, keepaliveIntervalMs: 15_000, ...extra,
    };
  }

  async function liveServer(): Promise<number> {
    const live = buildLiveIgnition({ authorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFx7Yp4S0bUuXy5B3WcP2s5Q0yZb3vQ6gq6H8J2xV8mW x'], hostKey });
    const cfg = JSON.parse(live.bytes.toString()) as { storage: { files: Array<{ path: string; contents: { source: string } }> } };
    const file = cfg.storage.files.find((f) => f.path === HOST_KEY_PATH)!;
    const s = await serve(parseDataUrl(file.contents.source).data.toString('utf8'), address);
    servers.push(s);
    return s.port;
  }

  it('is known through the known_hosts lines under the strict policy', async () => {
    const port = await liveServer();
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, `${knownHostsLines(hostKey, [{ address, port }]).join('\n')}\n`);
    const conn = await connectSsh(target(port, { knownHostsFile }));
    try {
      assert.equal((await conn.exec('true')).stdout, 'live\n');
    } finally {
      await conn.close();
    }
  });

  it('is known through the pinned key', async () => {
    const port = await liveServer();
    const conn = await connectSsh(target(port, { pinnedHostKey: hostKey.pinnedHostKey }));
    await conn.close();
  });

  it('refuses a live system presenting another key', async () => {
    const s = await serve(generateHostKey('impostor').privateKey, address);
    servers.push(s);
    await assert.rejects(connectSsh(target(s.port, { pinnedHostKey: hostKey.pinnedHostKey })), /does not match the pinned key/);
  });
});
