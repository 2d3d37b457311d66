import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { hostAddress, planHosts } from '../../src/lab/host-plan.js';
import { renderInventory, renderKnownHosts, renderSshConfig } from '../../src/lab/lab-files.js';
import type { LabHost } from '../../src/lab/types.js';

const HOSTS: LabHost[] = [
  { name: 'node-001', address: '127.10.0.1', port: 2222, arch: 'aarch64', hostKey: 'ssh-ed25519 AAAAone' },
  { name: 'node-002', address: '127.10.0.2', port: 2222, arch: 'x86_64', hostKey: 'ssh-ed25519 AAAAtwo' },
];
const PATHS = { privateKey: '/labs/a/id_ed25519', knownHosts: '/labs/a/known_hosts' };

describe('lab host plan and client files', () => {
  it('names hosts node-001… and gives each host and each BMC its own loopback address, never 127.0.0.1', () => {
    const plan = planHosts(500);
    assert.deepEqual(plan[0], { name: 'node-001', address: '127.10.0.1', bmcAddress: '127.20.0.1' });
    assert.deepEqual(plan[249], { name: 'node-250', address: '127.10.0.250', bmcAddress: '127.20.0.250' });
    assert.deepEqual(plan[250], { name: 'node-251', address: '127.10.1.1', bmcAddress: '127.20.1.1' });
    assert.equal(new Set(plan.flatMap((h) => [h.address, h.bmcAddress])).size, 1000);
    assert.equal(planHosts(1000)[999]?.name, 'node-1000');
    assert.equal(planHosts(1000)[0]?.name, 'node-0001');
    assert.equal(planHosts(2, 'arm')[1]?.name, 'arm-002');
    assert.equal(hostAddress(250 * 256 - 1), '127.10.255.250');
  });

  it('writes known_hosts lines with [address]:port (bare address on port 22)', () => {
    assert.equal(
      renderKnownHosts(HOSTS),
      '[127.10.0.1]:2222 ssh-ed25519 AAAAone\n[127.10.0.2]:2222 ssh-ed25519 AAAAtwo\n',
    );
    assert.equal(renderKnownHosts([{ ...HOSTS[0]!, port: 22 }]), '127.10.0.1 ssh-ed25519 AAAAone\n');
  });

  it('writes an Ansible YAML inventory with the connection variables', () => {
    const inv = parse(renderInventory(HOSTS, PATHS)) as {
      all: { children: { lab: { vars: Record<string, unknown>; hosts: Record<string, Record<string, unknown>> } } };
    };
    const lab = inv.all.children.lab;
    assert.deepEqual(lab.hosts['node-002'], { ansible_host: '127.10.0.2', ansible_port: 2222, arch: 'x86_64' });
    assert.equal(lab.vars.ansible_user, 'core');
    assert.equal(lab.vars.ansible_ssh_private_key_file, PATHS.privateKey);
    assert.equal(lab.vars.fleetboot_known_hosts_file, PATHS.knownHosts);
    assert.match(String(lab.vars.ansible_ssh_common_args), /UserKnownHostsFile=\/labs\/a\/known_hosts/);
  });

  it('adds each host`s bmc (address, port, user, password_file, ca_file) when the lab has BMCs', () => {
    const hosts: LabHost[] = HOSTS.map((h) => ({ ...h, bmc: { address: h.address.replace('127.10.', '127.20.'), port: 8443, profile: 'generic' } }));
    const inv = parse(renderInventory(hosts, { ...PATHS, bmcCa: '/labs/a/bmc-ca.pem', bmcPasswords: '/labs/a/bmc-passwords' })) as {
      all: { children: { lab: { hosts: Record<string, Record<string, unknown>> } } };
    };
    assert.deepEqual(inv.all.children.lab.hosts['node-002']?.bmc, {
      address: '127.20.0.2',
      port: 8443,
      user: 'admin',
      password_file: '/labs/a/bmc-passwords/node-002',
      ca_file: '/labs/a/bmc-ca.pem',
    });
  });

  it('writes an ssh_config with one Host block per host', () => {
    const cfg = renderSshConfig(HOSTS, PATHS);
    assert.match(cfg, /^Host node-002\n  HostName 127\.10\.0\.2\n  Port 2222\n  User core\n/m);
  });
});
