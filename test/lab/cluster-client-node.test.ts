// @kubernetes/client-node (what fleetboot's cluster client is built on) against the lab cluster:
// kubeconfig loading with the embedded CA, lists with a field selector, a watch, the approval
// subresource, and a 410 within a watch stream as the library reports it.

import assert from 'node:assert/strict';
import { CertificatesV1Api, CoreV1Api, KubeConfig, Watch, type V1CertificateSigningRequest } from '@kubernetes/client-node';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import { renderWorkerIgnition } from '../../src/lab/lab-files.js';
import { call, csrBody } from './cluster-client.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

describe('lab cluster through @kubernetes/client-node', function () {
  this.timeout(30_000);
  let cluster: LabCluster;
  let kc: KubeConfig;

  before(async () => {
    cluster = await LabCluster.start({ workerIgnition: renderWorkerIgnition(undefined), stream: '{}', historySize: 4 });
    kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig());
  });
  after(() => cluster.close());

  it('lists by signer, watches, and approves through the approval subresource', async () => {
    const certs = kc.makeApiClient(CertificatesV1Api);
    const start = await certs.listCertificateSigningRequest({ fieldSelector: 'spec.signerName=kubernetes.io/kube-apiserver-client-kubelet' });
    assert.deepEqual(start.items, []);
    const events: Array<[string, string]> = [];
    let issued: () => void = () => undefined;
    const gotCert = new Promise<void>((r) => (issued = r));
    const ctl = await new Watch(kc).watch(
      CSRS,
      { resourceVersion: start.metadata?.resourceVersion, fieldSelector: 'spec.signerName=kubernetes.io/kube-apiserver-client-kubelet' },
      (phase, obj: V1CertificateSigningRequest) => {
        events.push([phase, obj.metadata?.name ?? '']);
        if (obj.status?.certificate) issued();
      },
      () => undefined,
    );
    await call(cluster, 'POST', CSRS, cluster.bootstrapToken, await csrBody('node-csr-cn', 'node-001', 'client'));
    await call(cluster, 'POST', CSRS, cluster.nodeToken('node-002'), await csrBody('serving-cn', 'node-002', 'serving'));
    const csr = await certs.readCertificateSigningRequest({ name: 'node-csr-cn' });
    assert.equal(csr.spec.username, 'system:serviceaccount:openshift-machine-config-operator:node-bootstrapper');
    csr.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'FleetbootApprove', message: 'test', lastUpdateTime: new Date() }] };
    const approved = await certs.replaceCertificateSigningRequestApproval({ name: 'node-csr-cn', body: csr });
    assert.equal(approved.status?.conditions?.[0]?.type, 'Approved');
    await gotCert;
    ctl.abort();
    assert.deepEqual(events, [
      ['ADDED', 'node-csr-cn'],
      ['MODIFIED', 'node-csr-cn'],
      ['MODIFIED', 'node-csr-cn'],
    ]);
    await assert.rejects(certs.replaceCertificateSigningRequestApproval({ name: 'node-csr-cn', body: csr }), (err: { code?: number }) => err.code === 409);
  });

  it('reads the secret and reports 410 from a stale watch as an ERROR event', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({ name: 'worker-user-data-managed', namespace: 'openshift-machine-api' });
    assert.equal(Buffer.from(secret.data?.userData ?? '', 'base64').toString('utf8'), renderWorkerIgnition(undefined));
    const phases: Array<[string, unknown]> = [];
    const ended = new Promise<unknown>((resolve) => {
      void new Watch(kc).watch(CSRS, { resourceVersion: '1' }, (phase, obj: { code?: number }) => phases.push([phase, obj.code]), resolve);
    });
    await ended;
    assert.deepEqual(phases, [['ERROR', 410]]);
  });
});
