import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { checkHostKey, hostString, knownHostsLine, knownKeyTypes, lookupHostKey, parseKnownHosts } from '../../src/ssh/known-hosts.js';

function newKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { type: string; b64: string } {
  const pair = type === 'ecdsa' ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }) : ssh2.utils.generateKeyPairSync('ed25519');
  const [keyType, b64] = pair.public.split(' ');
  return { type: keyType ?? '', b64: b64 ?? '' };
}

const A = newKey();
const B = newKey();
const E = newKey('ecdsa');

describe('known_hosts parsing and matching', () => {
  it('builds host strings as OpenSSH looks them up', () => {
    assert.equal(hostString('Node1.Example.com', 22), 'node1.example.com');
    assert.equal(hostString('127.10.0.3', 2222), '[127.10.0.3]:2222');
  });

  it('skips comments, blank lines, cert authorities, unknown markers and malformed lines', () => {
    const text = [
      '# a comment',
      '',
      '   ',
      `@cert-authority *.example.com ${A.type} ${A.b64}`,
      `@weird host1 ${A.type} ${A.b64}`,
      'host2 ssh-ed25519',
      `host3 ssh-rsa ${A.b64}`, // type does not match the blob
      'host4 2048 35 12345678', // SSH1 key
      `host5 ${A.type} not-base64!`,
      `|1|abc|def ${A.type} ${A.b64}`, // bad hashed field
      `  host6,host7 ${A.type} ${A.b64} a comment with spaces`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.line, 11);
    assert.deepEqual(entries[0]?.hosts, { kind: 'patterns', patterns: ['host6', 'host7'] });
  });

  it('matches plain names, comma lists and [host]:port, case-insensitively', () => {
    const entries = parseKnownHosts(`web1,Web2.example.com ${A.type} ${A.b64}\n[10.0.0.5]:2222 ${B.type} ${B.b64}\n`);
    assert.equal(checkHostKey(entries, 'web1', A.type, A.b64), 'match');
    assert.equal(checkHostKey(entries, hostString('WEB2.example.com', 22), A.type, A.b64), 'match');
    assert.equal(checkHostKey(entries, 'web3', A.type, A.b64), 'unknown');
    assert.equal(checkHostKey(entries, hostString('10.0.0.5', 2222), B.type, B.b64), 'match');
    // the same address on port 22 is another name
    assert.equal(checkHostKey(entries, hostString('10.0.0.5', 22), B.type, B.b64), 'unknown');
  });

  it('reports a mismatch only against a known key of the same type', () => {
    const entries = parseKnownHosts(`web1 ${A.type} ${A.b64}\n`);
    assert.deepEqual(lookupHostKey(entries, 'web1', B.type, B.b64), { status: 'mismatch', line: 1 });
    // keys of other types known only: unknown, as OpenSSH treats it
    assert.equal(checkHostKey(entries, 'web1', E.type, E.b64), 'unknown');
    assert.deepEqual(knownKeyTypes(entries, 'web1'), ['ssh-ed25519']);
  });

  it('honours wildcards and negation', () => {
    const entries = parseKnownHosts(`node-*.lab,!node-9?.lab,[10.1.*]:2222,db? ${A.type} ${A.b64}\n`);
    assert.equal(checkHostKey(entries, 'node-01.lab', A.type, A.b64), 'match');
    assert.equal(checkHostKey(entries, 'node-95.lab', A.type, A.b64), 'unknown');
    assert.equal(checkHostKey(entries, 'node-950.lab', A.type, A.b64), 'match');
    assert.equal(checkHostKey(entries, '[10.1.2.3]:2222', A.type, A.b64), 'match');
    assert.equal(checkHostKey(entries, '[10.1.2.3]:22', A.type, A.b64), 'unknown');
    assert.equal(checkHostKey(entries, 'db1', A.type, A.b64), 'match');
    assert.equal(checkHostKey(entries, 'db12', A.type, A.b64), 'unknown');
    assert.equal(checkHostKey(entries, 'node-01xlab', A.type, A.b64), 'unknown', 'a dot is not a wildcard');
  });

  it('rejects a revoked key even when it is also listed', () => {
    const entries = parseKnownHosts(`web1 ${A.type} ${A.b64}\n@revoked * ${A.type} ${A.b64}\n`);
    assert.deepEqual(lookupHostKey(entries, 'web1', A.type, A.b64), { status: 'revoked', line: 2 });
    assert.equal(checkHostKey(entries, 'web1', B.type, B.b64), 'mismatch');
    assert.deepEqual(knownKeyTypes(parseKnownHosts(`@revoked web1 ${A.type} ${A.b64}\n`), 'web1'), []);
  });

  it('writes lines that parse back', () => {
    const line = knownHostsLine('[127.0.0.9]:2200', A.type, A.b64);
    assert.equal(checkHostKey(parseKnownHosts(line), '[127.0.0.9]:2200', A.type, A.b64), 'match');
  });

  describe('hashed entries written by ssh-keygen -H', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'fleetboot-kh-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('agree with ssh-keygen on which hosts match', () => {
      const file = join(dir, 'known_hosts');
      writeFileSync(file, `web1.example.com ${A.type} ${A.b64}\n[127.10.0.3]:2222 ${B.type} ${B.b64}\n10.0.0.7 ${E.type} ${E.b64}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^\|1\|/m);
      assert.doesNotMatch(text, /web1\.example\.com/);
      const entries = parseKnownHosts(text);
      assert.equal(entries.length, 3);
      assert.ok(entries.every((e) => e.hosts.kind === 'hashed'));

      assert.equal(checkHostKey(entries, 'web1.example.com', A.type, A.b64), 'match');
      assert.equal(checkHostKey(entries, hostString('127.10.0.3', 2222), B.type, B.b64), 'match');
      assert.equal(checkHostKey(entries, hostString('127.10.0.3', 2222), B.type, A.b64), 'mismatch');
      assert.equal(checkHostKey(entries, '10.0.0.7', E.type, E.b64), 'match');
      for (const name of ['web1.example.com', '[127.10.0.3]:2222', '10.0.0.7', 'web2.example.com', '127.10.0.3', '[10.0.0.7]:2222']) {
        const keygenFinds = spawnSync('ssh-keygen', ['-F', name, '-f', file], { stdio: 'ignore' }).status === 0;
        assert.equal(knownKeyTypes(entries, name).length > 0, keygenFinds, `ssh-keygen -F ${name}`);
      }
    });
  });
});
