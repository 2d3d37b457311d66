// A small ssh2 client for the lab tests: connects with the lab's key, checks the host key
// against the lab's known_hosts, runs commands and opens SFTP.

import { readFileSync } from 'node:fs';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import type { LabState } from '../../src/lab/types.js';

export interface Ran {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** The key known_hosts lists for `[address]:port`, as raw SSH wire bytes. */
function knownKey(knownHostsFile: string, address: string, port: number): Buffer | undefined {
  for (const line of readFileSync(knownHostsFile, 'utf8').split('\n')) {
    const [pattern, , b64] = line.split(' ');
    if (pattern === `[${address}]:${port}` && b64) return Buffer.from(b64, 'base64');
  }
  return undefined;
}

export function connect(lab: LabState, index: number, opts: { user?: string; keepaliveInterval?: number } = {}): Promise<Client> {
  const host = lab.hosts[index];
  if (!host) throw new Error(`no host ${index}`);
  const expected = knownKey(lab.knownHosts, host.address, host.port);
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => {
      client.setNoDelay(true);
      resolve(client);
    });
    client.on('error', reject); // ssh2 may report a refused connection twice
    client.once('close', () => reject(new Error('closed before ready')));
    client.connect({
      host: host.address,
      port: host.port,
      username: opts.user ?? 'core',
      privateKey: readFileSync(lab.privateKey),
      hostVerifier: (key: Buffer) => expected !== undefined && key.equals(expected),
      readyTimeout: 10_000,
      ...(opts.keepaliveInterval ? { keepaliveInterval: opts.keepaliveInterval, keepaliveCountMax: 2 } : {}),
    });
  });
}

export function execStream(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
}

export function run(client: Client, command: string, stdin?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // Listeners go on inside the callback: the exit status may come in the same read as the reply.
    client.exec(command, (err, ch) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | undefined;
      ch.on('data', (d: Buffer) => (stdout += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      ch.on('exit', (c: number | null) => (code = c ?? undefined));
      ch.on('close', () => resolve({ code, stdout, stderr }));
      if (stdin !== undefined) ch.end(stdin);
      else ch.end();
    });
  });
}

export function sftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
}

/** Promisifies one SFTP call: `call(sftp, cb)`. */
export function sftpCall<T = void>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}
