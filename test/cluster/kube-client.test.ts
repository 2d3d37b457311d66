import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import { createKubeClient, csrCondition } from '../../src/cluster/kube-client.js';
import type { KubeClient } from '../../src/cluster/kube-client.js';
import { KubeApiError } from '../../src/cluster/kube-error.js';
import type { TransportEvent } from '../../src/core/events.js';
import { FakeApiServer } from './kube-client-fake-server.js';

function csr(name: string, username = `system:node:${name}`) {
  return {
    metadata: { name },
    spec: { request: 'AAAA', signerName: 'kubernetes.io/kubelet-serving', username, groups: ['system:nodes', 'system:authenticated'], usages: ['digital signature', 'server auth'] },
    status: {},
  };
}

describe('cluster: KubeClient against an HTTPS API', () => {
  let api: FakeApiServer;
  let client: KubeClient;
  const events: TransportEvent[] = [];

  before(async () => {
    api = await FakeApiServer.start();
    const kc = loadKubeconfig({ kubeconfig: await api.kubeconfig(), env: {} });
    client = await createKubeClient(kc.kubeConfig, { onEvent: (e) => events.push(e) });
  });
  after(async () => {
    client.close();
    await api.close();
  });

  it('reads a secret, a configmap and the ClusterVersion', async () => {
    api.secrets.set('openshift-machine-api/worker-user-data-managed', {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'worker-user-data-managed', namespace: 'openshift-machine-api' },
      data: { userData: Buffer.from('{"ignition":{}}').toString('base64') },
    });
    api.configMaps.set('openshift-machine-config-operator/coreos-bootimages', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coreos-bootimages' }, data: { stream: '{"stream":"rhcos-4.18"}' },
    });
    api.clusterVersions.set('version', {
      apiVersion: 'config.openshift.io/v1', kind: 'ClusterVersion', metadata: { name: 'version' },
      status: { desired: { version: '4.18.1', architecture: 'Multi' } },
    });
    const s = await client.getSecret('openshift-machine-api', 'worker-user-data-managed', { host: 'w1' });
    assert.equal(Buffer.from(s.data?.userData ?? '', 'base64').toString(), '{"ignition":{}}');
    const cm = await client.getConfigMap('openshift-machine-config-operator', 'coreos-bootimages');
    assert.equal(cm.data?.stream, '{"stream":"rhcos-4.18"}');
    const cv = await client.getClusterVersion();
    assert.equal(cv.status?.desired?.architecture, 'Multi');
    const ev = events.find((e) => e.action === 'GET secret openshift-machine-api/worker-user-data-managed');
    assert.equal(ev?.host, 'w1');
    assert.equal(ev?.transport, 'kube');
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const before = api.connections;
    for (let i = 0; i < 5; i++) await client.getConfigMap('openshift-machine-config-operator', 'coreos-bootimages');
    assert.ok(api.connections - before <= 1, `${api.connections - before} new TLS connections for 5 requests`);
  });

  it('says which object, the Status and what to check on 403, on one line', async () => {
    api.forbidden.add('/api/v1/namespaces/openshift-machine-api/secrets/worker-user-data-managed');
    try {
      await assert.rejects(client.getSecret('openshift-machine-api', 'worker-user-data-managed'), (err: unknown) => {
        assert.ok(err instanceof KubeApiError);
        assert.equal(err.status, 403);
        assert.equal(
          err.message,
          'cluster: GET secret openshift-machine-api/worker-user-data-managed: 403 Forbidden: User "admin" cannot get ' +
            "/api/v1/namespaces/openshift-machine-api/secrets/worker-user-data-managed at the cluster scope; check the kubeconfig's user has get on secrets in namespace openshift-machine-api",
        );
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    } finally {
      api.forbidden.clear();
    }
  });

  it('names a missing object on 404', async () => {
    await assert.rejects(client.getConfigMap('nope', 'coreos-bootimages'), /^KubeApiError: cluster: GET configmap nope\/coreos-bootimages: 404 Not Found: configmaps "coreos-bootimages" not found; check that the configmap exists in nope/);
  });

  it('never shows the token on 401 and says what to do', async () => {
    const kc = loadKubeconfig({ kubeconfig: await api.kubeconfig('wrong-token-abcdefgh'), env: {} });
    const bad = await createKubeClient(kc.kubeConfig);
    try {
      await assert.rejects(bad.getCsr('x'), (err: unknown) => {
        assert.ok(err instanceof KubeApiError);
        assert.equal(err.status, 401);
        assert.match(err.message, /^cluster: GET certificatesigningrequest x: 401 Unauthorized; the API server refused the kubeconfig's credentials/);
        assert.ok(!err.message.includes('wrong-token'));
        return true;
      });
    } finally {
      bad.close();
    }
  });

  it('says the server is unreachable when nothing answers', async () => {
    const kc = loadKubeconfig({ kubeconfig: await api.kubeconfig(), env: {} });
    const cluster = kc.kubeConfig.getCurrentCluster();
    assert.ok(cluster);
    (cluster as { server: string }).server = 'https://127.0.0.1:1';
    const dead = await createKubeClient(kc.kubeConfig);
    try {
      await assert.rejects(dead.getCsr('x'), /^KubeApiError: cluster: GET certificatesigningrequest x: no answer from https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*; check the kubeconfig's server/);
    } finally {
      dead.close();
    }
  });

  it('works in-cluster: service account token and CA from files, server from the environment', async () => {
    const sa = await mkdtemp(join(tmpdir(), 'fleetboot-sa-'));
    await writeFile(join(sa, 'token'), `${api.token}\n`);
    await writeFile(join(sa, 'ca.crt'), api.caPem);
    const port = new URL(api.url).port;
    const kc = loadKubeconfig({ env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, homeDir: sa, serviceAccountDir: sa });
    assert.deepEqual(kc.secrets, [api.token]);
    const pod = await createKubeClient(kc.kubeConfig);
    try {
      assert.equal((await pod.getConfigMap('openshift-machine-config-operator', 'coreos-bootimages')).metadata?.name, 'coreos-bootimages');
    } finally {
      pod.close();
    }
  });

  it('lists CSRs and nodes with the resourceVersion, timestamps as Dates', async () => {
    api.put('nodes', { metadata: { name: 'n1' }, status: { nodeInfo: { architecture: 'arm64' } } });
    const l = await client.list('nodes');
    assert.deepEqual(l.items.map((n) => n.metadata?.name), ['n1']);
    assert.equal(l.resourceVersion, String(api.resourceVersion));
    assert.ok(l.items[0]?.metadata?.creationTimestamp instanceof Date);
  });

  it('approves with a reason and message, keeping resourceVersion', async () => {
    api.put('csrs', csr('csr-a'));
    const got = await client.getCsr('csr-a');
    const out = await client.approveCsr(got, { reason: 'FleetbootApprove', message: 'approved by fleetboot run r1' });
    const cond = csrCondition(out, 'Approved');
    assert.equal(cond?.reason, 'FleetbootApprove');
    assert.equal(cond?.message, 'approved by fleetboot run r1');
    const put = api.requests.filter((r) => r.method === 'PUT');
    assert.equal(put.at(-1)?.path, '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-a/approval');
    // Already approved: done, no second PUT.
    await client.approveCsr(out, { reason: 'FleetbootApprove', message: 'again' });
    assert.equal(api.requests.filter((r) => r.method === 'PUT').length, put.length);
  });

  it('on 409 reads the CSR again and retries, bounded', async () => {
    api.put('csrs', csr('csr-b'));
    const got = await client.getCsr('csr-b');
    api.conflictsToInject = 2;
    const out = await client.approveCsr(got, { reason: 'R', message: 'M' });
    assert.ok(csrCondition(out, 'Approved'));
    api.put('csrs', csr('csr-c'));
    const c = await client.getCsr('csr-c');
    api.conflictsToInject = 10;
    await assert.rejects(client.approveCsr(c, { reason: 'R', message: 'M' }), /409 Conflict: Operation cannot be fulfilled/);
    api.conflictsToInject = 0;
  });

  it('refuses to approve a CSR replaced under the same name (another uid)', async () => {
    api.put('csrs', csr('csr-d'));
    const checked = await client.getCsr('csr-d');
    api.delete('csrs', 'csr-d');
    api.put('csrs', csr('csr-d', 'system:node:someone-else'));
    await assert.rejects(client.approveCsr(checked, { reason: 'R', message: 'M' }), /it was replaced by another CSR of that name/);
    assert.equal(api.get('csrs', 'csr-d')?.status && (api.get('csrs', 'csr-d')?.status as { conditions?: unknown[] }).conditions, undefined);
  });

  it('denies with a reason; denying an approved CSR is an error', async () => {
    api.put('csrs', csr('csr-e'));
    const out = await client.denyCsr(await client.getCsr('csr-e'), { reason: 'FleetbootDeny', message: 'CN is not an inventory node' });
    assert.equal(csrCondition(out, 'Denied')?.message, 'CN is not an inventory node');
    await assert.rejects(client.approveCsr(out, { reason: 'R', message: 'M' }), /already denied/);
  });
});
