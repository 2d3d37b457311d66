import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { checkHostKey, hostString, parseKnownHosts } from '../../src/ssh/known-hosts.js';
import type { SshTarget } from '../../src/ssh/types.js';
import { recordNewHostKey } from '../../src/ssh/verify-host-key.js';

function newKey(): { keyType: string; keyBase64: string } {
  const [keyType, keyBase64] = ssh2.utils.generateKeyPairSync('ed25519').public.split(' ');
  return { keyType: keyType ?? '', keyBase64: keyBase64 ?? '' };
}

describe('accept-new recording into known_hosts', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-khf-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const target = (file: string, port: number): SshTarget => ({
    host: `node-${port}`,
    address: '127.20.0.1',
    port,
    user: 'core',
    knownHostsFile: file,
    hostKeyPolicy: 'accept-new',
    connectTimeoutMs: 1000,
    keepaliveIntervalMs: 0,
  });

  it('records concurrent new hosts as whole lines, each once', async () => {
    const file = join(dir, 'deep', 'known_hosts');
    const keys = Array.from({ length: 40 }, newKey);
    const results = await Promise.all([
      ...keys.map((key, i) => recordNewHostKey(target(file, 3000 + i), key)),
      // the same host racing itself with the same key: recorded once
      ...Array.from({ length: 5 }, () => recordNewHostKey(target(file, 3000), keys[0] ?? newKey())),
    ]);
    assert.ok(results.every((r) => r === undefined));
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n').length, 41);
    const entries = parseKnownHosts(text);
    assert.equal(entries.length, 40);
    keys.forEach((key, i) => assert.equal(checkHostKey(entries, hostString('127.20.0.1', 3000 + i), key.keyType, key.keyBase64), 'match'));
  });

  it('refuses to record a second, different key for a host', async () => {
    const file = join(dir, 'race_known_hosts');
    const [first, second] = await Promise.all([recordNewHostKey(target(file, 22), newKey()), recordNewHostKey(target(file, 22), newKey())]);
    assert.equal(first, undefined);
    assert.match(second ?? '', /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 2);
  });

  it('keeps a last line that lacks its newline', async () => {
    const file = join(dir, 'no_newline_known_hosts');
    const old = newKey();
    writeFileSync(file, `other.example ${old.keyType} ${old.keyBase64}`);
    await recordNewHostKey(target(file, 2222), newKey());
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 3);
    assert.equal(parseKnownHosts(lines.join('\n')).length, 2);
  });
});
