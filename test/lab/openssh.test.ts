// The lab against Debian's OpenSSH client (ssh, sftp): our own client must never be its only peer.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], stdin?: string): Promise<Out> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

describe('lab with the OpenSSH client', function () {
  this.timeout(30_000);
  let dir: string;
  let lab: LabState;

  /** Options that use only the lab's key and known_hosts, never the user's own settings. */
  const opts = (knownHosts = lab.knownHosts): string[] => [
    '-F', '/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-i', lab.privateKey,
  ];
  const ssh = (host: string, command: string, extra: string[] = [], stdin?: string): Promise<Out> =>
    exec('ssh', [...opts(), ...extra, '-p', String(lab.port), `core@${host}`, command], stdin);

  before(async function () {
    if (!existsSync('/usr/bin/ssh') || !existsSync('/usr/bin/sftp')) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-lab-openssh-'));
    lab = await labUp({ hosts: 2, dir, port: 0 });
  });

  after(async () => {
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a command, checking the host key strictly', async () => {
    assert.deepEqual(await ssh('127.10.0.1', 'echo hi'), { code: 0, stdout: 'hi\n', stderr: '' });
  });

  it('carries exit statuses, stderr, stdin and command not found', async () => {
    assert.equal((await ssh('127.10.0.2', 'hostname; exit 7')).code, 7);
    assert.equal((await ssh('127.10.0.2', 'hostname')).stdout, 'node-002\n');
    assert.deepEqual(await ssh('127.10.0.1', 'nope'), { code: 127, stdout: '', stderr: 'sh: nope: command not found\n' });
    assert.equal((await ssh('127.10.0.1', 'cat', [], 'piped\n')).stdout, 'piped\n');
    assert.equal((await ssh('127.10.0.1', "sudo sh -c 'whoami'")).stdout, 'root\n');
  });

  it('works through the written ssh_config, with a pty too', async () => {
    const out = await exec('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', '-tt', 'node-001', 'uname -m']);
    assert.equal(out.code, 0);
    assert.equal(out.stdout.replace(/\r/g, ''), 'aarch64\n');
  });

  it('fails host key verification against another host key', async () => {
    const wrong = join(dir, 'wrong_known_hosts');
    const [first, second] = lab.hosts;
    assert.ok(first && second);
    writeFileSync(wrong, `[${first.address}]:${first.port} ${second.hostKey}\n`);
    const out = await exec('ssh', [...opts(wrong), '-p', String(lab.port), `core@${first.address}`, 'true']);
    assert.equal(out.code, 255);
    assert.match(out.stderr, /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('takes files with sftp -b: put, chmod, rename, ls, get', async () => {
    const local = join(dir, 'payload.txt');
    const back = join(dir, 'back.txt');
    const batch = join(dir, 'batch');
    writeFileSync(local, 'payload over sftp\n'.repeat(5000));
    writeFileSync(
      batch,
      [`put ${local} /tmp/.payload.tmp`, 'chmod 640 /tmp/.payload.tmp', 'rename /tmp/.payload.tmp /tmp/payload', 'ls -l /tmp', `get /tmp/payload ${back}`, ''].join('\n'),
    );
    const out = await exec('sftp', [...opts(), '-P', String(lab.port), '-b', batch, 'core@127.10.0.2']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /-rw-r-----\s+1 core\s+core\s+90000 \w{3} [ \d]\d \d\d:\d\d payload/);
    assert.equal(readFileSync(back, 'utf8'), readFileSync(local, 'utf8'));
    assert.equal((await ssh('127.10.0.2', 'test -f /tmp/payload && test ! -e /tmp/.payload.tmp && echo ok')).stdout, 'ok\n');
  });
});
