// The cluster modules against the lab's simulated cluster (its own process, HTTPS on loopback,
// bearer token), reached as a run reaches it: the kubeconfig the lab writes, named by the
// inventory's fleetboot_kubeconfig, through a real ClusterService.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ignitionDigest } from '../../src/coreos/ignition-digest.js';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import { clusterBootImagesModule } from '../../src/modules/cluster-boot-images.js';
import { clusterPreflightModule } from '../../src/modules/cluster-preflight.js';
import { clusterWorkerIgnitionModule } from '../../src/modules/cluster-worker-ignition.js';
import { httpGetBytes } from '../../src/modules/coreos-fetch.js';
import { clearIsoCaches } from '../../src/modules/coreos-iso-cache.js';
import { coreosLiveIsoModule } from '../../src/modules/coreos-live-iso.js';
import { ArtifactServer } from '../../src/serve/server.js';
import { SshConnectionPool, sshTargetFromVars } from '../../src/ssh/index.js';
import { labClusterService, labHostVars } from './cluster-fixtures.js';
import { makeContext, makePlaybookDir, runModule, serverPublisher, type PlaybookDir } from './context.js';

type Vars = Record<string, unknown>;
const isVars = (v: unknown): v is Vars => typeof v === 'object' && v !== null && !Array.isArray(v);

describe('cluster modules on the lab cluster', function () {
  this.timeout(60_000);
  let dir: string;
  let lab: LabState;
  let server: ArtifactServer;
  let pool: SshConnectionPool;
  let pb: PlaybookDir;
  let hosts: Map<string, Vars>;
  let svc: ReturnType<typeof labClusterService>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-cluster-lab-'));
    lab = await labUp({ hosts: 2, dir, port: 0, bmc: false, arch: 'aarch64=1,x86_64=1' });
    server = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }] });
    pool = new SshConnectionPool();
    pb = makePlaybookDir();
    hosts = labHostVars(lab);
    svc = labClusterService(hosts);
  });
  after(async () => {
    await svc?.service.close();
    await pool?.closeAll();
    await server?.close();
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    pb?.remove();
  });

  const ctx = (host: string) => {
    const vars = hosts.get(host)!;
    return makeContext({ pool, target: () => sshTargetFromVars(host, vars), playbookDir: pb.dir, vars, artifacts: (s) => serverPublisher(server, host, (x) => s.add(x)), cluster: svc.service });
  };
  const names = (): string[] => [...hosts.keys()];
  const gets = (what: string): number => svc.events.filter((e) => e.action === what && e.detail === undefined).length;

  it('reads the cluster through the kubeconfig the inventory names, its token registered', async () => {
    assert.equal(hosts.get(names()[0]!)!['fleetboot_kubeconfig'], lab.kubeconfig);
    const access = await ctx(names()[0]!).ctx.cluster();
    assert.equal(access.client.server, lab.cluster?.url);
    assert.equal(access.identities.size, 2);
    const token = /token: (\S+)/.exec(readFileSync(lab.kubeconfig!, 'utf8'))?.[1];
    assert.ok(token && svc.secrets.has(token));
  });

  it('cluster.worker_ignition publishes the secret worker-user-data-managed for each host, read once', async () => {
    const results = await Promise.all(names().map((h) => runModule(clusterWorkerIgnitionModule, {}, ctx(h).ctx)));
    assert.equal(gets('GET secret openshift-machine-api/worker-user-data-managed'), 1);
    const access = await ctx(names()[0]!).ctx.cluster();
    const userData = Buffer.from((await access.client.getSecret('openshift-machine-api', 'worker-user-data-managed')).data?.['userData'] ?? '', 'base64');
    for (const r of results) {
      assert.equal(r.failed, false, String(r.msg));
      assert.equal(r['hash'], ignitionDigest(userData));
      assert.equal(r['size'], userData.length);
      const served = await httpGetBytes(String(r['url']));
      assert.ok(served.equals(userData));
      assert.match(String(r['url']), /\/worker\.ign$/);
      // The config itself is never in the result.
      assert.ok(!JSON.stringify(r).includes(userData.toString('utf8').slice(0, 40)));
    }
    assert.notEqual(results[0]!['url'], results[1]!['url']);
  });

  it('cluster.worker_ignition fails in one line on a missing secret or key', async () => {
    const missing = await runModule(clusterWorkerIgnitionModule, { secret: 'no-such-secret' }, ctx(names()[0]!).ctx);
    assert.equal(missing.failed, true);
    assert.match(String(missing.msg), /GET secret openshift-machine-api\/no-such-secret: 404/);
    assert.ok(!String(missing.msg).includes('\n'));
    const key = await runModule(clusterWorkerIgnitionModule, { key: 'nope' }, ctx(names()[0]!).ctx);
    assert.equal(key.failed, true);
    assert.match(String(key.msg), /^secret openshift-machine-api\/worker-user-data-managed has no key nope \(keys: .*userData.*\)/);
  });

  it('cluster.boot_images returns the coreos-bootimages stream, read once, which coreos.live_iso takes', async () => {
    const results = await Promise.all(names().map((h) => runModule(clusterBootImagesModule, {}, ctx(h).ctx)));
    assert.equal(gets('GET configmap openshift-machine-config-operator/coreos-bootimages'), 1);
    for (const r of results) {
      assert.equal(r.failed, false, String(r.msg));
      assert.deepEqual([...(r['architectures'] as string[])].sort(), ['aarch64', 'x86_64']);
    }
    const stream = results[0]!['stream'];
    assert.ok(isVars(stream) && isVars(stream['architectures']));
    clearIsoCaches();
    const host = names()[0]!;
    const iso = await runModule(coreosLiveIsoModule, { stream, cache_dir: join(dir, 'iso-cache') }, ctx(host).ctx);
    assert.equal(iso.failed, false, String(iso.msg));
    assert.ok(String(iso['url']).startsWith('http://127.0.0.1:'));
  });

  it('cluster.boot_images fails in one line on a missing key', async () => {
    const r = await runModule(clusterBootImagesModule, { key: 'nope' }, ctx(names()[0]!).ctx);
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /^configmap openshift-machine-config-operator\/coreos-bootimages has no data\.nope \(keys: .*stream.*\)/);
  });

  it('cluster.preflight lets hosts of both architectures join a multi-architecture cluster', async () => {
    const results = await Promise.all(names().map((h) => runModule(clusterPreflightModule, {}, ctx(h).ctx)));
    for (const r of results) {
      assert.equal(r.failed, false, String(r.msg));
      assert.equal(r['cluster_architecture'], 'Multi');
      assert.equal(r['multi'], true);
    }
    assert.deepEqual(names().map((h) => hosts.get(h)!['arch']).sort(), ['aarch64', 'x86_64']);
    assert.equal(gets('GET clusterversion version'), 1);
  });
});
