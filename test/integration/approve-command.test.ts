// `fleetboot approve` as an operator runs it, in its own process, against the lab's simulated
// cluster over HTTPS with a kubeconfig: one pass over what is pending, then as a daemon while
// kubelets bootstrap, renew, and impostors file beside them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import { createClientCsr, createServingCsr, waitIssued, type KubeletNode } from '../../src/lab/cluster/kubelet.js';
import { adminIdentity, bootstrapperIdentity, nodeIdentity } from '../../src/lab/cluster/auth.js';
import { CSR } from '../../src/lab/cluster/api.js';
import { renderWorkerIgnition } from '../../src/lab/lab-files.js';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeClient, type KubeClient } from '../../src/cluster/kube-client.js';
import { collect, runCli, spawnCli } from '../helpers/cli.js';

const HOSTS = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
const addressOf = (name: string): string => `127.10.3.${HOSTS.indexOf(name) + 1}`;
const nodeOf = (name: string): KubeletNode => ({ name, arch: 'aarch64', address: addressOf(name) });

describe('fleetboot approve (CLI, lab cluster)', function () {
  this.timeout(60_000);
  let cluster: LabCluster;
  let dir: string;
  let kubeconfig: string;
  let inventory: string;
  let client: KubeClient;

  before(async () => {
    cluster = await LabCluster.start({ workerIgnition: renderWorkerIgnition(undefined), stream: '{}', faultsOf: () => ({}) });
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-approve-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, cluster.kubeconfig(), { mode: 0o600 });
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig());
    client = await createKubeClient(kc);
    inventory = join(dir, 'hosts.yml');
    writeFileSync(inventory, `all:\n  hosts:\n${HOSTS.map((h) => `    ${h}:\n      ansible_host: ${addressOf(h)}\n`).join('')}`);
  });
  after(async () => {
    client?.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const conditions = async (name: string): Promise<string[]> => ((await client.getCsr(name)).status?.conditions ?? []).map((c) => c.type);

  it('one pass: approves a lone bootstrap CSR, leaves and reports two claiming one node, exit 2; no token in the output', async () => {
    const lone = await createClientCsr(cluster.api, 'n1', bootstrapperIdentity());
    const rivalA = await createClientCsr(cluster.api, 'n2', bootstrapperIdentity());
    const rivalB = await createClientCsr(cluster.api, 'n2', bootstrapperIdentity());
    const other = await createClientCsr(cluster.api, 'not-in-inventory', bootstrapperIdentity());
    const r = await runCli(['approve', '-i', inventory, '--kubeconfig', kubeconfig, '--settle', '0.2']);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`^approved: \\[n1\\] client CSR ${lone.metadata.name} \\(node n1\\), \\d+\\.\\d s after it was filed$`, 'm'));
    for (const rival of [rivalA, rivalB]) {
      assert.match(r.stdout, new RegExp(`^\\[WARNING\\]: \\[n2\\] CSR ${rival.metadata.name} not approved \\(node n2\\): rule duplicate-claim: `, 'm'));
      assert.deepEqual(await conditions(rival.metadata.name), []);
    }
    assert.deepEqual(await conditions(lone.metadata.name), ['Approved']);
    // Another machine's bootstrap CSR is not fleetboot's: not approved, not a warning (shown at -v).
    assert.ok(!r.stdout.includes(other.metadata.name));
    assert.deepEqual(await conditions(other.metadata.name), []);
    assert.match(r.stdout, /^approve: 1 approved, 0 denied, 2 left pending, 0 failed, 1 not fleetboot's$/m);
    assert.ok(!r.stdout.includes(cluster.adminToken) && !r.stderr.includes(cluster.adminToken));
  });

  it('one pass fails in one line, exit 1, when the cluster cannot be read within --timeout', async () => {
    const dead = join(dir, 'dead-kubeconfig');
    // The lab's kubeconfig with its port closed: nothing listens on 127.10.0.253:1.
    writeFileSync(dead, cluster.kubeconfig().replace(/(server: https:\/\/127\.10\.0\.253:)\d+/, '$11'), { mode: 0o600 });
    const r = await runCli(['approve', '-i', inventory, '--kubeconfig', dead, '--timeout', '2']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^ERROR! cluster: could not list CSRs and Nodes within 2 s: .*(ECONNREFUSED|connect)/m);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!r.stdout.includes(cluster.adminToken) && !r.stderr.includes(cluster.adminToken));
  });

  it('--serving-only leaves bootstrap CSRs alone and approves serving CSRs', async () => {
    const boot = await createClientCsr(cluster.api, 'n5', bootstrapperIdentity());
    const r = await runCli(['approve', '-i', inventory, '--kubeconfig', kubeconfig, '--serving-only']);
    assert.ok(!r.stdout.includes(boot.metadata.name), r.stdout);
    assert.deepEqual(await conditions(boot.metadata.name), []);
    assert.match(r.stdout, /^approve: 6 inventory nodes, serving CSRs only, one pass over what is pending$/m);
    cluster.api.delete(adminIdentity(), CSR, undefined, boot.metadata.name);
  });

  it('--watch: approves client then serving CSRs as kubelets bootstrap, and serving renewals; stops on SIGTERM with exit 0', async () => {
    const child = spawnCli(['approve', '-i', inventory, '--kubeconfig', kubeconfig, '--watch', '--settle', '0.2', '--json', '-v']);
    const out = collect(child);
    let seen = '';
    child.stdout?.on('data', (d: string) => (seen += d));
    const results = await Promise.all(['n3', 'n4'].map((n) => cluster.kubeletBootstrap(nodeOf(n))));
    assert.ok(results.every((k) => k.ready));
    const renewal = await createServingCsr(cluster.api, 'n3', { dns: ['n3'], ips: [addressOf('n3')] });
    await waitIssued(cluster.api, nodeIdentity('n3'), renewal);
    const rotation = await createClientCsr(cluster.api, 'n4', nodeIdentity('n4'));
    // The rotation is kube-controller-manager's: wait until the approver has said so.
    for (let i = 0; i < 300; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if (seen.includes(rotation.metadata.name)) break;
    }
    child.kill('SIGTERM');
    const r = await out;
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const decisions = events.filter((e) => e.kind === 'csr.decision');
    const approved = decisions.filter((e) => e.outcome === 'approved').map((e) => e.csr).sort();
    assert.deepEqual(approved, [...results.flatMap((k) => [k.clientCsr, k.servingCsr]), renewal.metadata.name].sort());
    const rot = decisions.find((e) => e.csr === rotation.metadata.name);
    assert.equal(rot?.outcome, 'ignored');
    assert.deepEqual(await conditions(rotation.metadata.name), []);
  });
});
