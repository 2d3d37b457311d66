import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { LabCluster } from '../../src/lab/cluster/cluster.js';
import { BOOTSTRAPPER_USER, BOOTSTRAPPER_GROUPS } from '../../src/lab/cluster/auth.js';
import { renderWorkerIgnition } from '../../src/lab/lab-files.js';
import { call, csrBody, openWatch } from './cluster-client.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const ADDRESS = '127.10.0.253';

function approval(csr: Record<string, unknown>, conditions: unknown[]): Record<string, unknown> {
  return { ...csr, status: { ...(csr.status as object), conditions } };
}

const approved = { type: 'Approved', status: 'True', reason: 'Test', message: 'approved by the test' };

describe('lab cluster API over HTTPS', function () {
  this.timeout(30_000);
  let cluster: LabCluster;
  let admin: string;
  let boot: string;

  before(async () => {
    cluster = await LabCluster.start({ address: ADDRESS, workerIgnition: renderWorkerIgnition(undefined), stream: '{"stream":"stable"}', arch: 'single' });
    admin = cluster.adminToken;
    boot = cluster.bootstrapToken;
  });
  after(() => cluster.close());

  it('answers 401 with a Status without a valid token, and serves /version to anyone', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const r = await call(cluster, 'GET', CSRS, token);
      assert.equal(r.status, 401);
      assert.deepEqual([r.body.kind, r.body.code, r.body.reason], ['Status', 401, 'Unauthorized']);
    }
    const v = await call(cluster, 'GET', '/version', undefined);
    assert.equal(v.status, 200);
    assert.equal(v.body.major, '1');
  });

  it('serves discovery for the core group and the two API groups', async () => {
    assert.deepEqual((await call(cluster, 'GET', '/api', admin)).body.versions, ['v1']);
    const groups = (await call(cluster, 'GET', '/apis', admin)).body.groups as Array<{ name: string }>;
    assert.deepEqual(groups.map((g) => g.name).sort(), ['certificates.k8s.io', 'config.openshift.io']);
    const certs = (await call(cluster, 'GET', '/apis/certificates.k8s.io/v1', admin)).body.resources as Array<{ name: string; shortNames?: string[] }>;
    assert.deepEqual(certs.map((r) => r.name), ['certificatesigningrequests', 'certificatesigningrequests/approval']);
    const core = (await call(cluster, 'GET', '/api/v1', admin)).body.resources as Array<{ name: string }>;
    assert.ok(['nodes', 'secrets', 'configmaps'].every((n) => core.some((r) => r.name === n)));
    const missing = await call(cluster, 'GET', '/apis/apps/v1/deployments', admin);
    assert.deepEqual([missing.status, missing.body.kind, missing.body.reason], [404, 'Status', 'NotFound']);
  });

  it('holds the worker Ignition secret, the boot images configmap and a single-architecture ClusterVersion', async () => {
    const s = await call(cluster, 'GET', '/api/v1/namespaces/openshift-machine-api/secrets/worker-user-data-managed', admin);
    const ign = JSON.parse(Buffer.from(String((s.body.data as Record<string, string>).userData), 'base64').toString('utf8')) as { ignition: { config: { merge: Array<{ source: string }> } } };
    assert.match(ign.ignition.config.merge[0]?.source ?? '', /\/config\/worker$/);
    const cm = await call(cluster, 'GET', '/api/v1/namespaces/openshift-machine-config-operator/configmaps/coreos-bootimages', admin);
    assert.equal((cm.body.data as Record<string, string>).stream, '{"stream":"stable"}');
    const cv = await call(cluster, 'GET', '/apis/config.openshift.io/v1/clusterversions/version', admin);
    assert.equal(((cv.body.status as Record<string, Record<string, unknown>>).desired ?? {}).architecture, undefined);
    const forbidden = await call(cluster, 'GET', '/api/v1/namespaces/openshift-machine-api/secrets/worker-user-data-managed', boot);
    assert.deepEqual([forbidden.status, forbidden.body.reason], [403, 'Forbidden']);
  });

  it('sets the requester from the token, never from the body, and clears status at create', async () => {
    const body = await csrBody('fields', 'node-001', 'client');
    const spec = body.spec as Record<string, unknown>;
    Object.assign(spec, { username: 'system:admin', groups: ['system:masters'], uid: 'forged', extra: { x: ['y'] } });
    body.status = { conditions: [approved], certificate: 'Zm9yZ2Vk' };
    const r = await call(cluster, 'POST', CSRS, boot, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const got = r.body.spec as Record<string, unknown>;
    assert.equal(got.username, BOOTSTRAPPER_USER);
    assert.deepEqual(got.groups, BOOTSTRAPPER_GROUPS);
    assert.notEqual(got.uid, 'forged');
    assert.equal((got.extra as Record<string, unknown>).x, undefined);
    assert.deepEqual(r.body.status, {});
  });

  it('refuses requests that do not parse or verify, and bad usages or signers, with 422 Invalid', async () => {
    const bad = await csrBody('bad-sig', 'node-001', 'client');
    const spec = bad.spec as Record<string, unknown>;
    const pem = Buffer.from(String(spec.request), 'base64').toString('utf8');
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    spec.request = Buffer.from(`-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`).toString('base64');
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['bad signature', bad, /spec\.request: Invalid value.*signature/],
      ['not a CSR', { ...(await csrBody('pem', 'n', 'client')), spec: { ...spec, request: Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64') } }, /CERTIFICATE REQUEST/],
      ['no usages', await csrBody('none', 'node-001', 'client', { usages: [] }), /spec\.usages: Required value/],
      ['duplicate usages', await csrBody('dup', 'node-001', 'client', { usages: ['digital signature', 'client auth', 'client auth'] }), /spec\.usages\[2\]: Duplicate value: "client auth"/],
      ['unknown usage', await csrBody('unk', 'node-001', 'client', { usages: ['digital signature', 'fly'] }), /spec\.usages\[1\]: Unsupported value: "fly"/],
    ];
    const unqualified = await csrBody('signer', 'node-001', 'client');
    (unqualified.spec as Record<string, unknown>).signerName = 'kubelet';
    cases.push(['unqualified signer', unqualified, /spec\.signerName: Invalid value: "kubelet"/]);
    for (const [what, body, message] of cases) {
      const r = await call(cluster, 'POST', CSRS, boot, body);
      assert.equal(r.status, 422, what);
      assert.deepEqual([r.body.kind, r.body.reason, r.body.code], ['Status', 'Invalid', 422], what);
      assert.match(String(r.body.message), message, what);
    }
    const list = (await call(cluster, 'GET', CSRS, admin)).body.items as Array<{ metadata: { name: string } }>;
    assert.ok(!list.some((c) => ['bad-sig', 'none', 'dup', 'unk', 'signer'].includes(c.metadata.name)));
  });

  it('lets only the admin approve, and applies the approval rules (409 on a stale resourceVersion)', async () => {
    const created = (await call(cluster, 'POST', CSRS, boot, await csrBody('rules', 'node-002', 'client'))).body;
    const url = `${CSRS}/rules/approval`;
    const denied403 = await call(cluster, 'PUT', url, boot, approval(created, [approved]));
    assert.deepEqual([denied403.status, denied403.body.reason], [403, 'Forbidden']);
    const both = await call(cluster, 'PUT', url, admin, approval(created, [approved, { type: 'Denied', status: 'True', reason: 'x' }]));
    assert.equal(both.status, 422);
    assert.match(String(both.body.message), /mutually exclusive/);
    const falseApproved = await call(cluster, 'PUT', url, admin, approval(created, [{ ...approved, status: 'False' }]));
    assert.equal(falseApproved.status, 422);
    assert.match(String(falseApproved.body.message), /supported values: "True"/);
    const ok = await call(cluster, 'PUT', url, admin, approval(created, [approved]));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const conds = (ok.body.status as { conditions: Array<Record<string, string>> }).conditions;
    assert.equal(conds[0]?.type, 'Approved');
    assert.match(conds[0]?.lastUpdateTime ?? '', /^\d{4}-\d\d-\d\dT/);
    const stale = await call(cluster, 'PUT', url, admin, approval(created, [approved]));
    assert.deepEqual([stale.status, stale.body.reason], [409, 'Conflict']);
    await cluster.api.settle(); // the signer has written the certificate since
    const fresh = (await call(cluster, 'GET', `${CSRS}/rules`, admin)).body;
    const removed = await call(cluster, 'PUT', url, admin, approval(fresh, []));
    assert.equal(removed.status, 422);
    assert.match(String(removed.body.message), /may not remove a condition of type "Approved"/);
    const nowDenied = await call(cluster, 'PUT', url, admin, approval(fresh, [...((fresh.status as { conditions: unknown[] }).conditions), { type: 'Denied', status: 'True' }]));
    assert.equal(nowDenied.status, 422);
    await cluster.api.settle();
  });

  it('signs an approved kubelet CSR with the kubelet CA, watched ADDED → MODIFIED (Approved) → MODIFIED (certificate)', async () => {
    const start = (await call(cluster, 'GET', CSRS, admin)).body;
    const rv = (start.metadata as { resourceVersion: string }).resourceVersion;
    const watch = await openWatch(cluster, `${CSRS}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dsigned`, admin);
    const created = (await call(cluster, 'POST', CSRS, boot, await csrBody('signed', 'node-003', 'client'))).body;
    await call(cluster, 'PUT', `${CSRS}/signed/approval`, admin, approval(created, [approved]));
    const e1 = await watch.next();
    const e2 = await watch.next();
    const e3 = await watch.next();
    watch.close();
    assert.deepEqual([e1.type, e2.type, e3.type], ['ADDED', 'MODIFIED', 'MODIFIED']);
    const rvs = [e1, e2, e3].map((e) => Number((e.object.metadata as { resourceVersion: string }).resourceVersion));
    assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `increasing resourceVersions ${rvs.join(',')}`);
    const status = e3.object.status as { certificate: string };
    const cert = new X509Certificate(Buffer.from(status.certificate, 'base64'));
    assert.match(cert.subject, /O=system:nodes/);
    assert.match(cert.subject, /CN=system:node:node-003/);
    assert.ok(cert.verify(new X509Certificate(cluster.kubeletCa.certPem).publicKey));
    const request = Buffer.from(String((created.spec as { request: string }).request), 'base64').toString('utf8');
    assert.ok(request.includes('CERTIFICATE REQUEST'));
  });

  it('fails an approved CSR that breaks the signer`s rules with SignerValidationFailure', async () => {
    const body = await csrBody('client-with-san', 'node-004', 'client', { sans: { dns: ['node-004'] } });
    const created = (await call(cluster, 'POST', CSRS, boot, body)).body;
    await call(cluster, 'PUT', `${CSRS}/client-with-san/approval`, admin, approval(created, [approved]));
    await cluster.api.settle();
    const got = (await call(cluster, 'GET', `${CSRS}/client-with-san`, admin)).body;
    const conds = (got.status as { conditions: Array<Record<string, string>>; certificate?: string }).conditions;
    const failed = conds.find((c) => c.type === 'Failed');
    assert.equal(failed?.reason, 'SignerValidationFailure');
    assert.equal(failed?.status, 'True');
    assert.equal((got.status as { certificate?: string }).certificate, undefined);
  });

  it('lists with a signerName field selector; nodes and the bootstrapper read only their own CSRs', async () => {
    const node = cluster.nodeToken('node-005');
    const serving = await call(cluster, 'POST', CSRS, node, await csrBody('serving-5', 'node-005', 'serving'));
    assert.equal(serving.status, 201, JSON.stringify(serving.body));
    assert.equal((serving.body.spec as { username: string }).username, 'system:node:node-005');
    const sel = encodeURIComponent('spec.signerName=kubernetes.io/kubelet-serving');
    const list = await call(cluster, 'GET', `${CSRS}?fieldSelector=${sel}`, admin);
    const names = (list.body.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name);
    assert.deepEqual(names, ['serving-5']);
    assert.match(String((list.body.metadata as { resourceVersion: string }).resourceVersion), /^\d+$/);
    const own = (await call(cluster, 'GET', CSRS, node)).body.items as unknown[];
    assert.equal(own.length, 1);
    const other = await call(cluster, 'GET', `${CSRS}/fields`, node);
    assert.equal(other.status, 403);
    assert.equal((await call(cluster, 'GET', `${CSRS}/serving-5`, boot)).status, 403);
  });

  it('joins a kubelet: client CSR, Node NotReady, serving CSR with its name and address, Ready once approved', async () => {
    const nodeWatch = await openWatch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${cluster.api.store.resourceVersion}`, admin);
    const csrWatch = await openWatch(cluster, `${CSRS}?watch=true&resourceVersion=${cluster.api.store.resourceVersion}`, admin);
    const joined = cluster.kubeletBootstrap({ name: 'node-010', arch: 'aarch64', address: '127.10.0.10' });
    const approve = async (): Promise<Record<string, unknown>> => {
      for (;;) {
        const e = await csrWatch.next();
        if (e.type !== 'ADDED') continue;
        const r = await call(cluster, 'PUT', `${CSRS}/${(e.object.metadata as { name: string }).name}/approval`, admin, approval(e.object, [approved]));
        assert.equal(r.status, 200);
        return e.object;
      }
    };
    const client = await approve();
    assert.equal((client.spec as { username: string }).username, BOOTSTRAPPER_USER);
    assert.match((client.metadata as { name: string }).name, /^node-csr-/);
    const serving = await approve();
    assert.equal((serving.spec as { username: string }).username, 'system:node:node-010');
    const result = await joined;
    csrWatch.close();
    assert.equal(result.servingCsr, (serving.metadata as { name: string }).name);
    const first = await nodeWatch.next();
    const last = await nodeWatch.next();
    nodeWatch.close();
    const ready = (o: Record<string, unknown>): string | undefined => (o.status as { conditions: Array<{ type: string; status: string }> }).conditions.find((c) => c.type === 'Ready')?.status;
    assert.deepEqual([first.type, ready(first.object), last.type, ready(last.object)], ['ADDED', 'False', 'MODIFIED', 'True']);
    const got = (await call(cluster, 'GET', '/api/v1/nodes/node-010', admin)).body;
    assert.equal((got.status as { nodeInfo: { architecture: string } }).nodeInfo.architecture, 'arm64');
    assert.deepEqual((got.status as { addresses: unknown[] }).addresses, [{ type: 'InternalIP', address: '127.10.0.10' }, { type: 'Hostname', address: 'node-010' }]);
    const issued = (await call(cluster, 'GET', `${CSRS}/${result.servingCsr}`, admin)).body;
    const cert = new X509Certificate(Buffer.from((issued.status as { certificate: string }).certificate, 'base64'));
    assert.equal(cert.subjectAltName, 'DNS:node-010, IP Address:127.10.0.10');
  });

  it('ends open watches when told to drop them', async () => {
    const w = await openWatch(cluster, `/api/v1/nodes?watch=true&resourceVersion=${cluster.api.store.resourceVersion}`, admin);
    assert.equal(cluster.dropWatches() >= 1, true);
    await w.ended;
  });
});

describe('lab cluster watch history', function () {
  this.timeout(30_000);
  let cluster: LabCluster;
  before(async () => {
    cluster = await LabCluster.start({ address: ADDRESS, workerIgnition: '{}', stream: '{}', historySize: 3 });
  });
  after(() => cluster.close());

  it('sends an ERROR event with a 410 Expired Status for a resourceVersion older than the history, and replays a recent one', async () => {
    const boot = cluster.bootstrapToken;
    const rvs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(cluster, 'POST', CSRS, boot, await csrBody(`h${i}`, 'node-001', 'client'));
      rvs.push(Number((r.body.metadata as { resourceVersion: string }).resourceVersion));
    }
    const old = await openWatch(cluster, `${CSRS}?watch=true&resourceVersion=1`, cluster.adminToken);
    const e = await old.next();
    await old.ended;
    assert.equal(e.type, 'ERROR');
    assert.deepEqual([e.object.kind, e.object.code, e.object.reason], ['Status', 410, 'Expired']);
    assert.match(String(e.object.message), /too old resource version: 1/);
    const recent = await openWatch(cluster, `${CSRS}?watch=true&resourceVersion=${rvs[3]}`, cluster.adminToken);
    const next = await recent.next();
    recent.close();
    assert.deepEqual([next.type, (next.object.metadata as { name: string }).name], ['ADDED', 'h4']);
    const cv = (await call(cluster, 'GET', '/apis/config.openshift.io/v1/clusterversions/version', cluster.adminToken)).body;
    assert.equal((cv.status as { desired: { architecture?: string } }).desired.architecture, 'Multi');
  });
});
