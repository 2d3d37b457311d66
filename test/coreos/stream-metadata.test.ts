import assert from 'node:assert/strict';
import { requireCoreosArch, toCoreosArch, toKubeArch } from '../../src/coreos/architecture.js';
import { parseStreamMetadata, pickLiveIso, pickPxe, streamArchitectures, streamFromConfigMap } from '../../src/coreos/stream-metadata.js';

const sha = (c: string): string => c.repeat(64);

// The shape of an RHCOS stream (`openshift-install coreos print-stream-json`, the
// coreos-bootimages configmap), cut down to what fleetboot reads.
const stream = {
  stream: 'rhcos-4.14',
  metadata: { 'last-modified': '2023-10-20T10:00:00Z', generator: 'plume cosa2stream 0.14.0+' },
  architectures: {
    aarch64: {
      artifacts: {
        metal: {
          release: '414.92.202310170514-0',
          formats: {
            iso: { disk: { location: 'https://mirror.example/rhcos-live.aarch64.iso', sha256: sha('a') } },
            pxe: {
              kernel: { location: 'https://mirror.example/kernel-aarch64', sha256: sha('b') },
              initramfs: { location: 'https://mirror.example/initramfs.aarch64.img', sha256: sha('c') },
              rootfs: { location: 'https://mirror.example/rootfs.aarch64.img', sha256: sha('d') },
            },
            'raw.gz': { disk: { location: 'https://mirror.example/metal.aarch64.raw.gz', sha256: sha('e'), 'uncompressed-sha256': sha('f') } },
          },
        },
      },
    },
    x86_64: {
      artifacts: {
        metal: { release: '414.92.202310170514-0', formats: { iso: { disk: { location: 'https://mirror.example/rhcos-live.x86_64.iso', sha256: sha('A') } } } },
        qemu: { release: '414.92.202310170514-0', formats: { 'qcow2.gz': { disk: { location: 'q', sha256: sha('1') } } } },
      },
    },
  },
};

describe('coreos stream metadata', () => {
  it('maps inventory and Kubernetes architecture names through one table', () => {
    assert.equal(toCoreosArch('arm64'), 'aarch64');
    assert.equal(toCoreosArch('aarch64'), 'aarch64');
    assert.equal(toCoreosArch('amd64'), 'x86_64');
    assert.equal(toKubeArch('x86_64'), 'amd64');
    assert.equal(toKubeArch('ppc64le'), 'ppc64le');
    assert.equal(toCoreosArch('riscv64'), undefined);
    assert.throws(() => requireCoreosArch('armv7'), /architecture: unknown architecture 'armv7' \(accepted: x86_64\|amd64, aarch64\|arm64, ppc64le, s390x\)/);
  });

  it('picks the live ISO for an architecture under either name', () => {
    const s = parseStreamMetadata(JSON.stringify(stream));
    assert.deepEqual(pickLiveIso(s, 'arm64'), {
      arch: 'aarch64',
      release: '414.92.202310170514-0',
      location: 'https://mirror.example/rhcos-live.aarch64.iso',
      sha256: sha('a'),
    });
    // Upper-case hex is accepted and normalized.
    assert.equal(pickLiveIso(s, 'x86_64').sha256, sha('a'));
    assert.deepEqual(streamArchitectures(s), ['aarch64', 'x86_64']);
  });

  it('picks the PXE kernel, initramfs and rootfs', () => {
    const pxe = pickPxe(parseStreamMetadata(JSON.stringify(stream)), 'aarch64');
    assert.equal(pxe.kernel.location, 'https://mirror.example/kernel-aarch64');
    assert.equal(pxe.initramfs.sha256, sha('c'));
    assert.equal(pxe.rootfs.location, 'https://mirror.example/rootfs.aarch64.img');
  });

  it('names the missing key path in a one-line error', () => {
    const s = parseStreamMetadata(JSON.stringify(stream));
    assert.throws(() => pickPxe(s, 'x86_64'), { message: 'stream metadata has no architectures.x86_64.artifacts.metal.formats.pxe' });
    assert.throws(() => pickLiveIso(s, 's390x'), { message: 'stream metadata has no architectures.s390x' });
    const noIso = structuredClone(stream) as { architectures: { aarch64: { artifacts: { metal: { formats: Record<string, unknown> } } } } };
    delete noIso.architectures.aarch64.artifacts.metal.formats['iso'];
    assert.throws(() => pickLiveIso(parseStreamMetadata(JSON.stringify(noIso)), 'aarch64'), {
      message: 'stream metadata has no architectures.aarch64.artifacts.metal.formats.iso',
    });
  });

  it('refuses a bad sha256 and a missing location', () => {
    const bad = structuredClone(stream);
    bad.architectures.aarch64.artifacts.metal.formats.iso.disk.sha256 = 'abc';
    assert.throws(() => pickLiveIso(parseStreamMetadata(JSON.stringify(bad)), 'aarch64'), /iso\.disk\.sha256 is not a 64-digit hex SHA-256: 'abc'/);
    const noLoc = structuredClone(stream) as unknown as { architectures: { aarch64: { artifacts: { metal: { formats: { iso: { disk: Record<string, unknown> } } } } } } };
    delete noLoc.architectures.aarch64.artifacts.metal.formats.iso.disk['location'];
    assert.throws(() => pickLiveIso(parseStreamMetadata(JSON.stringify(noLoc)), 'aarch64'), {
      message: 'stream metadata has no architectures.aarch64.artifacts.metal.formats.iso.disk.location',
    });
  });

  it('reads the coreos-bootimages configmap data.stream', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coreos-bootimages', namespace: 'openshift-machine-config-operator' }, data: { releaseVersion: '4.14.1', stream: JSON.stringify(stream) } };
    assert.equal(pickLiveIso(streamFromConfigMap(cm), 'aarch64').location, 'https://mirror.example/rhcos-live.aarch64.iso');
    assert.throws(() => streamFromConfigMap({ data: {} }), { message: 'configmap coreos-bootimages has no data.stream' });
    assert.throws(() => parseStreamMetadata('{"stream": "x"}'), { message: 'stream metadata has no architectures' });
    assert.throws(() => parseStreamMetadata('<html>'), /^Error: stream metadata is not JSON|stream metadata is not JSON/);
  });
});
