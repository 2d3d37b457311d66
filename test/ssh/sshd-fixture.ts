// A real OpenSSH sshd for tests: its own host key, authorized key, config and pid file in a
// temp dir, listening on a random 127.x.y.z address and a free port, logging to our pipe.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshTarget } from '../../src/ssh/types.js';

const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  address: string;
  port: number;
  dir: string;
  /** `ssh-ed25519 AAAA...` of the server. */
  hostKey: string;
  /** A private key whose public half is authorized for root. */
  clientKeyFile: string;
  /** A known_hosts file listing the server's key. */
  knownHostsFile: string;
  /** Connections the server accepted so far (from its log). */
  connections(): number;
  log(): string;
  target(overrides?: Partial<SshTarget>): SshTarget;
  stop(): Promise<void>;
}

export function randomLoopback(): string {
  const byte = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));
  return `127.${byte(100, 199)}.${byte(0, 255)}.${byte(1, 254)}`;
}

export async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function keygen(file: string, passphrase = ''): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'fleetboot-test', '-f', file], { stdio: 'ignore' });
  return readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
}

export async function startSshd(): Promise<Sshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: these tests need a real OpenSSH server; install Debian's openssh-server (apt-get install -y openssh-server), as .ci/run does`);
  }
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  const dir = mkdtempSync(join(tmpdir(), 'fleetboot-sshd-'));
  const hostKey = keygen(join(dir, 'host_key'));
  const clientKeyFile = join(dir, 'client_key');
  writeFileSync(join(dir, 'authorized_keys'), `${keygen(clientKeyFile)}\n`);
  const address = randomLoopback();
  const port = await freePort(address);
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[${address}]:${port} ${hostKey}\n`);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress ${address}:${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp internal-sftp',
      'MaxStartups 100',
      'LogLevel VERBOSE', // not DEBUG: that leaks into the sessions' stderr
      // bash run by sshd sources ~/.bashrc; root's may be slow (pyenv init...) and is not under test.
      `SetEnv HOME=${dir}`,
      '',
    ].join('\n'),
  );

  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const onData = (text: string): void => {
      log += text;
      if (/Server listening on/.test(log)) resolve();
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sshd exited (${code}) before listening: ${log.trim()}`)));
    child.once('error', reject);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    address,
    port,
    dir,
    hostKey,
    clientKeyFile,
    knownHostsFile,
    connections: () => (log.match(/Connection from /g) ?? []).length,
    log: () => log,
    target: (overrides = {}) => ({
      host: 'sshd-under-test',
      address,
      port,
      user: 'root',
      privateKeyFile: clientKeyFile,
      knownHostsFile,
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 15_000,
      ...overrides,
    }),
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
