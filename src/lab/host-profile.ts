// What a simulated host looks like from inside: a Fedora CoreOS live system, its name,
// architecture and the few files a provisioning run reads.

import { MemFs } from './memfs.js';

export interface HostProfile {
  hostname: string;
  /** `uname -m`. */
  machine: string;
  /** `uname -r`. */
  kernel: string;
}

export const FCOS_VERSION = '40.20240728.3.0';

export function hostProfile(hostname: string, machine = 'aarch64'): HostProfile {
  return { hostname, machine, kernel: `6.9.12-200.fc40.${machine}` };
}

const OS_RELEASE = `NAME="Fedora Linux"
VERSION="${FCOS_VERSION} (CoreOS)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""
PLATFORM_ID="platform:f40"
PRETTY_NAME="Fedora CoreOS ${FCOS_VERSION}"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
HOME_URL="https://getfedora.org/coreos/"
DOCUMENTATION_URL="https://docs.fedoraproject.org/en-US/fedora-coreos/"
SUPPORT_URL="https://github.com/coreos/fedora-coreos-tracker/"
BUG_REPORT_URL="https://github.com/coreos/fedora-coreos-tracker/"
REDHAT_BUGZILLA_PRODUCT="Fedora"
REDHAT_BUGZILLA_PRODUCT_VERSION=40
REDHAT_SUPPORT_PRODUCT="Fedora"
REDHAT_SUPPORT_PRODUCT_VERSION=40
SUPPORT_END=2025-05-13
VARIANT="CoreOS"
VARIANT_ID=coreos
OSTREE_VERSION='${FCOS_VERSION}'
`;

function cpuinfo(machine: string, cpus = 4): string {
  const one =
    machine === 'aarch64'
      ? (i: number) =>
          `processor\t: ${i}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\n` +
          `CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n`
      : (i: number) => `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: Simulated CPU\ncpu cores\t: ${cpus}\n`;
  return Array.from({ length: cpus }, (_, i) => one(i)).join('\n');
}

/** A fresh filesystem for a host, as its live system (or, `installed`, its installed system) boots. */
export function bootFs(profile: HostProfile, opts: { installed?: boolean; kargs?: readonly string[] } = {}): MemFs {
  const extra = opts.kargs?.length ? ` ${opts.kargs.join(' ')}` : '';
  const fs = new MemFs({
    '/etc/os-release': OS_RELEASE,
    '/etc/hostname': `${profile.hostname}\n`,
    '/proc/cpuinfo': cpuinfo(profile.machine),
    '/proc/cmdline': opts.installed
      ? `BOOT_IMAGE=(hd0,gpt3)/ostree/fedora-coreos/vmlinuz-${profile.kernel} rw ostree=/ostree/boot.1/fedora-coreos/0 ignition.platform.id=metal root=UUID=lab rw rootflags=prjquota boot=UUID=lab${extra}\n`
      : `BOOT_IMAGE=/images/pxeboot/vmlinuz coreos.liveiso=fedora-coreos-${FCOS_VERSION} ignition.firstboot ignition.platform.id=metal\n`,
    // Present on a live ISO/PXE boot, absent once installed: what installers test for.
    ...(opts.installed ? {} : { '/run/ostree-live': '' }),
  });
  for (const dir of ['/tmp', '/var/tmp', '/root', '/usr/bin', '/usr/local/bin', '/etc/ssh', '/home']) {
    fs.mkdir(dir, { parents: true });
  }
  fs.mkdir('/home/core', { uid: 1000, mode: 0o700 });
  fs.setMode('/tmp', 0o1777);
  return fs;
}

export interface LabUser {
  name: string;
  uid: number;
  home: string;
}

/** The users a lab host lets in (public key only). */
export const LAB_USERS: Record<string, LabUser> = {
  core: { name: 'core', uid: 1000, home: '/home/core' },
  root: { name: 'root', uid: 0, home: '/root' },
};
