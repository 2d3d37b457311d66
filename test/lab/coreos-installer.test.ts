import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { makeLabCa, makeLeaf } from '../../src/lab/bmc/certs.js';
import type { AddressInfo } from 'node:net';
import { parseCommandLine, parseDigest } from '../../src/lab/coreos-installer-args.js';
import { anyhowDebug, formatBytes } from '../../src/lab/coreos-installer.js';
import type { HostFaults } from '../../src/lab/faults.js';
import { HostMachine } from '../../src/lab/host-machine.js';
import { bootFs, hostProfile, LAB_USERS } from '../../src/lab/host-profile.js';
import { runShell, type ShellHost } from '../../src/lab/shell.js';

const IGNITION = Buffer.from('{"ignition":{"version":"3.4.0"},"passwd":{"users":[{"name":"core"}]}}');
const SHA512 = createHash('sha512').update(IGNITION).digest('hex');
const SHA256 = createHash('sha256').update(IGNITION).digest('hex');

function newHost(faults: HostFaults = {}, user: 'core' | 'root' = 'core'): ShellHost & { machine: HostMachine } {
  const profile = hostProfile('node-010', 'x86_64');
  const machine = new HostMachine('node-010', 'x86_64', { tinyDiskOnly: faults.installNoDisk === true, media: { size: 4096, volumeId: 'rhcos-x' } });
  return { profile, fs: bootFs(profile), user: LAB_USERS[user] ?? { name: 'core', uid: 1000, home: '/home/core' }, machine, faults, installer: { writeMs: 16 } };
}

async function sh(script: string, host: ShellHost, drop?: () => void) {
  let stdout = '';
  let stderr = '';
  const rc = await runShell(script, host, { stdout: (c) => (stdout += c.toString()), stderr: (c) => (stderr += c.toString()), ...(drop ? { drop } : {}) });
  return { rc, stdout, stderr };
}

describe('lab coreos-installer install', () => {
  let server: Server;
  let base: string;
  let requests = 0;

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === '/ign/worker.ign') res.writeHead(200, { 'Content-Type': 'application/json' }).end(IGNITION);
      else if (req.url === '/busy') res.writeHead(503).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('parses the command line as clap does, with clap`s errors and exit status 2', () => {
    const ok = parseCommandLine(['install', '-I', 'http://127.0.0.1/x', `--ignition-hash=sha512-${SHA512}`, '--append-karg', 'a=1', '-n', '/dev/sda']);
    assert.equal(ok.kind, 'install');
    if (ok.kind === 'install') {
      assert.equal(ok.args.destDevice, '/dev/sda');
      assert.deepEqual(ok.args.ignitionHash, { algo: 'sha512', hex: SHA512 });
      assert.equal(ok.args.copyNetwork, true);
    }
    const usage = 'Usage: coreos-installer install [OPTIONS] <DEST_DEVICE|--config-file <path>>';
    assert.deepEqual(parseCommandLine(['install', '--bogus', '/dev/sda']), {
      kind: 'error',
      rc: 2,
      stderr: `error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n\n${usage}\n\nFor more information, try '--help'.\n`,
    });
    assert.deepEqual(parseCommandLine(['install', '--ignition-hash', 'md5-00', '/dev/sda']), {
      kind: 'error',
      rc: 2,
      stderr: "error: invalid value 'md5-00' for '--ignition-hash <digest>': unknown hash type 'md5'\n\nFor more information, try '--help'.\n",
    });
    const missing = parseCommandLine(['install']);
    assert.equal(missing.kind === 'error' && missing.stderr.split('\n')[0], 'error: the following required arguments were not provided:');
    const conflict = parseCommandLine(['install', '-i', 'a.ign', '-I', 'http://x/', '/dev/sda']);
    assert.equal(conflict.kind === 'error' && conflict.stderr.split('\n')[0], "error: the argument '--ignition-file <path>' cannot be used with '--ignition-url <URL>'");
    assert.throws(() => parseDigest('sha512-00'), /wrong digest length \(8\)/);
    assert.throws(() => parseDigest('sha512'), /failed to detect hash-type and digest in 'sha512'/);
  });

  it('formats errors as anyhow and sizes as byte_unit do', () => {
    assert.equal(anyhowDebug(['a']), 'a');
    assert.equal(anyhowDebug(['a', 'b']), 'a\n\nCaused by:\n    b');
    assert.equal(anyhowDebug(['a', 'b', 'c']), 'a\n\nCaused by:\n    0: b\n    1: c');
    assert.equal(formatBytes(2_791_309_312), '2.6 GiB');
    assert.equal(formatBytes(348_913_664), '332.8 MiB');
  });

  it('installs: fetches the Ignition over HTTP, checks its sha512, prints progress, records it on the disk', async () => {
    const host = newHost();
    const r = await sh(`sudo coreos-installer install --ignition-url ${base}/ign/worker.ign --ignition-hash sha512-${SHA512} --append-karg console=ttyS0 /dev/nvme0n1`, host);
    assert.equal(r.rc, 0, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'Installing Fedora CoreOS 40.20240728.3.0 x86_64 (512-byte sectors)');
    assert.match(lines[1] ?? '', /^Read disk \d+\.\d (MiB|GiB)\/2\.6 GiB \(\d+%\)$/);
    assert.ok(lines.includes('Read disk 2.6 GiB/2.6 GiB (100%)'));
    assert.deepEqual(lines.slice(-3), ['Writing Ignition config', 'Modifying kernel arguments', 'Install complete.']);
    const rec = host.machine.bootableInstall();
    assert.equal(rec?.disk, 'nvme0n1');
    assert.ok(rec?.ignition?.equals(IGNITION));
    assert.equal(rec?.ignitionSha512, SHA512);
    assert.deepEqual(rec?.appendKargs, ['console=ttyS0']);
    assert.deepEqual(host.machine.blockDevices()[0]?.children.map((p) => p.partlabel), ['BIOS-BOOT', 'EFI-SYSTEM', 'boot', 'root']);
  });

  it('accepts sha256 digests and by-path device names', async () => {
    const host = newHost();
    const r = await sh(`sudo coreos-installer install -I ${base}/ign/worker.ign --ignition-hash sha256-${SHA256} /dev/disk/by-path/pci-0000:01:00.0-nvme-1`, host);
    assert.equal(r.rc, 0, r.stderr);
    assert.equal(host.machine.bootableInstall()?.device, '/dev/disk/by-path/pci-0000:01:00.0-nvme-1');
  });

  it('fails a hash mismatch with coreos-installer`s message and exit status 1, and leaves the disk unbootable', async () => {
    const host = newHost();
    const wrong = 'ab'.repeat(64);
    const r = await sh(`sudo coreos-installer install --ignition-url ${base}/ign/worker.ign --ignition-hash sha512-${wrong} /dev/nvme0n1`, host);
    assert.equal(r.rc, 1);
    assert.ok(
      r.stderr.endsWith(
        `Writing Ignition config\n\nError: writing Ignition configuration\n\nCaused by:\n    0: failed to validate Ignition configuration digest\n` +
          `    1: hash mismatch, computed '${SHA512}' but expected '${wrong}'\n\nResetting partition table\nError: install failed\n`,
      ),
      r.stderr,
    );
    assert.equal(host.machine.bootableInstall(), undefined);
  });

  it('fault ignition_hash_mismatch: the host receives other bytes, so the right hash fails', async () => {
    const host = newHost({ ignitionHashMismatch: 1 });
    const cmd = `sudo coreos-installer install --ignition-url ${base}/ign/worker.ign --ignition-hash sha512-${SHA512} /dev/nvme0n1`;
    const r = await sh(cmd, host);
    assert.equal(r.rc, 1);
    assert.match(r.stderr, new RegExp(`hash mismatch, computed '[0-9a-f]{128}' but expected '${SHA512}'`));
    assert.equal((await sh(cmd, host)).rc, 0, 'only the first install is affected');
  });

  it('refuses plain-HTTP Ignition without a hash unless --insecure-ignition, as coreos-installer does', async () => {
    const host = newHost();
    const r = await sh(`sudo coreos-installer install --ignition-url ${base}/ign/worker.ign /dev/nvme0n1`, host);
    assert.deepEqual(r, { rc: 1, stdout: '', stderr: 'Error: refusing to fetch Ignition config over HTTP without --ignition-hash or --insecure-ignition\n' });
    assert.equal((await sh(`sudo coreos-installer install --insecure-ignition --ignition-url ${base}/ign/worker.ign /dev/nvme0n1`, host)).rc, 0);
  });

  it('fails downloads as reqwest reports them, and never leaves loopback', async () => {
    const host = newHost();
    const before = requests;
    const r404 = await sh(`sudo coreos-installer install --insecure-ignition -I ${base}/nope /dev/nvme0n1`, host);
    assert.equal(r404.rc, 1);
    assert.equal(
      r404.stderr,
      `Error: downloading source Ignition config ${base}/nope\n\nCaused by:\n    0: fetching '${base}/nope'\n` +
        `    1: HTTP status client error (404 Not Found) for url (${base}/nope)\n`,
    );
    const retried = await sh(`sudo coreos-installer install --insecure-ignition --fetch-retries 1 -I ${base}/busy /dev/nvme0n1`, host);
    assert.match(retried.stderr, /^Error fetching '.*\/busy': HTTP 503 Service Unavailable\nSleeping 1s and retrying...\nError: downloading/);
    assert.equal(requests - before, 3);
    const far = await sh('sudo coreos-installer install --insecure-ignition -I http://192.0.2.1/x.ign /dev/nvme0n1', host);
    assert.equal(far.rc, 1);
    assert.match(far.stderr, /error sending request for url \(http:\/\/192\.0\.2\.1\/x\.ign\)\n    2: the lab reaches loopback addresses only/);
  });

  it('fetches HTTPS Ignition URLs, trusting the CA the lab was given (else reqwest`s certificate error)', async () => {
    const ca = await makeLabCa();
    const leaf = await makeLeaf(ca, ['127.0.0.1']);
    const tls = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem }, (_req, res) => res.writeHead(200).end(IGNITION));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/w.ign`;
    try {
      const trusting = { ...newHost(), installer: { writeMs: 8, ca: ca.certPem } };
      assert.equal((await sh(`sudo coreos-installer install -I ${url} /dev/nvme0n1`, trusting)).rc, 0, 'https needs no hash');
      const other = await sh(`sudo coreos-installer install -I ${url} /dev/nvme0n1`, newHost());
      assert.equal(other.rc, 1);
      assert.match(other.stderr, /    1: error sending request for url \(https:\/\/127\.0\.0\.1:\d+\/w\.ign\)\n    2: invalid peer certificate: UnknownIssuer\n$/);
    } finally {
      await new Promise<void>((r) => tls.close(() => r()));
    }
  });

  it('needs root and an existing device', async () => {
    const host = newHost();
    const r = await sh('coreos-installer install /dev/nvme0n1', host);
    assert.equal(r.stderr, 'Error: getting sector size of /dev/nvme0n1\n\nCaused by:\n    0: opening "/dev/nvme0n1"\n    1: Permission denied (os error 13)\n');
    const none = await sh('sudo coreos-installer install /dev/sdz', host);
    assert.equal(none.stderr, 'Error: getting sector size of /dev/sdz\n\nCaused by:\n    0: opening "/dev/sdz"\n    1: No such file or directory (os error 2)\n');
    assert.equal(none.rc, 1);
  });

  it('fault install_no_disk: only a 16 GB SATA DOM, no NVMe disk', async () => {
    const host = newHost({ installNoDisk: true });
    const r = await sh('lsblk -dnbo NAME,SIZE,TYPE', host);
    assert.equal(r.stdout, 'sda 16013942784 disk\nsr0        4096 rom\n');
    assert.equal((await sh('sudo coreos-installer install /dev/nvme0n1', host)).rc, 1);
  });

  it('fault install_fail: a write error, exit 1, partition table reset', async () => {
    const host = newHost({ installFail: Infinity });
    const r = await sh('sudo coreos-installer install /dev/nvme0n1', host);
    assert.equal(r.rc, 1);
    assert.match(r.stderr, /\n\nError: decoding and writing image\n\nCaused by:\n    Input\/output error \(os error 5\)\n\nResetting partition table\nError: install failed\n$/);
    assert.equal(host.machine.bootableInstall(), undefined);
  });

  it('fault install_drop_ssh: the connection is cut mid-install and the install dies with it', async () => {
    const host = newHost({ installDropSsh: Infinity });
    let dropped = false;
    const r = await sh('sudo coreos-installer install /dev/nvme0n1', host, () => (dropped = true));
    assert.ok(dropped);
    assert.notEqual(r.rc, 0);
    assert.ok(!r.stderr.includes('Install complete.'));
    assert.equal(host.machine.bootableInstall(), undefined);
  });

  it('fault slow_download: the Ignition fetch takes longer', async () => {
    const host = newHost({ slowDownloadSeconds: 0.2 });
    const t0 = performance.now();
    assert.equal((await sh(`sudo coreos-installer install -I ${base}/ign/worker.ign --ignition-hash sha512-${SHA512} /dev/nvme0n1`, host)).rc, 0);
    assert.ok(performance.now() - t0 >= 190);
  });

  it('reads install options from --config-file as coreos-installer does', async () => {
    const host = newHost();
    host.fs.writeFile('/home/core/install.yaml', `ignition-url: ${base}/ign/worker.ign\nignition-hash: sha512-${SHA512}\nappend-karg: [a=1, b=2]\ndest-device: /dev/nvme0n1\n`);
    const r = await sh('sudo coreos-installer install --config-file /home/core/install.yaml', host);
    assert.equal(r.rc, 0, r.stderr);
    assert.match(r.stdout, /^Running with arguments: --ignition-url .* --append-karg a=1 --append-karg b=2 \/dev\/nvme0n1\n$/);
    assert.deepEqual(host.machine.bootableInstall()?.appendKargs, ['a=1', 'b=2']);
  });
});

describe('lab shell: device commands', () => {
  it('lists /dev/disk/by-path as symlinks to ../../NAME, and udevadm gives the links', async () => {
    const host = newHost();
    const ls = await sh('ls -l /dev/disk/by-path', host);
    assert.match(ls.stdout, /^total 0\n/);
    assert.match(ls.stdout, /\nlrwxrwxrwx\. 1 root root 13 \w{3} [ \d]\d \d\d:\d\d pci-0000:01:00\.0-nvme-1 -> \.\.\/\.\.\/nvme0n1\n/);
    const u = await sh('udevadm info --query=symlink --name=/dev/nvme0n1', host);
    assert.match(u.stdout, /disk\/by-path\/pci-0000:01:00\.0-nvme-1/);
    assert.match(u.stdout, /disk\/by-id\/nvme-eui\.[0-9a-f]{32}/);
    assert.equal((await sh('uname -m', host)).stdout, 'x86_64\n');
  });
});
