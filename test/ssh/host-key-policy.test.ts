import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { decideHostKey, fingerprintSha256, preferredHostKeyAlgorithms } from '../../src/ssh/host-key-policy.js';
import { parseKnownHosts } from '../../src/ssh/known-hosts.js';

function newKey(): { keyType: string; keyBase64: string } {
  const [keyType, keyBase64] = ssh2.utils.generateKeyPairSync('ed25519').public.split(' ');
  return { keyType: keyType ?? '', keyBase64: keyBase64 ?? '' };
}
const A = newKey();
const B = newKey();
const target = { address: '127.10.0.3', port: 2222, knownHostsFile: '/k/known_hosts', hostKeyPolicy: 'strict' as const };

describe('host key policy', () => {
  it('computes fingerprints as OpenSSH prints them', () => {
    const expected = createHash('sha256').update(Buffer.from(A.keyBase64, 'base64')).digest('base64').replace(/=+$/, '');
    assert.equal(fingerprintSha256(A.keyBase64), `SHA256:${expected}`);
  });

  it('accepts a known key', () => {
    const entries = parseKnownHosts(`[127.10.0.3]:2222 ${A.keyType} ${A.keyBase64}`);
    assert.deepEqual(decideHostKey(target, entries, A), { accept: true, reason: 'known' });
  });

  it('refuses an unknown key under strict, saying what to do in one line', () => {
    const d = decideHostKey(target, [], A);
    assert.equal(d.accept, false);
    if (d.accept) return;
    assert.ok(!d.message.includes('\n'));
    assert.match(d.message, /no ED25519 key for \[127\.10\.0\.3\]:2222 in \/k\/known_hosts/);
    assert.ok(d.message.includes(fingerprintSha256(A.keyBase64)));
    assert.match(d.message, /ssh-keyscan -p 2222 127\.10\.0\.3 >> \/k\/known_hosts/);
    assert.match(d.message, /fleetboot_host_key_policy: accept-new/);
  });

  it('accepts an unknown key under accept-new, with the line to record', () => {
    const d = decideHostKey({ ...target, hostKeyPolicy: 'accept-new' }, [], A);
    assert.deepEqual(d, { accept: true, reason: 'new', line: `[127.10.0.3]:2222 ${A.keyType} ${A.keyBase64}` });
  });

  it('refuses a changed key under either policy', () => {
    const entries = parseKnownHosts(`# first\n[127.10.0.3]:2222 ${A.keyType} ${A.keyBase64}`);
    for (const hostKeyPolicy of ['strict', 'accept-new'] as const) {
      const d = decideHostKey({ ...target, hostKeyPolicy }, entries, B);
      assert.equal(d.accept, false);
      if (!d.accept) {
        assert.match(d.message, /^REMOTE HOST IDENTIFICATION HAS CHANGED: .*\/k\/known_hosts:2 /);
        assert.match(d.message, /ssh-keygen -R '\[127\.10\.0\.3\]:2222'/);
      }
    }
  });

  it('refuses a revoked key, even a pinned one', () => {
    const entries = parseKnownHosts(`@revoked * ${A.keyType} ${A.keyBase64}`);
    const d = decideHostKey({ ...target, hostKeyPolicy: 'accept-new', pinnedHostKey: `${A.keyType} ${A.keyBase64}` }, entries, A);
    assert.equal(d.accept, false);
    if (!d.accept) assert.match(d.message, /@revoked in \/k\/known_hosts:1/);
  });

  it('accepts only the pinned key, whatever the file says', () => {
    const pinned = { ...target, pinnedHostKey: `${A.keyType} ${A.keyBase64}` };
    const entries = parseKnownHosts(`[127.10.0.3]:2222 ${B.keyType} ${B.keyBase64}`);
    assert.deepEqual(decideHostKey(pinned, entries, A), { accept: true, reason: 'pinned' });
    const d = decideHostKey({ ...pinned, hostKeyPolicy: 'accept-new' }, entries, B);
    assert.equal(d.accept, false);
    if (!d.accept) assert.match(d.message, /does not match the pinned key \(fleetboot_host_key\)/);
  });

  it('asks for known key types first', () => {
    assert.equal(preferredHostKeyAlgorithms([])[0], 'ssh-ed25519');
    const rsaFirst = preferredHostKeyAlgorithms(['ssh-rsa']);
    assert.deepEqual(rsaFirst.slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    assert.equal(new Set(rsaFirst).size, rsaFirst.length);
    assert.equal(preferredHostKeyAlgorithms(['ecdsa-sha2-nistp384', 'unknown-type'])[0], 'ecdsa-sha2-nistp384');
  });
});
