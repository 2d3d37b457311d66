// cluster.join against the lab's simulated cluster over HTTPS on loopback: real kubelets filing
// real PKCS#10 CSRs, fleetboot's real KubeClient and informers. Joins, impostors beside them,
// foreign SANs, the wrong architecture, a re-run, deadlines, and 20 hosts at once.

import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import { createClientCsr, createServingCsr, waitIssued, type KubeletFaults, type KubeletNode } from '../../src/lab/cluster/kubelet.js';
import { bootstrapperIdentity, nodeIdentity } from '../../src/lab/cluster/auth.js';
import { renderWorkerIgnition } from '../../src/lab/lab-files.js';
import { createKubeClient, type KubeClient, type V1CertificateSigningRequest } from '../../src/cluster/kube-client.js';
import { ClusterInformers, csrNodeNames } from '../../src/cluster/informer.js';
import { indexNodeIdentities, nodeIdentityFromVars } from '../../src/cluster/node-identity.js';
import { APPROVE_REASON } from '../../src/cluster/approval-text.js';
import { clusterJoinModule, type ClusterJoinArgs } from '../../src/modules/cluster-join.js';
import { ModuleFailure, type ClusterAccess, type ModuleContext, type ModuleEvent } from '../../src/modules/contract.js';
import type { TaskResult } from '../../src/core/result.js';

const RUN_ID = 'run-test-1';
const HOSTS = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', ...Array.from({ length: 20 }, (_, i) => `n${String(i + 1).padStart(2, '0')}`)];
const addressOf = (name: string): string => `127.10.1.${HOSTS.indexOf(name) + 1}`;
const csrClaims = (csr: V1CertificateSigningRequest, node: string): boolean => csrNodeNames(csr).includes(node);
const nodeOf = (name: string, arch = 'x86_64'): KubeletNode => ({ name, arch, address: addressOf(name) });

interface Joined {
  events: ModuleEvent[];
  promise: Promise<TaskResult>;
}

describe('cluster.join on the lab cluster', function () {
  this.timeout(30_000);
  let cluster: LabCluster;
  let client: KubeClient;
  let access: ClusterAccess;
  const faults = new Map<string, KubeletFaults>();
  const kubelets: Promise<unknown>[] = [];

  before(async () => {
    cluster = await LabCluster.start({ workerIgnition: renderWorkerIgnition(undefined), stream: '{}', faultsOf: (n) => faults.get(n) ?? {} });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig());
    client = await createKubeClient(kc);
    const identities = indexNodeIdentities(HOSTS.map((h) => nodeIdentityFromVars(h, { ansible_host: addressOf(h) })));
    access = { client, informers: new ClusterInformers(client), identities, clientApproved: new Set(), runId: RUN_ID };
  });
  after(async () => {
    await access.informers.stop();
    await cluster.close();
    await Promise.allSettled(kubelets);
    client.close();
  });

  function join(host: string, args: ClusterJoinArgs = {}, vars: Record<string, unknown> = {}): Joined {
    const events: ModuleEvent[] = [];
    const ctx: ModuleContext = {
      host,
      vars: { fleetboot_install_started: new Date().toISOString(), arch: 'x86_64', ...vars },
      check: false,
      signal: new AbortController().signal,
      ssh: () => Promise.reject(new Error('no SSH in cluster.join')),
      render: (t) => t,
      evaluate: () => undefined,
      resolvePath: (p) => p,
      bmc: () => Promise.reject(new Error('no BMC in cluster.join')),
      reconnect: () => Promise.resolve(),
      emit: (e) => events.push(e),
      addSecret: () => undefined,
      artifacts: () => Promise.reject(new Error('no artifacts in cluster.join')),
      cluster: () => Promise.resolve(access),
    };
    return { events, promise: clusterJoinModule.run(args, ctx) };
  }

  /** A kubelet whose run outlives the test (never approved): its end is awaited at teardown. */
  function boot(node: KubeletNode): Promise<unknown> {
    const p = cluster.kubeletBootstrap(node);
    kubelets.push(p.catch(() => undefined));
    return p;
  }

  async function failure(p: Promise<TaskResult>): Promise<ModuleFailure> {
    try {
      await p;
    } catch (err) {
      if (err instanceof ModuleFailure) return err;
      throw err;
    }
    assert.fail('expected the join to fail');
  }

  const condition = (csr: V1CertificateSigningRequest): string[] => (csr.status?.conditions ?? []).map((c) => c.type);
  /** The refusals a join reported, as `CSR <name> … rule <rule>` lines. */
  const warnings = (events: ModuleEvent[]): string[] =>
    events.flatMap((e) => (e.kind === 'csr.decision' && e.outcome !== 'approved' ? [`CSR ${e.csr} ${e.outcome}: rule ${e.rule ?? ''}: ${e.reason}`] : []));

  it('approves the client then the serving CSR, waits for Ready and checks the architecture', async () => {
    const j = join('w1');
    const kubelet = await Promise.all([j.promise, boot(nodeOf('w1'))]);
    const [result, k] = kubelet as [TaskResult, { clientCsr: string; servingCsr: string; ready: boolean }];
    assert.equal(k.ready, true);
    assert.equal(result.changed, true);
    assert.equal(result.node, 'w1');
    assert.equal(result.client_csr, k.clientCsr);
    assert.equal(result.serving_csr, k.servingCsr);
    assert.equal(result.architecture, 'amd64');
    assert.deepEqual(result.strangers, []);
    assert.equal(typeof result.ready_after_s, 'number');
    assert.ok(access.clientApproved.has('w1'));
    for (const name of [k.clientCsr, k.servingCsr]) {
      const approved = (await client.getCsr(name)).status?.conditions?.find((c) => c.type === 'Approved');
      assert.equal(approved?.reason, APPROVE_REASON);
      assert.match(approved?.message ?? '', new RegExp(`^approved by fleetboot run ${RUN_ID} for inventory host w1 `));
    }
    const progress = j.events.flatMap((e) => (e.kind === 'progress' ? [e.text] : []));
    assert.ok(progress.includes('client CSR approved') && progress.includes('serving CSR approved'), progress.join(' | '));
    assert.ok(!JSON.stringify([result, j.events]).includes('BEGIN CERTIFICATE'), 'no PEM in results or events');
  });

  it('a re-run on the Ready node is ok, changes nothing, and reports a late client CSR for it', async () => {
    const late = await cluster.impostorCsr(nodeOf('w1'), 'client');
    await access.informers.waitFor('csrs', (c) => c.metadata?.name === late.metadata.name, { key: 'w1' });
    const result = await join('w1').promise;
    assert.equal(result.changed, false);
    assert.match(String(result.reason), /already Ready/);
    assert.deepEqual(result.strangers, [{ name: late.metadata.name, rule: 'node-exists', reason: 'client CSR: Node w1 already exists: a new node cannot claim its name' }]);
    assert.deepEqual(condition(await client.getCsr(late.metadata.name)), []);
  });

  it('two client CSRs claiming one node: approves neither, reports both (duplicate-claim), fails at once', async () => {
    faults.set('w2', { impostor: 'client' });
    void boot(nodeOf('w2'));
    // Both CSRs are there before the join looks (one arriving after an approval is the next case's).
    const claims = (): number => access.informers.csrs.list().filter((c) => c.spec.signerName.endsWith('client-kubelet') && !c.status?.conditions?.length && c.spec.username?.endsWith('node-bootstrapper') && csrClaims(c, 'w2')).length;
    if (claims() < 2) await access.informers.waitFor('csrs', () => claims() >= 2, { key: 'w2' });
    const j = join('w2', { client_timeout: 3600 });
    const err = await failure(j.promise);
    assert.match(err.message, /^client phase: 2 bootstrap CSRs claimed node w2 at once \(node-csr-\S+, node-csr-\S+\): someone else holds the bootstrap token, so fleetboot approves neither; .*\(oc delete csr node-csr-\S+ node-csr-\S+\), restart the kubelet on w2/);
    const strangers = err.result.strangers as Array<{ name: string; rule: string; reason: string }>;
    assert.equal(strangers.length, 2);
    assert.ok(strangers.every((s) => s.rule === 'duplicate-claim'));
    for (const s of strangers) assert.deepEqual(condition(await client.getCsr(s.name)), [], `${s.name} stays pending`);
    assert.equal(warnings(j.events).length, 2);
    assert.ok(warnings(j.events).every((w) => /rule duplicate-claim/.test(w)));
    assert.ok(!access.clientApproved.has('w2'));
  });

  it('a client CSR for the node from another requester is reported and the kubelet\'s own approved', async () => {
    // The node's own identity files a "bootstrap" CSR: requester is not the node-bootstrapper.
    const stranger = await createClientCsr(cluster.api, 'w3', nodeIdentity('w3'));
    const j = join('w3');
    const [result] = (await Promise.all([j.promise, boot(nodeOf('w3'))])) as [TaskResult, unknown];
    assert.equal(result.changed, true);
    const strangers = result.strangers as Array<{ name: string; rule: string }>;
    assert.deepEqual(strangers.map((s) => [s.name, s.rule]), [[stranger.metadata.name, 'requester']]);
    assert.deepEqual(condition(await client.getCsr(stranger.metadata.name)), []);
    assert.ok(warnings(j.events).some((w) => w.includes(stranger.metadata.name) && w.includes('rule requester')));
  });

  it('a serving CSR with a foreign IP SAN, and another node\'s serving CSR for this host, are not approved', async () => {
    const node = nodeOf('w4');
    const j = join('w4', { deny_strangers: true });
    // The kubelet's steps by hand, so the bad serving CSR comes first.
    const bootstrapper = bootstrapperIdentity();
    const own = await createClientCsr(cluster.api, 'w4', bootstrapper);
    await waitIssued(cluster.api, bootstrapper, own);
    cluster.setNode(node, false);
    const foreignIp = await createServingCsr(cluster.api, 'w4', { dns: ['w4'], ips: [node.address, '10.9.9.9'] });
    const intruder = await cluster.impostorCsr(node, 'serving');
    const good = await createServingCsr(cluster.api, 'w4', { dns: ['w4'], ips: [node.address] });
    await waitIssued(cluster.api, nodeIdentity('w4'), good);
    cluster.setNode(node, true);
    const result = await j.promise;
    assert.equal(result.serving_csr, good.metadata.name);
    const strangers = new Map((result.strangers as Array<{ name: string; rule: string; reason: string }>).map((s) => [s.name, s]));
    assert.equal(strangers.get(foreignIp.metadata.name)?.rule, 'sans');
    assert.match(strangers.get(foreignIp.metadata.name)?.reason ?? '', /10\.9\.9\.9/);
    assert.ok(strangers.has(intruder.metadata.name), JSON.stringify([...strangers.values()]));
    // deny_strangers: the node's own bad request is denied; another node's is only reported.
    assert.deepEqual(condition(await client.getCsr(foreignIp.metadata.name)), ['Denied']);
    assert.deepEqual(condition(await client.getCsr(intruder.metadata.name)), []);
  });

  it('fails when the Node runs another architecture than the inventory says', async () => {
    const j = join('w5', {}, { arch: 'aarch64' });
    const [outcome] = await Promise.all([failure(j.promise), boot(nodeOf('w5', 'x86_64'))]);
    assert.match(outcome.message, /^Node w5 runs amd64 but the inventory says aarch64 \(arm64\)/);
    assert.equal(outcome.result.phase, 'ready');
  });

  it('gives clear failures: no install start, a client deadline, a Ready deadline', async () => {
    await assert.rejects(join('w6', {}, { fleetboot_install_started: undefined }).promise, /fleetboot_install_started is not set: run coreos.install first, or set fleetboot_install_started/);
    await assert.rejects(join('w6', { client_timeout: 0.3 }).promise, /^ModuleFailure: client phase: no client CSR within 0\.3 s \(client_timeout\); no client CSR claimed the node/);
    faults.set('w7', { neverReady: true });
    const j = join('w7', { ready_timeout: 0.5 });
    void boot(nodeOf('w7'));
    const err = await failure(j.promise);
    assert.match(err.message, /^ready phase: no Ready within 0\.5 s \(ready_timeout\); Node w7 is registered but not Ready/);
    assert.ok(err.result.client_csr && err.result.serving_csr);
  });

  it('joins 20 hosts at once through one shared informer, aarch64 and x86_64', async () => {
    const names = HOSTS.filter((h) => h.startsWith('n'));
    const archOf = (i: number): string => (i % 2 ? 'aarch64' : 'x86_64');
    const watchesBefore = access.informers.csrs.stats.watches;
    const joins = names.map((n, i) => join(n, {}, { arch: archOf(i) }).promise);
    const boots = names.map((n, i) => boot(nodeOf(n, archOf(i))));
    const results = await Promise.all(joins);
    await Promise.all(boots);
    for (const [i, r] of results.entries()) {
      assert.equal(r.changed, true);
      assert.equal(r.architecture, i % 2 ? 'arm64' : 'amd64');
      assert.deepEqual(r.strangers, []);
    }
    assert.equal(access.informers.csrs.stats.watches, watchesBefore, 'no new watch for more hosts');
  });
});
