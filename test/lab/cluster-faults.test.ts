// The cluster's faults: impostor CSRs beside a kubelet's own, never-Ready and slow nodes, client
// rotation, dropped watches (the lab's /lab/v1 endpoints), and their keys in the faults file.

import assert from 'node:assert/strict';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import { BOOTSTRAPPER_USER } from '../../src/lab/cluster/auth.js';
import { kubeletBootstrap, type KubeletFaults } from '../../src/lab/cluster/kubelet.js';
import { faultsFor, parseFaults } from '../../src/lab/faults.js';
import { call, openWatch } from './cluster-client.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const approved = { type: 'Approved', status: 'True', reason: 'Test', message: 'test' };
const FAST = { servingCsrMs: 0, readyMs: 0 };

describe('lab cluster faults', function () {
  this.timeout(30_000);
  let cluster: LabCluster;
  before(async () => {
    cluster = await LabCluster.start({ workerIgnition: '{}', stream: '{}' });
  });
  after(() => cluster.close());

  /** Approves every CSR whose requester `approve` accepts, as they come, until stopped. */
  async function approver(accept: (csr: Record<string, unknown>) => boolean): Promise<{ stop: () => void; seen: Array<Record<string, unknown>> }> {
    const seen: Array<Record<string, unknown>> = [];
    const w = await openWatch(cluster, `${CSRS}?watch=true&resourceVersion=${cluster.api.store.resourceVersion}`, cluster.adminToken);
    let stopped = false;
    void (async () => {
      while (!stopped) {
        const e = await w.next();
        if (e.type !== 'ADDED') continue;
        seen.push(e.object);
        if (accept(e.object)) await call(cluster, 'PUT', `${CSRS}/${(e.object.metadata as { name: string }).name}/approval`, cluster.adminToken, { ...e.object, status: { conditions: [approved] } });
      }
    })();
    return { stop: () => ((stopped = true), w.close()), seen };
  }

  const run = (name: string, faults: KubeletFaults) =>
    kubeletBootstrap(cluster.api, { name, arch: 'x86_64', address: '127.10.0.42' }, { setNode: (n, ready) => cluster.setNode(n, ready), faults }, FAST);

  it('csr_impostor client: a second bootstrap CSR for the node, from its own key, beside the kubelet`s', async () => {
    let clients = 0;
    // The kubelet's own client CSR comes first; the impostor's second.
    const a = await approver((csr) => (csr.spec as { signerName: string }).signerName.endsWith('kubelet-serving') || ++clients === 1);
    const result = await run('imp-client', { impostor: 'client' });
    a.stop();
    assert.ok(result.impostorCsr && result.impostorCsr !== result.clientCsr);
    const imp = (await call(cluster, 'GET', `${CSRS}/${result.impostorCsr}`, cluster.adminToken)).body;
    assert.equal((imp.spec as { username: string }).username, BOOTSTRAPPER_USER);
    assert.deepEqual(imp.status, {}, 'the impostor stays pending');
  });

  it('csr_impostor serving: a serving CSR from another node for this host`s name and address', async () => {
    const a = await approver((csr) => !String((csr.spec as { username: string }).username).includes('intruder'));
    const result = await run('imp-serving', { impostor: 'serving' });
    a.stop();
    const imp = (await call(cluster, 'GET', `${CSRS}/${result.impostorCsr}`, cluster.adminToken)).body;
    assert.equal((imp.spec as { username: string }).username, 'system:node:intruder-imp-serving');
  });

  it('kubelet_never_ready: the Node is registered but stays NotReady; kubelet_rotate_ms: a client CSR from the node itself after Ready', async () => {
    const a = await approver(() => true);
    const never = await run('never', { neverReady: true });
    const rotated = await run('rotates', { rotateMs: 0 });
    a.stop();
    assert.equal(never.ready, false);
    const node = (await call(cluster, 'GET', '/api/v1/nodes/never', cluster.adminToken)).body;
    assert.equal((node.status as { conditions: Array<{ status: string }> }).conditions[0]?.status, 'False');
    assert.equal(rotated.ready, true);
    const rot = (await call(cluster, 'GET', `${CSRS}/${rotated.rotationCsr}`, cluster.adminToken)).body;
    assert.equal((rot.spec as { username: string }).username, 'system:node:rotates');
    assert.equal((rot.spec as { signerName: string }).signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
  });

  it('the lab endpoints: impostors on demand and dropped watches, for the admin only', async () => {
    const w = await openWatch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${cluster.api.store.resourceVersion}`, cluster.adminToken);
    const dropped = await call(cluster, 'POST', '/lab/v1/drop-watches', cluster.adminToken);
    assert.equal(dropped.status, 200);
    assert.ok(Number(dropped.body.dropped) >= 1);
    await w.ended;
    const imp = await call(cluster, 'POST', '/lab/v1/impostors', cluster.adminToken, { node: 'node-007', kind: 'serving', address: '127.10.0.7' });
    assert.equal(imp.status, 200);
    assert.equal((imp.body.spec as { username: string }).username, 'system:node:intruder-node-007');
    assert.equal((await call(cluster, 'POST', '/lab/v1/drop-watches', cluster.bootstrapToken)).status, 403);
  });

  it('reads the kubelet keys of a faults file', () => {
    const rules = parseFaults('node-00[12]:\n  kubelet_never_ready: true\n  csr_impostor: client\nnode-002:\n  kubelet_ready_ms: 500\n  kubelet_rotate_ms: 100\n', 'f.yml');
    assert.deepEqual(faultsFor(rules, 'node-002'), { kubeletNeverReady: true, csrImpostor: 'client', kubeletReadyMs: 500, kubeletRotateMs: 100 });
    assert.throws(() => parseFaults('node-001:\n  csr_impostor: both\n', 'f.yml'), /f\.yml:2:17: node-001\.csr_impostor: must be "client" or "serving"/);
  });
});

describe('lab worker Ignition detection', () => {
  it('knows the worker pointer, also merged from a data: URL, and nothing else', async () => {
    const { isWorkerPointer } = await import('../../src/lab/cluster/worker-ignition.js');
    const { renderWorkerIgnition } = await import('../../src/lab/lab-files.js');
    const pointer = renderWorkerIgnition(undefined);
    assert.equal(isWorkerPointer(Buffer.from(pointer)), true);
    const wrapped = { ignition: { version: '3.4.0', config: { merge: [{ source: `data:;base64,${Buffer.from(pointer).toString('base64')}` }] } }, passwd: { users: [{ name: 'core' }] } };
    assert.equal(isWorkerPointer(Buffer.from(JSON.stringify(wrapped))), true);
    assert.equal(isWorkerPointer(Buffer.from('{"ignition":{"version":"3.4.0"}}')), false);
    assert.equal(isWorkerPointer(Buffer.from('not json')), false);
    assert.equal(isWorkerPointer(undefined), false);
  });
});
