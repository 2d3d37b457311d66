import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { LEAF_SPAN, makeLabCa, makeLeaves } from '../../src/lab/bmc/certs.js';
import { planHosts } from '../../src/lab/host-plan.js';

describe('lab BMC certificates', function () {
  this.timeout(30_000);
  it('makes an EC P-256 CA and leaves with IP SANs it signed, one leaf per 250 addresses', async () => {
    const ca = await makeLabCa();
    const caCert = new X509Certificate(ca.certPem);
    assert.ok(caCert.ca);
    assert.equal(caCert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const addresses = planHosts(LEAF_SPAN + 2).map((h) => h.address);
    const leaves = await makeLeaves(ca, addresses);
    assert.equal(leaves.size, addresses.length);
    assert.equal(new Set(leaves.values()).size, 2);
    for (const a of ['127.10.0.1', '127.10.0.250', '127.10.1.2']) {
      const leaf = leaves.get(a);
      assert.ok(leaf, a);
      const cert = new X509Certificate(leaf.certPem);
      assert.equal(cert.checkIP(a), a, `SAN covers ${a}`);
      assert.ok(cert.verify(caCert.publicKey), 'signed by the lab CA');
      assert.ok(cert.checkIssued(caCert));
      assert.equal(cert.ca, false);
    }
    assert.equal(new X509Certificate(leaves.get('127.10.0.1')?.certPem ?? '').checkIP('127.10.1.1'), undefined);
  });
});
