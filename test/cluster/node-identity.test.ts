import assert from 'node:assert/strict';
import { canonicalIp, indexNodeIdentities, isDnsName, NodeIdentityError, nodeIdentityFromVars } from '../../src/cluster/node-identity.js';

describe('cluster/node-identity', () => {
  it('defaults node_name to the inventory hostname and counts an IP ansible_host as an IP', () => {
    const id = nodeIdentityFromVars('arm-0', { ansible_host: '10.0.0.10', bmc: { address: '10.1.0.10', user: 'root' } });
    assert.deepEqual(id, { host: 'arm-0', nodeName: 'arm-0', dnsNames: ['arm-0'], ips: ['10.0.0.10'], bmcAddress: '10.1.0.10' });
  });

  it('reads node_name, node_dns_names (lowercased) and node_ips (canonical), and a DNS ansible_host', () => {
    const id = nodeIdentityFromVars('Rack1-Slot4', {
      node_name: 'worker-4',
      node_dns_names: ['Worker-4.Lab.Example', 'worker-4.lab.example'],
      node_ips: ['10.0.0.14', 'FD00:0:0::14'],
      ansible_host: 'w4.mgmt.example',
    });
    assert.equal(id.nodeName, 'worker-4');
    assert.deepEqual(id.dnsNames, ['worker-4', 'worker-4.lab.example', 'w4.mgmt.example']);
    assert.deepEqual(id.ips, ['10.0.0.14', 'fd00::14']);
  });

  it('takes a single string for node_ips and node_dns_names', () => {
    const id = nodeIdentityFromVars('a', { node_ips: '10.0.0.1', node_dns_names: 'a.example' });
    assert.deepEqual(id.ips, ['10.0.0.1']);
    assert.deepEqual(id.dnsNames, ['a', 'a.example']);
  });

  it('does not count a node_name that is an IP as a DNS name', () => {
    const id = nodeIdentityFromVars('10.0.0.9', { node_ips: ['10.0.0.9'] });
    assert.deepEqual(id.dnsNames, []);
    assert.deepEqual(id.ips, ['10.0.0.9']);
  });

  it('never counts the BMC address', () => {
    const id = nodeIdentityFromVars('a', { node_ips: ['10.0.0.1'], bmc: { address: '10.1.0.1' } });
    assert.ok(!id.ips.includes('10.1.0.1'));
    assert.throws(
      () => nodeIdentityFromVars('a', { ansible_host: '10.1.0.1', bmc: { address: '10.1.0.1' } }),
      (e: unknown) => e instanceof NodeIdentityError && e.field === 'ansible_host' && /BMC address/.test(e.message),
    );
    assert.throws(() => nodeIdentityFromVars('a', { node_ips: ['10.1.0.1'], bmc: { address: '10.1.0.1' } }), /a: node_ips: .*BMC address/);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['Arm-0', {}, /^Arm-0: node_name \(default: the inventory hostname\): "Arm-0" is not a valid node name \(Kubernetes node names are lowercase: set node_name: arm-0\)$/],
    ['a', { node_name: 'Worker_1' }, /^a: node_name: "Worker_1" is not a valid node name/],
    ['a', { node_name: 7 }, /^a: node_name: expected a non-empty string$/],
    ['a', { node_ips: ['10.0.0.1/24'] }, /^a: node_ips\[0\]: "10.0.0.1\/24" is not an IP address/],
    ['a', { node_ips: ['10.0.0.1', 'fe80::1%eth0'] }, /^a: node_ips\[1\]: "fe80::1%eth0" is not an IP address/],
    ['a', { node_ips: { a: 1 } }, /^a: node_ips: expected a list of strings$/],
    ['a', { node_dns_names: ['a.example.'] }, /^a: node_dns_names\[0\]: "a.example." is not a DNS name \(write it without the trailing dot\)$/],
    ['a', { node_dns_names: ['*.example'] }, /^a: node_dns_names\[0\]: "\*.example" is not a DNS name$/],
    ['a', { node_dns_names: ['10.0.0.1'] }, /^a: node_dns_names\[0\]: "10.0.0.1" is not a DNS name$/],
    ['a', { ansible_host: 'root@host' }, /^a: ansible_host: "root@host" is neither an IP address nor a DNS name$/],
  ];
  for (const [host, vars, re] of bad) {
    it(`refuses ${JSON.stringify(vars)} on ${host} with one line naming host and field`, () => {
      assert.throws(() => nodeIdentityFromVars(host, vars), (e: unknown) => e instanceof NodeIdentityError && re.test(e.message) && !e.message.includes('\n'));
    });
  }

  it('indexes by node name and refuses shared names, addresses and BMC addresses', () => {
    const a = nodeIdentityFromVars('a', { node_ips: ['10.0.0.1'], bmc: { address: '10.1.0.1' } });
    const b = nodeIdentityFromVars('b', { node_ips: ['10.0.0.2'], node_dns_names: ['b.example'] });
    const index = indexNodeIdentities([a, b]);
    assert.deepEqual([...index.keys()], ['a', 'b']);
    assert.throws(() => indexNodeIdentities([a, nodeIdentityFromVars('c', { node_name: 'a' })]), /: c: node_name: a is also the node name of a/);
    assert.throws(() => indexNodeIdentities([a, nodeIdentityFromVars('c', { node_ips: ['10.0.0.1'] })]), /: c: node_ips\/ansible_host: 10.0.0.1 is also a's/);
    assert.throws(() => indexNodeIdentities([b, nodeIdentityFromVars('c', { node_dns_names: ['B.example'] })]), /: c: .*b.example is also b's/);
    // Another host's node name as a DNS alias would let this host's serving cert name that node.
    assert.throws(() => indexNodeIdentities([a, nodeIdentityFromVars('c', { node_dns_names: ['a'] })]), /: c: .*a is also a's/);
    assert.throws(() => indexNodeIdentities([a, nodeIdentityFromVars('c', { ansible_host: '10.1.0.1' })]), /: c: node_ips: 10.1.0.1 is the BMC address of a/);
  });

  it('canonicalises IPs and tells DNS names from IPs', () => {
    assert.equal(canonicalIp('FD00:0000:0:0::0001'), 'fd00::1');
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalIp('010.0.0.1'), undefined);
    assert.equal(canonicalIp('arm-0'), undefined);
    assert.ok(isDnsName('arm-0.lab.example'));
    assert.ok(!isDnsName('10.0.0.1'));
    assert.ok(!isDnsName('-a.example'));
  });
});
