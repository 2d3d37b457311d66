import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'ssh2';
import { parse } from 'yaml';
import { ParseError } from '../../src/core/errors.js';
import { labDown, labStatus, labUp, type LabState } from '../../src/lab/control.js';
import { connect, execStream, run, sftp, sftpCall } from './ssh-client.js';

const FAULTS = `node-002:
  refuse: true
node-003:
  drop_on: "^echo partial"
  fail: { match: "^deploy", rc: 3, stderr: "deploy failed" }
  slow: { match: "^hostname", seconds: 0.05 }
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('lab (integration, ssh2 client)', function () {
  this.timeout(30_000);
  let dir: string;
  let lab: LabState;
  let client: Client;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-lab-'));
    writeFileSync(join(dir, 'faults.yml'), FAULTS);
    // Port 0: any free port (the same on every address), so parallel runs never collide.
    lab = await labUp({ hosts: 3, dir, port: 0, faults: join(dir, 'faults.yml') });
    client = await connect(lab, 0);
  });

  after(async () => {
    client?.end();
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes lab.json, the key, known_hosts and a valid inventory', () => {
    assert.equal(lab.hosts.length, 3);
    assert.deepEqual(
      lab.hosts.map((h) => [h.name, h.address]),
      [['node-001', '127.10.0.1'], ['node-002', '127.10.0.2'], ['node-003', '127.10.0.3']],
    );
    assert.ok(lab.port > 0 && lab.hosts.every((h) => h.port === lab.port));
    assert.equal(readFileSync(lab.privateKey, 'utf8').split('\n')[0], '-----BEGIN OPENSSH PRIVATE KEY-----');
    const known = readFileSync(lab.knownHosts, 'utf8').trim().split('\n');
    assert.equal(known.length, 3);
    assert.match(known[0] ?? '', new RegExp(`^\\[127\\.10\\.0\\.1\\]:${lab.port} ssh-ed25519 AAAA`));
    const inv = parse(readFileSync(lab.inventory, 'utf8')) as {
      all: { children: { lab: { hosts: Record<string, { ansible_host: string; ansible_port: number; bmc?: Record<string, unknown> }> } } };
    };
    assert.deepEqual(inv.all.children.lab.hosts['node-003'], {
      ansible_host: '127.10.0.3',
      ansible_port: lab.port,
      arch: 'aarch64',
      bmc: { address: '127.20.0.3', port: lab.bmcPort, user: 'admin', password_file: join(dir, 'bmc-passwords', 'node-003'), ca_file: join(dir, 'bmc-ca.pem') },
    });
  });

  it('is an inventory Ansible reads', async function () {
    if (!existsSync('/usr/bin/ansible-inventory')) this.skip();
    const { stdout } = await promisify(execFile)('ansible-inventory', ['-i', lab.inventory, '--list'], {
      env: { ...process.env, ANSIBLE_LOCAL_TEMP: join(dir, '.ansible-tmp'), ANSIBLE_HOME: join(dir, '.ansible') },
    });
    const list = JSON.parse(stdout) as { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    const h1 = list._meta.hostvars['node-001'];
    assert.equal(h1?.ansible_host, '127.10.0.1');
    assert.equal(h1?.ansible_port, lab.port);
    assert.equal(h1?.ansible_user, 'core');
    assert.equal(h1?.ansible_ssh_private_key_file, lab.privateKey);
  });

  it('refuses a second lab in the same directory, in one line', async () => {
    await assert.rejects(labUp({ hosts: 1, dir, port: 0 }), (err: Error) => {
      assert.match(err.message, /^a lab is already up in .* \(pid \d+\); run `fleetboot lab down --dir .*` first$/);
      return true;
    });
  });

  it('runs commands: exit codes, stdout, stderr', async () => {
    assert.deepEqual(await run(client, 'echo hello; hostname'), { code: 0, stdout: 'hello\nnode-001\n', stderr: '' });
    assert.deepEqual(await run(client, 'false'), { code: 1, stdout: '', stderr: '' });
    assert.deepEqual(await run(client, 'exit 42'), { code: 42, stdout: '', stderr: '' });
    assert.deepEqual(await run(client, 'cat /nope'), { code: 1, stdout: '', stderr: 'cat: /nope: No such file or directory\n' });
  });

  it('answers command not found with 127', async () => {
    assert.deepEqual(await run(client, 'systemctl start x'), {
      code: 127,
      stdout: '',
      stderr: 'sh: systemctl: command not found\n',
    });
  });

  it('runs sudo, and logs in as root too', async () => {
    assert.deepEqual(await run(client, "sudo sh -c 'uname -m'"), { code: 0, stdout: 'aarch64\n', stderr: '' });
    const root = await connect(lab, 0, { user: 'root' });
    try {
      assert.equal((await run(root, 'whoami')).stdout, 'root\n');
    } finally {
      root.end();
    }
  });

  it('refuses other users and other keys', async () => {
    await assert.rejects(connect(lab, 0, { user: 'bob' }), /authentication methods failed/);
  });

  it('passes stdin to the command', async () => {
    assert.deepEqual(await run(client, 'cat', 'from stdin\n'), { code: 0, stdout: 'from stdin\n', stderr: '' });
  });

  it('streams output before the command ends', async () => {
    const ch = await execStream(client, 'echo first; sleep 3600; echo never');
    ch.end();
    // Resolves only if "first" arrives while the command still sleeps.
    const first = await new Promise<string>((resolve) => ch.once('data', (d: Buffer) => resolve(d.toString())));
    assert.equal(first, 'first\n');
    const closed = new Promise<number | undefined>((resolve) => {
      let code: number | undefined;
      ch.on('exit', (c: number) => (code = c));
      ch.on('close', () => resolve(code));
    });
    ch.close();
    assert.equal(await closed, undefined);
    // The connection is still good after a channel closed mid-command.
    assert.equal((await run(client, 'echo after')).stdout, 'after\n');
  });

  it('runs many channels at once on one connection', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => run(client, `sleep 0.01; echo ${i}; exit ${i % 3}`)));
    results.forEach((r, i) => assert.deepEqual(r, { code: i % 3, stdout: `${i}\n`, stderr: '' }));
  });

  it('answers keepalives', async () => {
    const c = await connect(lab, 0, { keepaliveInterval: 20 });
    try {
      // Several keepalive rounds happen during the sleep; unanswered ones would end the connection.
      assert.equal((await run(c, 'sleep 0.2; echo alive')).stdout, 'alive\n');
    } finally {
      c.end();
    }
  });

  it('keeps SFTP files: temp file + rename over an existing file, mode, read back, visible to commands', async () => {
    const s = await sftp(client);
    try {
      await sftpCall((cb) => s.writeFile('/etc/app.conf', 'old\n', cb));
      await sftpCall((cb) => s.writeFile('/etc/.app.conf.tmp', 'key: value\n', cb));
      await sftpCall((cb) => s.chmod('/etc/.app.conf.tmp', 0o600, cb));
      await sftpCall((cb) => s.rename('/etc/.app.conf.tmp', '/etc/app.conf', cb));
      const data = await sftpCall<Buffer>((cb) => s.readFile('/etc/app.conf', cb));
      assert.equal(data.toString(), 'key: value\n');
      const st = await sftpCall<{ mode: number; size: number }>((cb) => s.stat('/etc/app.conf', cb));
      assert.equal(st.mode, 0o100600);
      assert.equal(st.size, 11);
      await assert.rejects(sftpCall((cb) => s.stat('/etc/.app.conf.tmp', cb)), /No such file/);
      const names = await sftpCall<Array<{ filename: string }>>((cb) => s.readdir('/etc', cb));
      assert.ok(names.some((n) => n.filename === 'app.conf'));
      await sftpCall((cb) => s.mkdir('/etc/app.d', cb));
      assert.equal((await sftpCall<string>((cb) => s.realpath('.', cb))), '/home/core');
      await sftpCall((cb) => s.unlink('/etc/app.conf', cb));
      await sftpCall((cb) => s.writeFile('/etc/app.conf', 'key: value\n', cb));
    } finally {
      s.end();
    }
    assert.deepEqual(await run(client, 'cat /etc/app.conf && test -d /etc/app.d'), { code: 0, stdout: 'key: value\n', stderr: '' });
  });

  it('fault refuse: the host closes connections at once', async () => {
    await assert.rejects(connect(lab, 1));
  });

  it('fault drop_on: the connection dies mid-command after some output, with no exit status', async () => {
    const c = await connect(lab, 2);
    const connClosed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.on('error', () => undefined);
    const r = await run(c, 'echo partial; sleep 3600');
    assert.deepEqual(r, { code: undefined, stdout: 'partial\n', stderr: '' });
    await connClosed;
  });

  it('fault fail: a matching command fails with the given rc and stderr; others run', async () => {
    const c = await connect(lab, 2);
    try {
      assert.deepEqual(await run(c, 'deploy --now'), { code: 3, stdout: '', stderr: 'deploy failed\n' });
      assert.deepEqual(await run(c, 'echo fine'), { code: 0, stdout: 'fine\n', stderr: '' });
      assert.deepEqual(await run(c, 'hostname'), { code: 0, stdout: 'node-003\n', stderr: '' });
    } finally {
      c.end();
    }
  });

  it('reports status: up, and which hosts answer', async () => {
    const st = await labStatus(dir);
    assert.ok(st.up);
    assert.equal(st.pid, lab.pid);
    assert.deepEqual(
      st.hosts.map((h) => [h.name, h.answers]),
      [['node-001', true], ['node-002', false], ['node-003', true]],
    );
    assert.deepEqual(st.hosts.map((h) => h.bmcAnswers), [true, true, true], 'each host has a BMC answering by default');
  });
});

describe('lab up/down', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-lab-'));
  });
  after(async () => {
    await labDown(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a bad faults file with file:line:col before starting anything', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'node-001:\n  slow: { seconds: soon }\n');
    await assert.rejects(labUp({ hosts: 1, dir, port: 0, faults: file }), (err: Error) => {
      assert.ok(err instanceof ParseError);
      assert.equal(err.message, `${file}:2:20: node-001.slow.seconds: must be a number`);
      return true;
    });
    assert.equal(existsSync(join(dir, 'lab.json')), false);
  });

  it('labDown stops the daemon and removes lab.json; status says down', async () => {
    const lab = await labUp({ hosts: 2, dir, port: 0, names: 'arm' });
    assert.equal(lab.hosts[1]?.name, 'arm-002');
    assert.ok(alive(lab.pid));
    await labDown(dir);
    assert.equal(alive(lab.pid), false);
    assert.equal(existsSync(join(dir, 'lab.json')), false);
    assert.deepEqual(await labStatus(dir), { up: false, dir });
    assert.match(readFileSync(join(dir, 'lab.log'), 'utf8'), /lab down \(SIGTERM\)/);
    await labDown(dir); // nothing up: no error
  });

  it('--bmc-media-rate reaches every BMC (its /lab/stats says so); a negative rate is refused before starting', async () => {
    await assert.rejects(labUp({ hosts: 1, dir, port: 0, bmcMediaRate: -5 }), /--bmc-media-rate must be a whole number of bytes\/s/);
    const lab = await labUp({ hosts: 2, dir, port: 0, bmcMediaRate: 1_000_000 });
    try {
      const ca = readFileSync(lab.bmcCa!, 'utf8');
      for (const h of lab.hosts) {
        const body = await new Promise<string>((ok, fail) => {
          httpsGet({ host: h.bmc!.address, port: h.bmc!.port, path: '/lab/stats', ca }, (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => ok(text));
          }).on('error', fail);
        });
        assert.equal((JSON.parse(body) as { mediaRate: number }).mediaRate, 1_000_000);
      }
    } finally {
      await labDown(dir);
    }
  });

  it('runs without BMCs when asked (bmc: false), and refuses an unknown BMC profile before starting', async () => {
    await assert.rejects(labUp({ hosts: 1, dir, port: 0, bmcProfiles: 'cray' }), /--bmc-profiles: unknown BMC profile "cray"/);
    const lab = await labUp({ hosts: 1, dir, port: 0, bmc: false });
    assert.equal(lab.bmcPort, undefined);
    assert.equal(lab.hosts[0]?.bmc, undefined);
    const st = await labStatus(dir);
    assert.ok(st.up);
    assert.equal(st.hosts[0]?.bmcAnswers, undefined);
    await labDown(dir);
  });
});
