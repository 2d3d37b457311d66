import assert from 'node:assert/strict';
import type { BlockDevice } from '../../src/lab/disks.js';
import { hostDisks } from '../../src/lab/disks.js';
import { HostMachine } from '../../src/lab/host-machine.js';
import { humanSize, lsblk } from '../../src/lab/lsblk.js';

function device(over: Partial<BlockDevice> & { name: string }): BlockDevice {
  return {
    majMin: '259:0', type: 'disk', size: 0, rota: false, rm: false, ro: false, model: null, vendor: null, serial: null, wwn: null,
    hctl: null, tran: null, fstype: null, label: null, uuid: null, partlabel: null, pttype: null, mountpoints: [], byPath: null,
    byId: [], children: [], ...over,
  };
}

// Two disks as util-linux 2.38 shows them: an NVMe disk with two partitions, one mounted, and a SATA disk.
const DEVICES: BlockDevice[] = [
  device({
    name: 'nvme0n1', size: 960197124096, model: 'SAMSUNG MZQL2960HCJR-00A07', serial: 'S64FNE0R801234', tran: 'nvme', wwn: 'eui.0025384b21406f10',
    byPath: 'pci-0000:01:00.0-nvme-1',
    children: [
      device({ name: 'nvme0n1p1', majMin: '259:1', type: 'part', size: 133169152, fstype: 'vfat', mountpoints: ['/boot/efi'] }),
      device({ name: 'nvme0n1p2', majMin: '259:2', type: 'part', size: 960062914560, fstype: 'xfs', mountpoints: ['/var', '/sysroot'] }),
    ],
  }),
  device({ name: 'sda', majMin: '8:0', size: 4000787030016, rota: true, model: 'ST4000NM0035-1V4107', vendor: 'ATA     ', hctl: '0:0:0:0', tran: 'sata', byPath: 'pci-0000:00:17.0-ata-1' }),
];

describe('lab lsblk (util-linux 2.38+ output)', () => {
  it('prints --json --bytes as libsmartcols does: 3-space levels, "},{" between siblings, typed values, children', () => {
    const r = lsblk(['--json', '--bytes', '-o', 'NAME,SIZE,ROTA,MODEL,MOUNTPOINTS'], DEVICES);
    assert.equal(r.rc, 0);
    assert.equal(
      r.stdout,
      `{
   "blockdevices": [
      {
         "name": "nvme0n1",
         "size": 960197124096,
         "rota": false,
         "model": "SAMSUNG MZQL2960HCJR-00A07",
         "mountpoints": [
             null
         ],
         "children": [
            {
               "name": "nvme0n1p1",
               "size": 133169152,
               "rota": false,
               "model": null,
               "mountpoints": [
                   "/boot/efi"
               ]
            },{
               "name": "nvme0n1p2",
               "size": 960062914560,
               "rota": false,
               "model": null,
               "mountpoints": [
                   "/var",
                   "/sysroot"
               ]
            }
         ]
      },{
         "name": "sda",
         "size": 4000787030016,
         "rota": true,
         "model": "ST4000NM0035-1V4107",
         "mountpoints": [
             null
         ]
      }
   ]
}
`,
    );
  });

  it('answers what root-device hints read: -d -p --json --bytes with the identity columns', () => {
    const r = lsblk(['-J', '-b', '-d', '-p', '-o', 'NAME,KNAME,PATH,SIZE,TYPE,ROTA,RM,RO,MODEL,VENDOR,SERIAL,WWN,HCTL,TRAN'], DEVICES);
    const j = JSON.parse(r.stdout) as { blockdevices: Array<Record<string, unknown>> };
    assert.deepEqual(j.blockdevices[1], {
      name: '/dev/sda', kname: '/dev/sda', path: '/dev/sda', size: 4000787030016, type: 'disk', rota: true, rm: false, ro: false,
      model: 'ST4000NM0035-1V4107', vendor: 'ATA     ', serial: null, wwn: null, hctl: '0:0:0:0', tran: 'sata',
    });
    assert.equal(j.blockdevices[0]?.hctl, null);
    assert.equal(j.blockdevices[0]?.wwn, 'eui.0025384b21406f10');
    assert.ok(!('children' in (j.blockdevices[0] ?? {})), '--nodeps leaves partitions out');
  });

  it('prints sizes as strings without --bytes, in util-linux units', () => {
    const j = JSON.parse(lsblk(['--json', '-o', 'NAME,SIZE', '--nodeps'], DEVICES).stdout) as { blockdevices: Array<{ size: unknown }> };
    assert.deepEqual(j.blockdevices.map((d) => d.size), ['894.3G', '3.6T']);
    assert.equal(humanSize(16_013_942_784), '14.9G');
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(1024 ** 3), '1G');
  });

  it('prints the default table with an ASCII tree', () => {
    assert.equal(
      lsblk([], DEVICES).stdout,
      'NAME        MAJ:MIN RM   SIZE RO TYPE MOUNTPOINTS\n' +
        'nvme0n1     259:0    0 894.3G  0 disk\n' +
        '|-nvme0n1p1 259:1    0   127M  0 part /boot/efi\n' +
        '`-nvme0n1p2 259:2    0 894.1G  0 part /var\n' +
        '                                      /sysroot\n' +
        'sda           8:0    0   3.6T  0 disk\n',
    );
  });

  it('selects devices by path or by-path link, and fails as lsblk does', () => {
    const one = lsblk(['-dno', 'NAME', '/dev/disk/by-path/pci-0000:00:17.0-ata-1'], DEVICES);
    assert.deepEqual(one, { stdout: 'sda\n', stderr: '', rc: 0 });
    assert.deepEqual(lsblk(['/dev/nope'], DEVICES), { stdout: '', stderr: 'lsblk: /dev/nope: not a block device\n', rc: 32 });
    assert.equal(lsblk(['-d', '/dev/nope', '/dev/sda'], DEVICES).rc, 64);
    assert.deepEqual(lsblk(['--frobnicate'], DEVICES), { stdout: '', stderr: "lsblk: unrecognized option '--frobnicate'\nTry 'lsblk --help' for more information.\n", rc: 1 });
    assert.deepEqual(lsblk(['-o', 'NAME,BOGUS'], DEVICES), { stdout: '', stderr: 'lsblk: unknown column: BOGUS\n', rc: 1 });
    assert.equal(lsblk(['-P', '-d', '-o', 'NAME,MAJ:MIN', '/dev/sda'], DEVICES).stdout, 'NAME="sda" MAJ_MIN="8:0"\n');
  });

  it('gives every host an NVMe system disk at the same address, half of them a SATA disk, deterministically', () => {
    const hosts = Array.from({ length: 40 }, (_, i) => hostDisks(`node-${String(i + 1).padStart(3, '0')}`));
    assert.ok(hosts.every((d) => d[0]?.name === 'nvme0n1' && d[0].byPath === 'pci-0000:01:00.0-nvme-1'));
    const two = hosts.filter((d) => d.length === 2).length;
    assert.ok(two > 5 && two < 35, `${two} of 40 hosts have a second disk`);
    assert.deepEqual(hostDisks('node-001'), hostDisks('node-001'));
    assert.deepEqual(hostDisks('node-001', { tinyOnly: true }).map((d) => [d.name, d.size]), [['sda', 16_013_942_784]]);
  });

  it('shows the live media while booted live, and the installed partitions after an install', () => {
    const m = new HostMachine('node-009', 'x86_64', { media: { size: 1_000_000, volumeId: 'rhcos-418.94-x86_64' } });
    const rom = m.blockDevices().find((d) => d.name === 'sr0');
    assert.equal(rom?.type, 'rom');
    assert.equal(rom?.label, 'rhcos-418.94-x86_64');
    m.recordInstall({ device: '/dev/nvme0n1', disk: 'nvme0n1', appendKargs: [], deleteKargs: [], console: [], copyNetwork: false, at: '2026-01-01T00:00:00Z', ms: 1 });
    const parts = m.blockDevices()[0]?.children.map((p) => [p.name, p.partlabel]);
    assert.deepEqual(parts, [['nvme0n1p1', 'BIOS-BOOT'], ['nvme0n1p2', 'EFI-SYSTEM'], ['nvme0n1p3', 'boot'], ['nvme0n1p4', 'root']]);
  });
});
