// The long-running approver (`fleetboot approve --watch`) against the lab's simulated cluster over
// HTTPS: real kubelets filing real PKCS#10 CSRs, fleetboot's KubeClient and informers. Many nodes at
// once, impostors, renewals, `since`, deny mode, a restart, dropped watches.

import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import { createClientCsr, createServingCsr, waitIssued, type KubeletFaults, type KubeletNode } from '../../src/lab/cluster/kubelet.js';
import { adminIdentity, bootstrapperIdentity, nodeIdentity } from '../../src/lab/cluster/auth.js';
import { CSR } from '../../src/lab/cluster/api.js';
import { KubeApiError } from '../../src/cluster/kube-error.js';
import { renderWorkerIgnition } from '../../src/lab/lab-files.js';
import { createKubeClient, type KubeClient } from '../../src/cluster/kube-client.js';
import { ClusterInformers } from '../../src/cluster/informer.js';
import { indexNodeIdentities, nodeIdentityFromVars } from '../../src/cluster/node-identity.js';
import { APPROVE_REASON, DENY_REASON } from '../../src/cluster/approval-text.js';
import { Approver, type CsrDecision } from '../../src/cluster/approver.js';

const HOSTS = Array.from({ length: 30 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`);
const addressOf = (name: string): string => `127.10.2.${HOSTS.indexOf(name) + 1}`;
const nodeOf = (name: string): KubeletNode => ({ name, arch: 'aarch64', address: addressOf(name) });
const BY = 'fleetboot approve (test)';

describe('fleetboot approve: the long-running approver on the lab cluster', function () {
  this.timeout(30_000);
  let cluster: LabCluster;
  let client: KubeClient;
  const faults = new Map<string, KubeletFaults>();
  const kubelets: Promise<unknown>[] = [];
  const running: Array<{ approver: Approver; informers: ClusterInformers }> = [];
  const identities = indexNodeIdentities(HOSTS.map((h) => nodeIdentityFromVars(h, { ansible_host: addressOf(h) })));

  before(async () => {
    cluster = await LabCluster.start({ workerIgnition: renderWorkerIgnition(undefined), stream: '{}', faultsOf: (n) => faults.get(n) ?? {} });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig());
    client = await createKubeClient(kc);
  });
  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.approver.stop();
      await r.informers.stop();
    }
  });
  after(async () => {
    await cluster.close();
    await Promise.allSettled(kubelets);
    client.close();
  });

  async function approver(o: { since?: Date; deny?: boolean; via?: KubeClient; settleMs?: number } = {}): Promise<{ approver: Approver; decisions: CsrDecision[] }> {
    const decisions: CsrDecision[] = [];
    const via = o.via ?? client;
    const informers = new ClusterInformers(via, { backoff: { initialMs: 50, maxMs: 100 } });
    const a = new Approver({ client: via, informers, identities, ...(o.settleMs !== undefined ? { settleMs: o.settleMs } : {}), since: o.since ?? new Date(Date.now() - 60_000), deny: o.deny ?? false, by: BY, onDecision: (d) => decisions.push(d) });
    running.push({ approver: a, informers });
    await a.start();
    return { approver: a, decisions };
  }

  function boot(name: string): Promise<{ clientCsr: string; servingCsr: string; ready: boolean; impostorCsr?: string }> {
    const p = cluster.kubeletBootstrap(nodeOf(name));
    kubelets.push(p.catch(() => undefined));
    return p;
  }

  const conditions = async (name: string): Promise<string[]> => ((await client.getCsr(name)).status?.conditions ?? []).map((c) => c.type);
  const of = (decisions: CsrDecision[], csr: string): CsrDecision[] => decisions.filter((d) => d.verdict.csr === csr);
  /** Waits until the approver has reported something about `csr` (informers deliver asynchronously). */
  async function reported(decisions: CsrDecision[], csr: string, a: Approver): Promise<CsrDecision[]> {
    for (let i = 0; i < 200 && of(decisions, csr).length === 0; i++) {
      await a.idle();
      await new Promise((r) => setTimeout(r, 10));
    }
    return of(decisions, csr);
  }

  it('approves the client then the serving CSR of 12 nodes bootstrapping at once; each Node turns Ready', async () => {
    const { decisions } = await approver();
    const names = HOSTS.slice(0, 12);
    const results = await Promise.all(names.map(boot));
    assert.ok(results.every((r) => r.ready));
    const approved = decisions.filter((d) => d.outcome === 'approved');
    assert.equal(approved.length, 24);
    for (const [i, r] of results.entries()) {
      for (const [csr, kind] of [[r.clientCsr, 'client'], [r.servingCsr, 'serving']] as const) {
        const d = of(approved, csr);
        assert.equal(d.length, 1, `${csr} approved once`);
        assert.equal(d[0]?.verdict.kind, kind);
        assert.equal(d[0]?.verdict.host, names[i]);
        assert.ok((d[0]?.latencyMs ?? -1) >= 0);
        const c = (await client.getCsr(csr)).status?.conditions?.find((x) => x.type === 'Approved');
        assert.equal(c?.reason, APPROVE_REASON);
        assert.match(c?.message ?? '', new RegExp(`^approved by fleetboot approve \\(test\\) for inventory host ${names[i]} \\(node ${names[i]}\\) after checking `));
      }
    }
    assert.deepEqual(decisions.filter((d) => d.outcome !== 'approved'), []);
  });

  it('leaves both of two bootstrap CSRs claiming one node and reports each once (duplicate-claim)', async () => {
    const { approver: a, decisions } = await approver();
    faults.set('a13', { impostor: 'client' });
    void boot('a13');
    // The kubelet's own and the impostor's, both judged (informers deliver asynchronously).
    for (let i = 0; i < 300 && decisions.filter((d) => d.verdict.nodeName === 'a13').length < 2; i++) {
      await a.idle();
      await new Promise((r) => setTimeout(r, 10));
    }
    const left = decisions.filter((d) => d.verdict.nodeName === 'a13');
    assert.equal(left.length, 2, JSON.stringify(left));
    assert.ok(left.every((d) => d.outcome === 'left' && d.verdict.action !== 'approve' && d.verdict.rule === 'duplicate-claim'));
    for (const d of left) assert.deepEqual(await conditions(d.verdict.csr), []);
    // Re-judging on later changes does not report them again.
    cluster.dropWatches();
    await cluster.impostorCsr(nodeOf('a30'), 'serving');
    await new Promise((r) => setTimeout(r, 200));
    await a.idle();
    assert.equal(decisions.filter((d) => d.verdict.nodeName === 'a13').length, 2);
  });

  it('a serving CSR from another node for this node`s name and address is left and reported; the kubelet`s own is approved', async () => {
    const { approver: a, decisions } = await approver();
    faults.set('a14', { impostor: 'serving' });
    const r = await boot('a14');
    assert.ok(r.ready && r.impostorCsr);
    const d = await reported(decisions, r.impostorCsr, a);
    assert.equal(d.length, 1);
    assert.equal(d[0]?.outcome, 'left');
    assert.ok(d[0]?.verdict.action !== 'approve' && d[0].verdict.rule === 'unknown-node', JSON.stringify(d[0]?.verdict));
    assert.equal(d[0]?.names, 'a14', 'reported as asking for a14`s names and address');
    assert.deepEqual(await conditions(r.impostorCsr), []);
    assert.equal(of(decisions, r.servingCsr)[0]?.outcome, 'approved');
  });

  it('approves serving-certificate renewals of registered nodes and leaves the nodes` own client renewals to kube-controller-manager', async () => {
    const { approver: a, decisions } = await approver();
    await boot('a15');
    const renewal = await createServingCsr(cluster.api, 'a15', { dns: ['a15'], ips: [addressOf('a15')] });
    await waitIssued(cluster.api, nodeIdentity('a15'), renewal);
    assert.equal(of(decisions, renewal.metadata.name)[0]?.outcome, 'approved');
    const rotation = await createClientCsr(cluster.api, 'a15', nodeIdentity('a15'));
    const d = await reported(decisions, rotation.metadata.name, a);
    assert.equal(d[0]?.outcome, 'ignored');
    assert.deepEqual(await conditions(rotation.metadata.name), []);
  });

  it('never approves a bootstrap CSR filed before `since`', async () => {
    const { approver: a, decisions } = await approver({ since: new Date(Date.now() + 60_000) });
    const csr = await createClientCsr(cluster.api, 'a16', bootstrapperIdentity());
    const d = await reported(decisions, csr.metadata.name, a);
    assert.equal(d[0]?.outcome, 'left');
    assert.ok(d[0]?.verdict.action !== 'approve' && d[0].verdict.rule === 'created-before-install');
    assert.deepEqual(await conditions(csr.metadata.name), []);
  });

  it('with deny, denies a CSR that claims an inventory node and fails a rule against it, with a reason naming the rule', async () => {
    const { approver: a, decisions } = await approver({ deny: true });
    // A serving CSR as the node itself, for an address that is not the host's.
    await boot('a17');
    const bad = await createServingCsr(cluster.api, 'a17', { dns: ['a17'], ips: ['10.1.2.3'] });
    const d = await reported(decisions, bad.metadata.name, a);
    assert.equal(d[0]?.outcome, 'denied');
    const c = (await client.getCsr(bad.metadata.name)).status?.conditions?.find((x) => x.type === 'Denied');
    assert.equal(c?.reason, DENY_REASON);
    assert.match(c?.message ?? '', /^denied by fleetboot approve \(test\) for inventory host a17: sans: /);
  });

  it('after a restart, does not approve a second bootstrap CSR for a node whose first was approved and which has not registered', async () => {
    const first = await approver();
    const csr1 = await createClientCsr(cluster.api, 'a18', bootstrapperIdentity());
    await waitIssued(cluster.api, bootstrapperIdentity(), csr1);
    assert.equal(of(first.decisions, csr1.metadata.name)[0]?.outcome, 'approved');
    const r = running.pop();
    await r?.approver.stop();
    await r?.informers.stop();
    const second = await approver();
    const csr2 = await createClientCsr(cluster.api, 'a18', bootstrapperIdentity());
    const d = await reported(second.decisions, csr2.metadata.name, second.approver);
    assert.ok(d[0]?.verdict.action !== 'approve' && d[0]?.verdict.rule === 'already-approved', JSON.stringify(d[0]?.verdict));
    assert.deepEqual(await conditions(csr2.metadata.name), []);
  });

  /** The lab client, with the first `n` calls of one kind failing as an unwell API server would. */
  function flaky(what: 'list-nodes' | 'approve', n: number): KubeClient {
    let left = n;
    const unwell = (): KubeApiError => new KubeApiError('cluster: 503 Service Unavailable', 503, 'ServiceUnavailable');
    return {
      ...client,
      list: async (kind, o) => {
        if (what === 'list-nodes' && kind === 'nodes' && left-- > 0) throw unwell();
        return client.list(kind, o);
      },
      approveCsr: async (csr, d, o) => {
        if (what === 'approve' && left-- > 0) throw unwell();
        return client.approveCsr(csr, d, o);
      },
    };
  }

  it('judges nothing before the Nodes are listed: a bootstrap CSR for an existing Node is refused once they are', async () => {
    const first = await approver();
    const r = await boot('a22');
    // kube-controller-manager's cleaner deletes decided CSRs after an hour.
    cluster.api.delete(adminIdentity(), CSR, undefined, r.clientCsr);
    cluster.api.delete(adminIdentity(), CSR, undefined, r.servingCsr);
    const done = running.pop();
    await done?.approver.stop();
    await done?.informers.stop();
    assert.ok(first.decisions.length > 0);
    const impostor = await createClientCsr(cluster.api, 'a22', bootstrapperIdentity());
    // Restarted while LIST nodes fails a few times: the CSR cache fills first.
    const { approver: a, decisions } = await approver({ via: flaky('list-nodes', 3), settleMs: 0 });
    const d = await reported(decisions, impostor.metadata.name, a);
    assert.ok(d[0]?.verdict.action !== 'approve' && d[0]?.verdict.rule === 'node-exists', JSON.stringify(d[0]?.verdict));
    assert.deepEqual(await conditions(impostor.metadata.name), []);
  });

  it('judges afresh a CSR filed again under the same name after a contested pair was deleted', async () => {
    const { approver: a, decisions } = await approver({ settleMs: 100 });
    const own = await createClientCsr(cluster.api, 'a23', bootstrapperIdentity());
    const rival = await createClientCsr(cluster.api, 'a23', bootstrapperIdentity());
    for (const c of [own, rival]) assert.equal((await reported(decisions, c.metadata.name, a))[0]?.verdict.action !== 'approve' ? 'refused' : 'approved', 'refused');
    // The operator's remedy: delete both; the kubelet files its own again (same key, same name).
    for (const c of [own, rival]) cluster.api.delete(adminIdentity(), CSR, undefined, c.metadata.name);
    const again = await cluster.api.createCsr(bootstrapperIdentity(), { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: own.metadata.name }, spec: own.spec });
    await waitIssued(cluster.api, bootstrapperIdentity(), again);
    assert.equal(decisions.filter((d) => d.verdict.csr === own.metadata.name && d.outcome === 'approved').length, 1);
  });

  it('retries an approval the API refused, with nothing else changing', async () => {
    const { approver: a, decisions } = await approver({ via: flaky('approve', 2), settleMs: 0 });
    const csr = await createClientCsr(cluster.api, 'a24', bootstrapperIdentity());
    await waitIssued(cluster.api, bootstrapperIdentity(), csr);
    await a.idle();
    assert.deepEqual(of(decisions, csr.metadata.name).map((d) => d.outcome), ['failed', 'failed', 'approved']);
    assert.match(of(decisions, csr.metadata.name)[0]?.error ?? '', /503 Service Unavailable/);
  });

  it('keeps approving across dropped watches', async () => {
    const { decisions } = await approver();
    const done = Promise.all(['a19', 'a20', 'a21'].map(boot));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      cluster.dropWatches();
    }
    const results = await done;
    assert.ok(results.every((r) => r.ready));
    assert.equal(decisions.filter((d) => d.outcome === 'approved').length, 6);
  });
});
