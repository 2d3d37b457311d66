// cluster.preflight: the decision as a pure function over what ClusterVersion and the control
// plane say, then the module against a lab cluster running a single-architecture payload.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node } from '../../src/cluster/kube-client.js';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import { controlPlaneArchitectures, clusterPreflightModule, preflightVerdict } from '../../src/modules/cluster-preflight.js';
import { SshConnectionPool, sshTargetFromVars } from '../../src/ssh/index.js';
import { labClusterService, labHostVars } from './cluster-fixtures.js';
import { makeContext, makePlaybookDir, runModule, type PlaybookDir } from './context.js';

const MIGRATE = /oc adm upgrade --to-multi-arch/;

describe('cluster.preflight decision', () => {
  it('accepts any known architecture on a Multi payload', () => {
    assert.deepEqual(preflightVerdict('h', 'aarch64', 'Multi', []), { ok: true, clusterArchitecture: 'Multi', multi: true });
    assert.deepEqual(preflightVerdict('h', 'x86_64', 'Multi', ['amd64']), { ok: true, clusterArchitecture: 'Multi', multi: true });
  });

  it('accepts the control plane architecture in either spelling on a single payload', () => {
    assert.deepEqual(preflightVerdict('h', 'x86_64', '', ['amd64']), { ok: true, clusterArchitecture: 'amd64', multi: false });
    assert.deepEqual(preflightVerdict('h', 'arm64', undefined, ['arm64']), { ok: true, clusterArchitecture: 'arm64', multi: false });
  });

  it('refuses another architecture on a single payload, saying how to migrate', () => {
    const v = preflightVerdict('node-1', 'aarch64', undefined, ['amd64']);
    assert.equal(v.ok, false);
    assert.ok(!v.ok && MIGRATE.test(v.msg) && v.msg.startsWith('node-1 is aarch64 (arm64) but the cluster runs a single-architecture amd64 payload'));
  });

  it('takes cluster_arch only when no control-plane Node says otherwise', () => {
    assert.equal(preflightVerdict('h', 'aarch64', undefined, [], 'x86_64').ok, false);
    assert.deepEqual(preflightVerdict('h', 'x86_64', undefined, [], 'amd64'), { ok: true, clusterArchitecture: 'amd64', multi: false });
    assert.equal(preflightVerdict('h', 'aarch64', undefined, ['amd64'], 'aarch64').ok, false);
    const unknown = preflightVerdict('h', 'x86_64', undefined, []);
    assert.ok(!unknown.ok && /cannot tell the cluster's architecture.*set cluster_arch/.test(unknown.msg));
    const bad = preflightVerdict('h', 'x86_64', undefined, [], 'sparc');
    assert.ok(!bad.ok && /^cluster_arch: unknown architecture 'sparc'/.test(bad.msg));
  });

  it('refuses an unknown host architecture', () => {
    const v = preflightVerdict('h', 'mips', 'Multi', []);
    assert.ok(!v.ok && /^arch: unknown architecture 'mips' of h/.test(v.msg));
  });

  it('reads the control plane from its role labels, nodeInfo before the arch label', () => {
    const node = (labels: Record<string, string>, arch?: string): V1Node => ({ metadata: { name: 'n', labels }, ...(arch ? { status: { nodeInfo: { architecture: arch } as never } } : {}) });
    assert.deepEqual(
      controlPlaneArchitectures([
        node({ 'node-role.kubernetes.io/master': '', 'kubernetes.io/arch': 'amd64' }),
        node({ 'node-role.kubernetes.io/control-plane': '' }, 'amd64'),
        node({ 'node-role.kubernetes.io/worker': '' }, 'arm64'),
      ]),
      ['amd64'],
    );
  });
});

describe('cluster.preflight on a single-architecture lab cluster', function () {
  this.timeout(60_000);
  let dir: string;
  let lab: LabState;
  let pool: SshConnectionPool;
  let pb: PlaybookDir;
  let hosts: Map<string, Record<string, unknown>>;
  let svc: ReturnType<typeof labClusterService>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-cluster-single-'));
    lab = await labUp({ hosts: 2, dir, port: 0, bmc: false, arch: 'aarch64=1,x86_64=1', clusterArch: 'single' });
    pool = new SshConnectionPool();
    pb = makePlaybookDir();
    hosts = labHostVars(lab);
    svc = labClusterService(hosts);
  });
  after(async () => {
    await svc?.service.close();
    await pool?.closeAll();
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    pb?.remove();
  });

  const hostOf = (arch: string): string => [...hosts].find(([, v]) => v['arch'] === arch)![0];
  const ctx = (host: string) => {
    const vars = hosts.get(host)!;
    return makeContext({ pool, target: () => sshTargetFromVars(host, vars), playbookDir: pb.dir, vars, cluster: svc.service }).ctx;
  };

  it('refuses an aarch64 host of an x86_64 cluster, saying how to migrate', async () => {
    const r = await runModule(clusterPreflightModule, { cluster_arch: 'x86_64' }, ctx(hostOf('aarch64')));
    assert.equal(r.failed, true);
    assert.match(String(r.msg), MIGRATE);
    assert.ok(!String(r.msg).includes('\n'));
  });

  it('lets an x86_64 host join it', async () => {
    const r = await runModule(clusterPreflightModule, { cluster_arch: 'x86_64' }, ctx(hostOf('x86_64')));
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r['cluster_architecture'], 'amd64');
    assert.equal(r['multi'], false);
  });

  it('cannot tell the architecture of a single payload without a control plane or cluster_arch', async () => {
    const r = await runModule(clusterPreflightModule, {}, ctx(hostOf('x86_64')));
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /cannot tell the cluster's architecture/);
  });
});
