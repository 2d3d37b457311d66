import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { generateHostKey, hostKeyMatches, knownHostsLines } from '../../src/coreos/host-keys.js';
import { decideHostKey } from '../../src/ssh/host-key-policy.js';
import { parseKnownHosts } from '../../src/ssh/known-hosts.js';

describe('live system host keys', () => {
  const key = generateHostKey('worker-0');

  it('makes an OpenSSH ed25519 pair whose halves belong together', () => {
    assert.match(key.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    assert.match(key.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+ fleetboot-host-key:worker-0$/);
    assert.equal(key.pinnedHostKey, `ssh-ed25519 ${key.keyBase64}`);
    assert.match(key.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.ok(hostKeyMatches(key.privateKey, key.keyBase64));
    assert.ok(!hostKeyMatches(key.privateKey, generateHostKey('other').keyBase64));
    const parsed = ssh2.utils.parseKey(key.privateKey);
    assert.ok(!(parsed instanceof Error) && parsed.type === 'ssh-ed25519');
  });

  it('writes known_hosts lines that fleetboot\'s SSH layer matches for each address', () => {
    const lines = knownHostsLines(key, [{ address: '10.1.2.3' }, { address: '10.1.2.3', port: 2222 }, { address: 'Worker-0.LAB' }]);
    assert.deepEqual(lines, [`10.1.2.3 ssh-ed25519 ${key.keyBase64}`, `[10.1.2.3]:2222 ssh-ed25519 ${key.keyBase64}`, `worker-0.lab ssh-ed25519 ${key.keyBase64}`]);
    const entries = parseKnownHosts(lines.join('\n'));
    const presented = { keyType: 'ssh-ed25519', keyBase64: key.keyBase64 };
    const target = { address: '10.1.2.3', port: 2222, knownHostsFile: '/k', hostKeyPolicy: 'strict' as const };
    assert.deepEqual(decideHostKey(target, entries, presented), { accept: true, reason: 'known' });
    const other = generateHostKey('impostor');
    const decision = decideHostKey(target, entries, { keyType: 'ssh-ed25519', keyBase64: other.keyBase64 });
    assert.equal(decision.accept, false);
  });

  it('gives the pinned form the SSH target takes', () => {
    const target = { address: '10.1.2.3', port: 22, knownHostsFile: '/k', hostKeyPolicy: 'strict' as const, pinnedHostKey: key.pinnedHostKey };
    assert.deepEqual(decideHostKey(target, [], { keyType: 'ssh-ed25519', keyBase64: key.keyBase64 }), { accept: true, reason: 'pinned' });
  });
});
