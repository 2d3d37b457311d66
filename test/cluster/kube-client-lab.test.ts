// The cluster client against the lab's simulated Kubernetes API (another implementation than the
// fake in kube-client-fake-server.ts): kubeconfig as the lab writes it, reads, list+watch, approval.

import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ClusterInformers } from '../../src/cluster/informer.js';
import { createKubeClient, csrCondition } from '../../src/cluster/kube-client.js';
import type { KubeClient } from '../../src/cluster/kube-client.js';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import { labDown, labUp } from '../../src/lab/control.js';
import type { LabState } from '../../src/lab/control.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

describe('cluster: KubeClient and informer against the lab cluster', function () {
  this.timeout(60_000);
  let dir: string;
  let lab: LabState;
  let client: KubeClient;
  let informers: ClusterInformers;
  let server: string;
  let token: string;
  let ca: Buffer;

  function post(path: string, body: unknown): Promise<number> {
    return new Promise((ok, fail) => {
      const r = request(`${server}${path}`, { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
      });
      r.on('error', fail);
      r.end(JSON.stringify(body));
    });
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-kube-lab-'));
    lab = await labUp({ hosts: 1, dir, port: 0, bmc: false });
    const kc = loadKubeconfig({ kubeconfig: join(dir, 'kubeconfig'), env: {} });
    server = kc.server;
    token = kc.secrets[0] ?? '';
    ca = Buffer.from(kc.kubeConfig.getCurrentCluster()?.caData ?? '', 'base64');
    client = await createKubeClient(kc.kubeConfig);
    informers = new ClusterInformers(client, { backoff: { initialMs: 10 } });
  });
  after(async () => {
    await informers?.stop();
    client?.close();
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the worker Ignition secret, the boot images configmap and the ClusterVersion', async () => {
    assert.ok(lab.cluster);
    const s = await client.getSecret('openshift-machine-api', 'worker-user-data-managed');
    assert.ok(JSON.parse(Buffer.from(s.data?.userData ?? '', 'base64').toString('utf8')).ignition);
    const cm = await client.getConfigMap('openshift-machine-config-operator', 'coreos-bootimages');
    assert.ok(JSON.parse(cm.data?.stream ?? '{}').architectures);
    const cv = await client.getClusterVersion();
    assert.equal(cv.metadata?.name, 'version');
    await assert.rejects(client.getSecret('openshift-machine-api', 'nope'), /^KubeApiError: cluster: GET secret openshift-machine-api\/nope: 404 Not Found: /);
  });

  it('sees a CSR created after the watch opened, approves it, and sees it issued', async () => {
    await informers.csrs.start();
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=system:node:kube-client-test, O=system:nodes', keys, signingAlgorithm: alg });
    const issued = informers.waitFor('csrs', (c) => !!c.status?.certificate, { key: 'kube-client-test', timeoutMs: 20_000, what: 'the test CSR issued' });
    const pending = informers.waitFor('csrs', (c) => !csrCondition(c, 'Approved'), { key: 'kube-client-test', timeoutMs: 20_000, what: 'the test CSR' });
    // Created as the admin with a raw POST: the client has no create (fleetboot never makes CSRs).
    const status = await post('/apis/certificates.k8s.io/v1/certificatesigningrequests', {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'csr-' },
      spec: {
        request: Buffer.from(req.toString('pem')).toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'client auth'],
      },
    });
    assert.equal(status, 201);
    const csr = await pending;
    assert.ok(csr.metadata?.creationTimestamp instanceof Date);
    const approved = await client.approveCsr(csr, { reason: 'FleetbootTest', message: 'approved by the kube-client test' });
    assert.equal(csrCondition(approved, 'Approved')?.reason, 'FleetbootTest');
    const done = await issued;
    assert.ok(done.status?.certificate);
  });
});
