import assert from 'node:assert/strict';
import { splitWords } from '../../src/modules/command-line.js';
import { installCommand, InstallCommandError, type InstallOptions } from '../../src/coreos/install-command.js';
import { parseProgressLine, ProgressSplitter } from '../../src/coreos/install-progress.js';

const HASH = `sha512-${'ab'.repeat(64)}`;
const URL_ = 'http://10.0.0.1:8080/ign/Zk3-9qT_x7/worker-0.ign?x=1&y=2';

function refuse(o: Partial<InstallOptions>, message: RegExp): void {
  assert.throws(() => installCommand({ device: '/dev/sda', ...o }), (e: unknown) => e instanceof InstallCommandError && message.test(e.message) && !e.message.includes('\n'), String(message));
}

describe('coreos-installer install command', () => {
  it('builds the operator\'s command, each part quoted', () => {
    const c = installCommand({ device: '/dev/sda', ignitionUrl: URL_, ignitionHash: HASH, appendKargs: ['console=ttyS0,115200', 'rd.neednet=1 ip=dhcp'], copyNetwork: true });
    assert.deepEqual(c.argv, [
      'coreos-installer', 'install', `--ignition-url=${URL_}`, `--ignition-hash=${HASH}`,
      '--append-karg=console=ttyS0,115200', '--append-karg=rd.neednet=1 ip=dhcp', '--copy-network', '/dev/sda',
    ]);
    assert.equal(c.command, `sudo coreos-installer install '--ignition-url=${URL_}' --ignition-hash=${HASH} --append-karg=console=ttyS0,115200 '--append-karg=rd.neednet=1 ip=dhcp' --copy-network /dev/sda`);
    // The shell gives coreos-installer exactly these words back.
    assert.deepEqual(splitWords(c.command).slice(1), c.argv);
    assert.deepEqual(c.secrets, [URL_, `'--ignition-url=${URL_}'`]);
    assert.equal(installCommand({ device: '/dev/sda' }, { sudo: false }).command, 'coreos-installer install /dev/sda');
  });

  it('passes every option coreos-installer 0.26 takes, in its own order', () => {
    const c = installCommand({
      device: '/dev/disk/by-path/pci-0000:00:17.0-ata-2',
      imageUrl: 'https://mirror.example/rhcos.raw.gz',
      ignitionUrl: 'https://10.0.0.1/w.ign',
      ignitionHash: HASH.toUpperCase().replace('SHA512', 'sha512'),
      architecture: 'arm64',
      platform: 'metal',
      consoles: ['ttyAMA0,115200n8', 'tty0'],
      firstbootArgs: 'ip=dhcp',
      appendKargs: ['a=1'],
      deleteKargs: ['b'],
      copyNetwork: true,
      networkDir: '/etc/NetworkManager/system-connections/',
      savePartlabels: ['data*'],
      savePartindexes: ['-3', '5-'],
      offline: true,
      insecure: true,
      insecureIgnition: true,
      streamBaseUrl: 'https://streams.example/',
      preserveOnError: true,
      fetchRetries: 'infinite',
      secureIpl: true,
    });
    assert.deepEqual(c.argv.slice(1), [
      'install', '--image-url=https://mirror.example/rhcos.raw.gz', '--ignition-url=https://10.0.0.1/w.ign', `--ignition-hash=${HASH}`,
      '--architecture=aarch64', '--platform=metal', '--console=ttyAMA0,115200n8', '--console=tty0', '--firstboot-args=ip=dhcp',
      '--append-karg=a=1', '--delete-karg=b', '--copy-network', '--network-dir=/etc/NetworkManager/system-connections/',
      '--save-partlabel=data*', '--save-partindex=-3', '--save-partindex=5-', '--offline', '--insecure', '--insecure-ignition',
      '--stream-base-url=https://streams.example/', '--preserve-on-error', '--fetch-retries=infinite', '--secure-ipl',
      '/dev/disk/by-path/pci-0000:00:17.0-ata-2',
    ]);
  });

  it('refuses what coreos-installer would refuse, or what needs an explicit ask', () => {
    refuse({ ignitionUrl: URL_ }, /^ignition_url is plain http:\/\/ without ignition_hash: coreos-installer refuses to fetch it; give ignition_hash/);
    assert.ok(installCommand({ device: '/dev/sda', ignitionUrl: URL_, insecureIgnition: true }).argv.includes('--insecure-ignition'));
    refuse({ ignitionUrl: URL_, insecureIgnition: 'yes' as unknown as boolean }, /^insecure_ignition: must be true or false, not "yes"$/);
    refuse({ insecure: 1 as unknown as boolean }, /^insecure: must be true or false/);
    refuse({ ignitionUrl: 'ftp://x/y', ignitionHash: HASH }, /^ignition_url: unknown protocol for URL 'ftp:\/\/x\/y'/);
    refuse({ ignitionUrl: URL_, ignitionHash: 'sha512-00' }, /^ignition_hash: wrong digest length \(8\)$/);
    refuse({ ignitionHash: HASH }, /^ignition_hash given without ignition_url or ignition_file/);
    refuse({ ignitionUrl: URL_, ignitionFile: '/tmp/x.ign', ignitionHash: HASH }, /^ignition_url and ignition_file conflict/);
    refuse({ stream: 'stable', imageUrl: 'https://x/i' }, /^stream and image_url conflict/);
    refuse({ consoles: ['/dev/ttyS0'] }, /^console '\/dev\/ttyS0': spec should not start with "\/dev\/"$/);
    refuse({ consoles: ['console=ttyS0'] }, /spec should not start with "console="/);
    refuse({ consoles: ['ttyUSB0'] }, /invalid or unsupported console argument/);
    refuse({ savePartindexes: ['0'] }, /^save_partindex: partition index cannot be zero$/);
    refuse({ savePartindexes: ['7-5'] }, /cannot be greater than end/);
    refuse({ savePartindexes: ['-'] }, /both ends of partition index range '-' cannot be open/);
    refuse({ savePartindexes: ['1-2-3'] }, /couldn't parse partition index range '1-2-3'/);
    refuse({ networkDir: '/etc/nm' }, /^network_dir is only used with copy_network: true/);
    refuse({ architecture: 'armhf' }, /unknown architecture 'armhf'/);
    refuse({ fetchRetries: -1 }, /^fetch_retries: must be a whole number or 'infinite'/);
    refuse({ device: 'sda' }, /^device: 'sda' must be a device path under \/dev\/$/);
    refuse({ appendKargs: ['a\nb'] }, /^append_karg\[0\]: must be a non-empty single-line string$/);
  });
});

describe('coreos-installer progress lines', () => {
  it('parses the non-TTY form', () => {
    assert.deepEqual(parseProgressLine('Read disk 1.2 GiB/3.5 GiB (34%)'), { artifact: 'disk', done: Math.round(1.2 * 2 ** 30), total: Math.round(3.5 * 2 ** 30), percent: 34 });
    assert.deepEqual(parseProgressLine('Read disk 512 B/1.0 KiB (50%)'), { artifact: 'disk', done: 512, total: 1024, percent: 50 });
    assert.deepEqual(parseProgressLine('Read disk 700.0 MiB'), { artifact: 'disk', done: 700 * 2 ** 20 });
    assert.equal(parseProgressLine('Writing Ignition config'), undefined);
  });

  it('splits the TTY form (CR-rewritten line) across chunks', () => {
    const s = new ProgressSplitter();
    const a = s.push('Installing RHEL CoreOS 414.92 aarch64 (512-byte sectors)\n> Read disk 1.0 GiB/3.5 GiB (28%)   \r> Read di');
    assert.deepEqual(a.lines, ['Installing RHEL CoreOS 414.92 aarch64 (512-byte sectors)']);
    assert.deepEqual(a.progress.map((p) => p.percent), [28]);
    const b = s.push('sk 3.5 GiB/3.5 GiB (100%)   \r\nWriting Ignition config\nInstall complete.');
    assert.deepEqual(b.progress.map((p) => p.percent), [100]);
    assert.deepEqual(b.lines, ['Writing Ignition config']);
    assert.deepEqual(s.end(), { progress: [], lines: ['Install complete.'] });
  });
});
