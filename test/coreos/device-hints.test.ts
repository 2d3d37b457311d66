import assert from 'node:assert/strict';
import { hintDisks, lsblkCommand, parseLsblk, parseUdevProperties, udevCommand, udevDiskInfo, type HintDisk } from '../../src/coreos/block-devices.js';
import { chooseInstallDevice, DeviceHintError, hintsNeedUdev, parseRootDeviceHints } from '../../src/coreos/device-hints.js';

const GiB = 1024 ** 3;

// `lsblk --json --bytes --output NAME,KNAME,PATH,...` as util-linux 2.37 (RHEL 9) prints it on a
// live system booted from a virtual CD, with a USB stick holding another live image.
const LSBLK = JSON.stringify({
  blockdevices: [
    { name: 'loop0', kname: 'loop0', path: '/dev/loop0', type: 'loop', size: 1048576000, rota: false, rm: false, ro: true, model: null, vendor: null, serial: null, wwn: null, hctl: null, tran: null, fstype: 'squashfs', label: null, mountpoint: '/run/ephemeral/sysroot' },
    { name: 'sda', kname: 'sda', path: '/dev/sda', type: 'disk', size: 480103981056, rota: false, rm: false, ro: false, model: 'SAMSUNG MZ7LH480HAHQ-00005', vendor: 'ATA     ', serial: 'S45PNA0M512345', wwn: '0x5002538e40a12345', hctl: '0:0:0:0', tran: 'sata', fstype: null, label: null, mountpoint: null,
      children: [{ name: 'sda1', kname: 'sda1', path: '/dev/sda1', type: 'part', size: 1048576, rota: false, rm: false, ro: false, model: null, vendor: null, serial: null, wwn: null, hctl: null, tran: null, fstype: null, label: null, mountpoint: null }] },
    { name: 'sdb', kname: 'sdb', path: '/dev/sdb', type: 'disk', size: 2000398934016, rota: true, rm: false, ro: false, model: 'ST2000NM0055-1V4104', vendor: 'ATA     ', serial: 'ZC20ABCD', wwn: '0x5000c500a1b2c3d4', hctl: '1:0:0:0', tran: 'sata', fstype: null, label: null, mountpoint: null },
    { name: 'sdc', kname: 'sdc', path: '/dev/sdc', type: 'disk', size: 31004295168, rota: true, rm: true, ro: false, model: 'Ultra USB 3.0', vendor: 'SanDisk ', serial: '4C530001234', wwn: null, hctl: '6:0:0:0', tran: 'usb', fstype: 'iso9660', label: 'rhcos-414.92.202310170514-0', mountpoint: null,
      children: [{ name: 'sdc1', kname: 'sdc1', path: '/dev/sdc1', type: 'part', size: 1073741824, rota: true, rm: true, ro: false, model: null, vendor: null, serial: null, wwn: null, hctl: null, tran: null, fstype: 'iso9660', label: 'rhcos-414.92.202310170514-0', mountpoint: '/run/media/iso' }] },
    { name: 'sr0', kname: 'sr0', path: '/dev/sr0', type: 'rom', size: 1175453696, rota: false, rm: true, ro: false, model: 'Virtual CDROM', vendor: 'AMI', serial: null, wwn: null, hctl: '7:0:0:0', tran: 'usb', fstype: 'iso9660', label: 'rhcos', mountpoint: null },
    { name: 'nvme0n1', kname: 'nvme0n1', path: '/dev/nvme0n1', type: 'disk', size: 960197124096, rota: false, rm: false, ro: false, model: 'SAMSUNG MZQL2960HCJR-00A07', vendor: null, serial: 'S64FNE0R123456', wwn: 'eui.36344630526012340025384500000001', hctl: null, tran: 'nvme', fstype: null, label: null, mountpoint: null },
  ],
});

// `udevadm info --query=property --name=/dev/sdb`, trimmed.
const UDEV_SDB = `DEVPATH=/devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sdb
DEVNAME=/dev/sdb
DEVTYPE=disk
ID_SERIAL=ST2000NM0055-1V4104_ZC20ABCD
ID_SERIAL_SHORT=ZC20ABCD
ID_WWN=0x5000c500a1b2c3d4
ID_WWN_WITH_EXTENSION=0x5000c500a1b2c3d4
ID_PATH=pci-0000:00:17.0-ata-2.0
DEVLINKS=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4 /dev/disk/by-path/pci-0000:00:17.0-ata-2.0 /dev/disk/by-path/pci-0000:00:17.0-ata-2 /dev/disk/by-id/ata-ST2000NM0055-1V4104_ZC20ABCD
`;

function disks(withUdev = true): HintDisk[] {
  const udev = new Map([['/dev/sdb', udevDiskInfo(parseUdevProperties(UDEV_SDB))]]);
  return hintDisks(parseLsblk(LSBLK), withUdev ? udev : new Map());
}

function pick(hints: unknown): string {
  const r = chooseInstallDevice(disks(), parseRootDeviceHints(hints));
  return r.ok ? r.device : `FAIL ${r.message}`;
}

describe('root device hints (Metal3)', () => {
  it('runs lsblk and udevadm with fixed, quoted commands', () => {
    assert.equal(lsblkCommand(), 'lsblk --json --bytes --output NAME,KNAME,PATH,TYPE,SIZE,ROTA,RM,RO,MODEL,VENDOR,SERIAL,WWN,HCTL,TRAN,FSTYPE,LABEL,MOUNTPOINT');
    assert.equal(udevCommand('/dev/disk/by-path/pci-0000:00:17.0-ata-2'), 'udevadm info --query=property --name=/dev/disk/by-path/pci-0000:00:17.0-ata-2');
    assert.equal(udevCommand("/dev/we'ird"), `udevadm info --query=property --name='/dev/we'"'"'ird'`);
  });

  it('considers whole disks only and rejects the live media and mounted disks', () => {
    const d = disks();
    assert.deepEqual(d.map((x) => x.name), ['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/nvme0n1']);
    assert.equal(d[2]!.unusable, "holds an iso9660 filesystem 'rhcos-414.92.202310170514-0' (the live media)");
    assert.equal(d[0]!.vendor, 'ATA');
    assert.deepEqual(d[1]!.byPath, ['/dev/disk/by-path/pci-0000:00:17.0-ata-2.0', '/dev/disk/by-path/pci-0000:00:17.0-ata-2']);
  });

  it('matches exact hints exactly (ignoring case and outer spaces, as Ironic does)', () => {
    assert.equal(pick({ deviceName: '/dev/nvme0n1' }), '/dev/nvme0n1');
    assert.equal(pick({ serialNumber: 's45pna0m512345 ' }), '/dev/sda');
    assert.equal(pick({ hctl: '1:0:0:0' }), '/dev/sdb');
    assert.equal(pick({ wwn: '0x5002538e40a12345' }), '/dev/sda');
    assert.equal(pick({ wwnWithExtension: '0x5000c500a1b2c3d4' }), '/dev/sdb');
    assert.equal(pick({ deviceName: '/dev/disk/by-path/pci-0000:00:17.0-ata-2' }), '/dev/sdb');
    assert.match(pick({ serialNumber: 'S45PNA0M5123' }), /^FAIL no disk matches the root device hints \{serialNumber: 'S45PNA0M5123'\}: \/dev\/sda: serial number 'S45PNA0M512345' is not 'S45PNA0M5123';/);
    assert.match(pick({ deviceName: '/dev/sd' }), /^FAIL no disk matches/);
  });

  it('matches model and vendor as substrings', () => {
    assert.equal(pick({ model: 'MZQL2' }), '/dev/nvme0n1');
    assert.equal(pick({ vendor: 'ata', rotational: false }), '/dev/sda');
    assert.equal(pick({ model: 'samsung', minSizeGigabytes: 500 }), '/dev/nvme0n1');
  });

  it('compares minSizeGigabytes with GiB and rotational as a boolean', () => {
    // 480103981056 bytes is 447.1 GiB: "480 GB" on the label is not 480 GiB.
    assert.match(pick({ deviceName: '/dev/sda', minSizeGigabytes: 480 }), /\/dev\/sda: size 447\.1 GiB is below 480 GiB/);
    assert.equal(pick({ deviceName: '/dev/sda', minSizeGigabytes: 447 }), '/dev/sda');
    assert.equal(pick({ rotational: true }), '/dev/sdb'); // sdc is rotational too, but it is the live media
  });

  it('fails on several matches, listing them, never guessing', () => {
    assert.equal(
      pick({ model: 'SAMSUNG' }),
      "FAIL 2 disks match the root device hints {model: 'SAMSUNG'}: /dev/sda (447.1 GiB, model 'SAMSUNG MZ7LH480HAHQ-00005', serial 'S45PNA0M512345'), " +
        "/dev/nvme0n1 (894.3 GiB, model 'SAMSUNG MZQL2960HCJR-00A07', serial 'S64FNE0R123456'); add a hint (serialNumber, wwn, hctl or deviceName) that tells them apart",
    );
    assert.match(pick({}), /^FAIL 3 disks match the root device hints no hints: .*; give root_device_hints/);
  });

  it('lists every candidate and why it was rejected', () => {
    const r = chooseInstallDevice(disks(), parseRootDeviceHints({ deviceName: '/dev/sdc' }));
    assert.ok(!r.ok);
    assert.deepEqual(r.candidates, [
      { name: '/dev/sda', rejected: ["name '/dev/sda' is not '/dev/sdc'"] },
      { name: '/dev/sdb', rejected: ["name '/dev/sdb' is not '/dev/sdc'"] },
      { name: '/dev/sdc', rejected: ["holds an iso9660 filesystem 'rhcos-414.92.202310170514-0' (the live media)"] },
      { name: '/dev/nvme0n1', rejected: ["name '/dev/nvme0n1' is not '/dev/sdc'"] },
    ]);
  });

  it('does not match a disk that lacks the value a hint asks about', () => {
    const r = chooseInstallDevice(disks(false), parseRootDeviceHints({ wwnVendorExtension: '0x1' }));
    assert.ok(!r.ok && r.candidates[0]!.rejected[0] === 'has no wwnVendorExtension');
    const byPath = chooseInstallDevice(disks(false), parseRootDeviceHints({ deviceName: '/dev/disk/by-path/pci-0000:00:17.0-ata-2' }));
    assert.ok(!byPath.ok && byPath.candidates[1]!.rejected[0] === 'has no /dev/disk/by-path link');
  });

  it('says when udevadm is needed', () => {
    const devices = parseLsblk(LSBLK);
    assert.equal(hintsNeedUdev({ model: 'x' }, devices), false);
    assert.equal(hintsNeedUdev({ deviceName: '/dev/sda' }, devices), false);
    assert.equal(hintsNeedUdev({ deviceName: '/dev/disk/by-path/pci-0' }, devices), true);
    assert.equal(hintsNeedUdev({ wwnWithExtension: 'x' }, devices), true);
    assert.equal(hintsNeedUdev({ serialNumber: 'x' }, devices), false); // lsblk showed every disk's serial
    assert.equal(hintsNeedUdev({ wwn: 'x' }, devices), true); // but not sdc's wwn
  });

  it('validates hints as Metal3 does', () => {
    assert.deepEqual(parseRootDeviceHints({ model: '', minSizeGigabytes: 0, rotational: null }), {});
    const bad: Array<[unknown, string]> = [
      [{ deviceName: 'sda' }, 'root_device_hints.deviceName: device name of root device hint must be a /dev/ path, not "sda"'],
      [{ deviceName: '/dev/disk/by-id/wwn-0x1' }, 'root_device_hints.deviceName: device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not "/dev/disk/by-id/wwn-0x1"'],
      [{ minSizeGigabytes: 1.5 }, 'root_device_hints.minSizeGigabytes: must be a whole number of GiB, 0 or more'],
      [{ rotational: 'yes' }, 'root_device_hints.rotational: must be true or false'],
      [{ serial: 'x' }, 'root_device_hints.serial: unknown hint'],
      [['x'], 'root_device_hints: must be a mapping'],
    ];
    for (const [value, message] of bad) {
      assert.throws(() => parseRootDeviceHints(value), (e: unknown) => e instanceof DeviceHintError && e.message.startsWith(message), message);
    }
  });

  it('reads older lsblk output ("0"/"1" flags, numbers as strings) and refuses sizes that are not bytes', () => {
    const old = JSON.stringify({ blockdevices: [{ name: 'vda', type: 'disk', size: '21474836480', rota: '1', ro: '0', mountpoint: null }] });
    const [d] = hintDisks(parseLsblk(old));
    assert.deepEqual(d, { name: '/dev/vda', byPath: [], size: 20 * GiB, rotational: true });
    assert.throws(() => parseLsblk(JSON.stringify({ blockdevices: [{ name: 'vda', type: 'disk', size: '20G' }] })), /size is not a number of bytes \(was --bytes given\?\)/);
    assert.throws(() => parseLsblk('lsblk: unknown column'), /lsblk output is not JSON/);
  });
});
