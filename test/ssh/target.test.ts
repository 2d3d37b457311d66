import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SshTargetError, sshTargetFromVars } from '../../src/ssh/target.js';

describe('SSH target from inventory variables', () => {
  it('defaults as Ansible and OpenSSH do', () => {
    const t = sshTargetFromVars('node-001', {}, { user: 'core' });
    assert.deepEqual(t, {
      host: 'node-001',
      address: 'node-001',
      port: 22,
      user: 'core',
      knownHostsFile: join(homedir(), '.ssh', 'known_hosts'),
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 15_000,
    });
  });

  it('reads Ansible connection variables, strings from INI inventories included', () => {
    const pub = ssh2.utils.generateKeyPairSync('ed25519').public;
    const t = sshTargetFromVars('node-003', {
      ansible_host: '127.10.0.3',
      ansible_port: '2222',
      ansible_user: 'core',
      ansible_ssh_private_key_file: '~/keys/id_ed25519',
      ansible_ssh_timeout: 3,
      fleetboot_known_hosts_file: '~/lab/known_hosts',
      fleetboot_host_key_policy: 'accept-new',
      fleetboot_host_key: `${pub} the comment goes`,
      fleetboot_ssh_keepalive_interval: 0,
    });
    assert.equal(t.address, '127.10.0.3');
    assert.equal(t.port, 2222);
    assert.equal(t.user, 'core');
    assert.equal(t.privateKeyFile, join(homedir(), 'keys/id_ed25519'));
    assert.equal(t.knownHostsFile, join(homedir(), 'lab/known_hosts'));
    assert.equal(t.hostKeyPolicy, 'accept-new');
    assert.equal(t.pinnedHostKey, pub.split(' ').slice(0, 2).join(' '));
    assert.equal(t.connectTimeoutMs, 3000);
    assert.equal(t.keepaliveIntervalMs, 0);
  });

  it('prefers variables over defaults, and accepts the older ansible_ssh_* names', () => {
    const t = sshTargetFromVars('h', { ansible_ssh_host: '10.0.0.1', ansible_ssh_user: 'admin' }, { address: 'x', user: 'core', agent: '/run/agent' });
    assert.equal(t.address, '10.0.0.1');
    assert.equal(t.user, 'admin');
    assert.equal(t.agent, '/run/agent');
  });

  const bad: [Record<string, unknown>, string][] = [
    [{ ansible_port: 'abc' }, 'node-003: ansible_port: must be an integer from 1 to 65535 (got "abc")'],
    [{ ansible_port: 70000 }, 'node-003: ansible_port: must be an integer from 1 to 65535 (got 70000)'],
    [{ ansible_port: 22.5 }, 'node-003: ansible_port: must be an integer from 1 to 65535 (got 22.5)'],
    [{ ansible_host: '' }, 'node-003: ansible_host: must be a non-empty string without spaces (got "")'],
    [{ ansible_user: 5 }, 'node-003: ansible_user: must be a non-empty string without spaces (got 5)'],
    [{ ansible_ssh_timeout: 0 }, 'node-003: ansible_ssh_timeout: must be a number of seconds above 0 (got 0)'],
    [{ fleetboot_host_key_policy: 'no' }, 'node-003: fleetboot_host_key_policy: must be strict or accept-new (host keys are never accepted unchecked) (got "no")'],
    [{ fleetboot_host_key: 'ssh-ed25519 AAAAnotakey' }, 'node-003: fleetboot_host_key: must be a public key line such as "ssh-ed25519 AAAA..." (got "ssh-ed25519 AAAAnotakey")'],
    [{ ansible_ssh_private_key_file: ['a'] }, 'node-003: ansible_ssh_private_key_file: must be a file path (got ["a"])'],
  ];
  for (const [vars, message] of bad) {
    it(`refuses ${JSON.stringify(vars)}`, () => {
      assert.throws(
        () => sshTargetFromVars('node-003', vars, { user: 'core' }),
        (err: unknown) => err instanceof SshTargetError && err.message === message && err.exitCode === 4,
      );
    });
  }
});
