import assert from 'node:assert/strict';
import { checkIgnitionConfig } from '../../src/coreos/ignition-schema.js';
import { checkWorkerIgnition } from '../../src/coreos/worker-ignition.js';

const CA = 'data:text/plain;charset=utf-8;base64,LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==';

// The shape of the worker pointer config a cluster serves (secret worker-user-data-managed).
const pointer = {
  ignition: {
    config: { merge: [{ source: 'https://api-int.lab.example.com:22623/config/worker' }] },
    security: { tls: { certificateAuthorities: [{ source: CA }] } },
    version: '3.2.0',
  },
};

describe('ignition config checks', () => {
  it('accepts a well-formed config', () => {
    const cfg = {
      ignition: { version: '3.4.0' },
      passwd: { users: [{ name: 'core', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza me@x'] }] },
      storage: { files: [{ path: '/etc/hostname', mode: 420, overwrite: true, contents: { source: 'data:,node1' } }], directories: [{ path: '/var/lib/x', mode: 493 }], links: [{ path: '/etc/l', target: '/etc/hostname' }] },
      systemd: { units: [{ name: 'x.service', enabled: true, contents: '[Service]\n' }] },
    };
    assert.deepEqual(checkIgnitionConfig(cfg), { errors: [], warnings: [] });
  });

  it('reports structural problems with their JSON path', () => {
    const r = checkIgnitionConfig({ ignition: { version: '3.2.0' }, storage: { files: [{ path: '/etc/a', mode: '0644' }], bogus: 1 } });
    assert.deepEqual(r.errors, ["storage: unknown key 'bogus'", 'storage.files[0].mode: must be a whole number (modes are numbers in JSON: 420 for 0644, 384 for 0600)']);
    assert.deepEqual(checkIgnitionConfig({}).errors, ["(top level): missing 'ignition'"]);
    assert.deepEqual(checkIgnitionConfig({ ignition: {} }).errors, ["ignition: missing 'version'"]);
  });

  it('applies the semantic rules: absolute simplified unique paths, data URLs, hashes, names', () => {
    const r = checkIgnitionConfig({
      ignition: { version: '3.2.0', config: { merge: [{ source: 'ftp://x/y', verification: { hash: 'sha512-00' } }] } },
      passwd: { users: [{ name: 'core' }, { name: 'core', sshAuthorizedKeys: ['not-a-key'] }] },
      storage: {
        files: [
          { path: 'etc/a', contents: { source: 'data:;base64,@@' } },
          { path: '/etc/../etc/b' },
          { path: '/etc/c', contents: { source: 'data:,ok', compression: 'xz' } },
        ],
        directories: [{ path: '/etc/c' }],
        links: [{ path: '/etc/d' }],
      },
      systemd: { units: [{ name: 'nounit' }] },
    });
    assert.deepEqual(r.errors, [
      "ignition.config.merge[0].source: unsupported URL scheme in 'ftp://x/y' (Ignition reads data, http, https, tftp, s3, gs, arn)",
      'ignition.config.merge[0].verification.hash: wrong digest length (8)',
      "passwd.users[1].name: user 'core' appears twice",
      "passwd.users[1].sshAuthorizedKeys[0]: not an SSH public key line ('type base64 [comment]')",
      "storage.files[0].path: 'etc/a' is not absolute",
      'storage.files[0].contents.source: data URL says base64 but its data is not base64',
      "storage.files[1].path: '/etc/../etc/b' is not simplified (write it as '/etc/b')",
      "storage.files[2].contents.compression: 'xz' is not supported (only gzip)",
      "storage.directories[0].path: '/etc/c' is also storage.files[2]",
      'storage.links[0].target: missing',
      "systemd.units[0].name: 'nounit' is not a systemd unit name",
    ]);
  });

  it('refuses versions that are not stable 3.x specs', () => {
    assert.deepEqual(checkIgnitionConfig({ ignition: { version: '3.6.0-experimental' } }).errors, [
      "ignition.version: '3.6.0-experimental' is not a stable Ignition 3.x spec version (stable: 3.0.0, 3.1.0, 3.2.0, 3.3.0, 3.4.0, 3.5.0)",
    ]);
    assert.match(checkIgnitionConfig({ ignition: { version: '2.2.0' } }).errors[0]!, /ignition\.version: must match pattern/);
  });
});

describe('worker ignition checks', () => {
  it('accepts the cluster pointer config as is', () => {
    const r = checkWorkerIgnition(JSON.stringify(pointer));
    assert.deepEqual(r, { version: '3.2.0', errors: [], warnings: [], mergeSources: ['https://api-int.lab.example.com:22623/config/worker'] });
  });

  it('explains a config that is not JSON, HTML, or has no version', () => {
    assert.match(checkWorkerIgnition('<!DOCTYPE html><html>').errors[0]!, /^worker ignition is not JSON \(it looks like HTML: is the URL right\?\)/);
    assert.deepEqual(checkWorkerIgnition('[]').errors, ['worker ignition is not a JSON object']);
    assert.match(checkWorkerIgnition('{"passwd":{}}', 'worker.ign').errors[0]!, /^worker\.ign has no ignition\.version/);
  });

  it('refuses spec 2.x and empty configs', () => {
    assert.match(checkWorkerIgnition('{"ignition":{"version":"2.2.0"}}').errors[0]!, /spec 2\.x, which RHCOS 4\.6 and later refuse/);
    assert.match(checkWorkerIgnition('{"ignition":{"version":"3.2.0"}}').errors[0]!, /is empty: no ignition\.config\.merge source/);
  });

  it('warns when it does not look like what a cluster serves, and lets unknown keys through', () => {
    const full = { ignition: { version: '3.2.0' }, storage: { files: [{ path: '/etc/x', contents: { source: 'data:,x' } }] }, futureKey: {} };
    const r1 = checkWorkerIgnition(JSON.stringify(full));
    assert.deepEqual(r1.errors, []);
    assert.match(r1.warnings[0]!, /no ignition\.config\.merge: it is a full config/);
    const noCa = { ignition: { version: '3.2.0', config: { merge: [{ source: 'https://api-int.lab.example.com:22623/worker' }] } } };
    const r2 = checkWorkerIgnition(JSON.stringify(noCa));
    assert.deepEqual(r2.errors, []);
    assert.equal(r2.warnings.length, 2);
    assert.match(r2.warnings[0]!, /not \/config\/<pool>/);
    assert.match(r2.warnings[1]!, /names no ignition\.security\.tls\.certificateAuthorities/);
  });
});
