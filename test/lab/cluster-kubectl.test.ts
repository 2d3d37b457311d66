// kubectl (Debian's kubernetes-client, or whichever is installed) as an independent client of the
// lab cluster: what other people's code reads from it is what the Kubernetes API would answer.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import { renderWorkerIgnition } from '../../src/lab/lab-files.js';
import { call, csrBody } from './cluster-client.js';

const run = promisify(execFile);
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

describe('lab cluster through kubectl', function () {
  this.timeout(60_000);
  let cluster: LabCluster;
  let dir: string;
  let kubeconfig: string;
  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env.PATH ?? '', HOME: dir } });
    return stdout;
  };

  before(async function () {
    if (!KUBECTL) {
      console.warn('    kubectl is not installed (Debian: apt-get install kubernetes-client; .ci/run installs it): skipping the kubectl tests');
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'fleetboot-kubectl-'));
    cluster = await LabCluster.start({ workerIgnition: renderWorkerIgnition(undefined), stream: '{"stream":"stable"}' });
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, cluster.kubeconfig());
  });
  after(async () => {
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists a pending CSR, approves it with `kubectl certificate approve`, and shows it Approved,Issued', async () => {
    const r = await call(cluster, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', cluster.bootstrapToken, await csrBody('node-csr-kubectl', 'node-001', 'client'));
    assert.equal(r.status, 201);
    const pending = await kubectl('get', 'csr');
    assert.match(pending, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/m);
    assert.match(pending, /node-csr-kubectl\s+\S+\s+kubernetes\.io\/kube-apiserver-client-kubelet\s+system:serviceaccount:openshift-machine-config-operator:node-bootstrapper\s+<none>\s+Pending/);
    const out = await kubectl('certificate', 'approve', 'node-csr-kubectl');
    assert.match(out, /certificatesigningrequest\.certificates\.k8s\.io\/node-csr-kubectl approved/);
    await cluster.api.settle();
    const json = JSON.parse(await kubectl('get', 'csr', 'node-csr-kubectl', '-o', 'json')) as { status: { conditions: Array<{ type: string; reason: string }>; certificate: string } };
    assert.equal(json.status.conditions[0]?.type, 'Approved');
    assert.equal(json.status.conditions[0]?.reason, 'KubectlApprove');
    assert.ok(json.status.certificate.length > 100);
    assert.match(await kubectl('get', 'csr'), /Approved,Issued/);
  });

  it('reads Nodes as JSON with their architecture and Ready condition', async () => {
    cluster.setNode({ name: 'node-002', arch: 'x86_64', address: '127.10.0.2' }, true);
    const nodes = JSON.parse(await kubectl('get', 'nodes', '-o', 'json')) as { items: Array<{ metadata: { name: string }; status: { nodeInfo: { architecture: string }; conditions: Array<{ type: string; status: string }> } }> };
    assert.deepEqual(
      nodes.items.map((n) => [n.metadata.name, n.status.nodeInfo.architecture, n.status.conditions.find((c) => c.type === 'Ready')?.status]),
      [['node-002', 'amd64', 'True']],
    );
    assert.match(await kubectl('get', 'nodes'), /node-002\s+Ready\s+worker/);
  });

  it('reads the worker Ignition secret with a jsonpath, and the ClusterVersion', async () => {
    const b64 = await kubectl('get', 'secret', '-n', 'openshift-machine-api', 'worker-user-data-managed', '-o', 'jsonpath={.data.userData}');
    assert.equal(Buffer.from(b64, 'base64').toString('utf8'), renderWorkerIgnition(undefined));
    const stream = await kubectl('get', 'configmap', '-n', 'openshift-machine-config-operator', 'coreos-bootimages', '-o', 'jsonpath={.data.stream}');
    assert.equal(stream, '{"stream":"stable"}');
    assert.match(await kubectl('get', 'clusterversion'), /^version\s+4\.16\.\d+\s+True\s+False/m);
    assert.equal(await kubectl('get', 'clusterversion', 'version', '-o', 'jsonpath={.status.desired.architecture}'), 'Multi');
  });

  it('is refused with the API server`s message for a wrong token', async () => {
    const bad = join(dir, 'bad-kubeconfig');
    await writeFile(bad, cluster.kubeconfig().replace(cluster.adminToken, 'wrong'));
    await assert.rejects(run(KUBECTL ?? 'kubectl', ['--kubeconfig', bad, 'get', 'csr'], { env: { PATH: process.env.PATH ?? '', HOME: dir } }), (err: { stderr: string }) => {
      assert.match(err.stderr, /Unauthorized|must be logged in/);
      return true;
    });
  });
});
