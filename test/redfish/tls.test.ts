// The axios transport over real TLS on loopback: the CA bundle verifies the BMC, a BMC the
// bundle does not vouch for fails at once with a hint, and `insecure` is the only way around.

import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { RedfishClient } from '../../src/redfish/client.js';
import { RedfishConnectionError } from '../../src/redfish/errors.js';
import { createAxiosTransport } from '../../src/redfish/transport.js';
import type { BmcEndpoint } from '../../src/redfish/types.js';

async function selfSigned(cn: string): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

describe('redfish transport over TLS', function () {
  let server: https.Server | undefined;
  let port = 0;
  let bmcCert = '';
  const headersSeen: Record<string, string | string[] | undefined>[] = [];

  before(async () => {
    const { cert, key } = await selfSigned('bmc-test');
    bmcCert = cert;
    server = https.createServer({ cert, key }, (req, res) => {
      headersSeen.push(req.headers);
      res.writeHead(200, { 'Content-Type': 'application/json', 'OData-Version': '4.0', ETag: 'W/"1"' });
      res.end(JSON.stringify({ '@odata.id': '/redfish/v1/', Systems: { '@odata.id': '/redfish/v1/Systems' } }));
    });
    await new Promise<void>((ok) => server?.listen(0, '127.0.0.1', () => ok()));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

  const endpoint = (over: Partial<BmcEndpoint>): BmcEndpoint => ({ address: '127.0.0.1', port, user: 'u', password: 'p', insecure: false, ...over });

  it('verifies the BMC with its CA bundle and keeps the connection alive', async () => {
    const t = createAxiosTransport(endpoint({ ca: bmcCert }));
    try {
      const a = await t.request('GET', '/redfish/v1/');
      const b = await t.request('GET', '/redfish/v1/');
      assert.equal(a.status, 200);
      assert.equal(b.headers['etag'], 'W/"1"');
      assert.deepEqual(a.body, { '@odata.id': '/redfish/v1/', Systems: { '@odata.id': '/redfish/v1/Systems' } });
      assert.equal(headersSeen.at(-1)?.['odata-version'], '4.0');
      assert.equal(headersSeen.at(-1)?.connection, 'keep-alive');
    } finally {
      t.close();
    }
  });

  it('refuses a BMC its CA bundle does not vouch for, without retrying, and says to set ca_file', async () => {
    const other = await selfSigned('someone-else');
    let sleeps = 0;
    const ep = endpoint({ ca: other.cert });
    const client = new RedfishClient({ host: 'n1', endpoint: ep, transport: createAxiosTransport(ep), sleep: async () => void (sleeps += 1) });
    await assert.rejects(client.serviceRoot(), (err: unknown) => err instanceof RedfishConnectionError && /TLS verification failed: set bmc.ca_file/.test(err.message));
    assert.equal(sleeps, 0);
    client.close();
  });

  it('skips verification only with insecure', async () => {
    const t = createAxiosTransport(endpoint({ insecure: true }));
    try {
      assert.equal((await t.request('GET', '/redfish/v1/')).status, 200);
    } finally {
      t.close();
    }
  });
});
