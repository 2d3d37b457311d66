// docs/approver/: the RBAC and Deployment manifests of the in-cluster approver, checked against
// what fleetboot really does. The lab cluster enforces the ClusterRole's rules (the `approve` verb
// on signers included) for a service account token; the approver runs with the in-cluster
// configuration (token, CA and namespace files, KUBERNETES_SERVICE_HOST/PORT) as in a pod.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import type { PolicyRule } from '../../src/lab/cluster/auth.js';
import { renderWorkerIgnition } from '../../src/lab/lab-files.js';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import { createKubeClient, type KubeClient } from '../../src/cluster/kube-client.js';
import { ClusterInformers } from '../../src/cluster/informer.js';
import { indexNodeIdentities, nodeIdentityFromVars } from '../../src/cluster/node-identity.js';
import { Approver, type CsrDecision } from '../../src/cluster/approver.js';
import { loadInventory, hostVars } from '../../src/inventory/index.js';
import { ROOT } from '../helpers/cli.js';

type Manifest = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(join(ROOT, 'docs', 'approver', file), 'utf8')).map((d) => d.toJS() as Manifest);
}

const one = (list: Manifest[], kind: string): Manifest => {
  const found = list.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as Manifest;
};

const HOSTS = ['r1', 'r2', 'r3', 'r4'];
const addressOf = (name: string): string => `127.10.4.${HOSTS.indexOf(name) + 1}`;

describe('docs/approver: RBAC and Deployment of the in-cluster approver', function () {
  this.timeout(30_000);
  const rbac = manifests('rbac.yaml');
  const role = one(rbac, 'ClusterRole');
  const rules = role.rules as PolicyRule[];
  const sa = one(rbac, 'ServiceAccount');
  let cluster: LabCluster;
  let dir: string;

  before(async () => {
    cluster = await LabCluster.start({ workerIgnition: renderWorkerIgnition(undefined), stream: '{}', faultsOf: () => ({}) });
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-approver-sa-'));
  });
  after(async () => {
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pod's view: the service account's files and the service's address in the environment. */
  async function inClusterClient(granted: PolicyRule[], name: string): Promise<KubeClient> {
    const sa = join(dir, name);
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), cluster.serviceAccountToken('fleetboot', 'fleetboot-approver', granted));
    writeFileSync(join(sa, 'ca.crt'), cluster.caPem);
    writeFileSync(join(sa, 'namespace'), 'fleetboot');
    const loaded = loadKubeconfig({ env: { KUBERNETES_SERVICE_HOST: cluster.address, KUBERNETES_SERVICE_PORT: String(cluster.port) }, homeDir: sa, serviceAccountDir: sa });
    assert.equal(loaded.source, 'in-cluster');
    return createKubeClient(loaded.kubeConfig);
  }

  async function runApprover(client: KubeClient, nodes: string[]): Promise<{ decisions: CsrDecision[]; start: Promise<void>; stop: () => Promise<void> }> {
    const informers = new ClusterInformers(client, { backoff: { initialMs: 50, maxMs: 100 } });
    const decisions: CsrDecision[] = [];
    const identities = indexNodeIdentities(nodes.map((h) => nodeIdentityFromVars(h, { ansible_host: addressOf(h) })));
    const approver = new Approver({ client, informers, identities, since: new Date(Date.now() - 60_000), deny: false, by: 'fleetboot approve (in-cluster test)', settleMs: 100, onDecision: (d) => decisions.push(d) });
    const start = approver.start();
    return {
      decisions,
      start,
      stop: async () => {
        await approver.stop();
        await informers.stop();
        client.close();
      },
    };
  }

  it('binds the ClusterRole to the ServiceAccount the Deployment runs as', () => {
    const binding = one(rbac, 'ClusterRoleBinding') as Manifest & { roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string; namespace: string }> };
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    const deployment = one(manifests('deployment.yaml'), 'Deployment') as Manifest & { spec: { template: { spec: { serviceAccountName: string } } } };
    assert.equal(deployment.spec.template.spec.serviceAccountName, sa.metadata.name);
    assert.equal(deployment.metadata.namespace, sa.metadata.namespace);
  });

  it('grants approve on the two kubelet signers only, and no Secret', () => {
    const signers = rules.filter((r) => r.resources.includes('signers'));
    assert.deepEqual(signers.map((r) => [r.verbs, r.resourceNames]), [[['approve'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']]]);
    assert.ok(!rules.some((r) => r.resources.includes('secrets') || r.resources.includes('*') || r.verbs.includes('*')));
  });

  it('with exactly these rules, in-cluster, the approver approves client and serving CSRs of bootstrapping kubelets', async () => {
    const a = await runApprover(await inClusterClient(rules, 'all-rules'), ['r1', 'r2']);
    try {
      await a.start;
      const results = await Promise.all(['r1', 'r2'].map((n) => cluster.kubeletBootstrap({ name: n, arch: 'aarch64', address: addressOf(n) })));
      assert.ok(results.every((k) => k.ready));
      assert.deepEqual(
        a.decisions.map((d) => d.outcome),
        ['approved', 'approved', 'approved', 'approved'],
      );
    } finally {
      await a.stop();
    }
  });

  it('without approve on the signers, the API refuses the approval and the approver reports it failed', async () => {
    const without = rules.filter((r) => !r.resources.includes('signers'));
    const a = await runApprover(await inClusterClient(without, 'no-signers'), ['r3']);
    try {
      await a.start;
      void cluster.kubeletBootstrap({ name: 'r3', arch: 'aarch64', address: addressOf('r3') }).catch(() => undefined);
      for (let i = 0; i < 300 && !a.decisions.some((d) => d.outcome === 'failed'); i++) await new Promise((r) => setTimeout(r, 20));
      const failed = a.decisions.find((d) => d.outcome === 'failed');
      assert.match(failed?.error ?? '', /user not permitted to approve requests with signerName "kubernetes\.io\/kube-apiserver-client-kubelet"/);
    } finally {
      await a.stop();
    }
  });

  it('without read access to Nodes, the approver cannot start, saying what is forbidden', async () => {
    const without = rules.filter((r) => !r.resources.includes('nodes'));
    const a = await runApprover(await inClusterClient(without, 'no-nodes'), ['r4']);
    try {
      await assert.rejects(a.start, /nodes.*forbidden|forbidden.*nodes/i);
    } finally {
      await a.stop();
    }
  });

  it("the Deployment runs `approve --watch` on the ConfigMap's inventory, which fleetboot reads", async () => {
    const list = manifests('deployment.yaml');
    const cm = one(list, 'ConfigMap') as Manifest & { data: Record<string, string> };
    const deployment = one(list, 'Deployment') as Manifest & {
      spec: { replicas: number; template: { spec: { containers: Array<{ args: string[]; volumeMounts: Array<{ name: string; mountPath: string }> }>; volumes: Array<{ name: string; configMap?: { name: string } }> } } };
    };
    assert.equal(deployment.spec.replicas, 1);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    assert.ok(container);
    const mount = container.volumeMounts.find((m) => pod.volumes.find((v) => v.name === m.name)?.configMap?.name === cm.metadata.name);
    assert.ok(mount, 'the inventory ConfigMap is mounted');
    const i = container.args.indexOf('-i');
    assert.equal(container.args[0], 'approve');
    assert.ok(container.args.includes('--watch'));
    const file = container.args[i + 1] ?? '';
    assert.ok(file.startsWith(`${mount.mountPath}/`));
    const key = file.slice(mount.mountPath.length + 1);
    const inventoryFile = join(dir, key);
    writeFileSync(inventoryFile, cm.data[key] ?? '');
    const inv = await loadInventory([inventoryFile]);
    const ids = indexNodeIdentities([...inv.hosts.keys()].map((h) => nodeIdentityFromVars(h, hostVars(inv, h))));
    assert.ok(ids.size >= 1);
  });
});
