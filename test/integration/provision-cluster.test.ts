// Issue 5's promise end to end: the shipped playbooks/provision-iso.yml, with the lab's
// `fleetboot_kubeconfig` group var, takes the worker Ignition and the live ISO from the lab's
// simulated cluster and ends with cluster.join, taking 20 lab hosts of two architectures from
// power-off to Ready Nodes of the right architecture. Impostor CSRs are filed beside them (the
// lab's csr_impostor fault): none is approved, and each is reported with the rule it failed.
// What the cluster holds afterwards is read with @kubernetes/client-node, not with fleetboot's code.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import { labDown, labHosts, labUp, type LabState } from '../../src/lab/control.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** A second bootstrap CSR for the node (someone else holds the bootstrap token). */
const CLIENT_IMPOSTOR = ['node-004', 'node-017'];
/** A serving CSR from system:node:intruder-<host> for the host's name and address. */
const SERVING_IMPOSTOR = ['node-002', 'node-009', 'node-020'];
const BOOTSTRAPPER = 'system:serviceaccount:openshift-machine-config-operator:node-bootstrapper';
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const KUBE_ARCH: Record<string, string> = { aarch64: 'arm64', x86_64: 'amd64' };

interface JsonEvent {
  kind: string;
  host?: string;
  level?: string;
  msg?: string;
  module?: string;
  status?: string;
  result?: Record<string, unknown>;
  exitCode?: number;
  runId?: string;
  runDir?: string;
  csr?: string;
  outcome?: string;
  rule?: string;
  names?: string;
}

interface Stranger {
  name: string;
  rule: string;
  reason: string;
}

/** What the lab's own log says each kubelet and impostor filed (`<host>: kubelet filed client CSR <name>`). */
function filedCsrs(labLog: string): { own: Map<string, { client?: string; serving?: string }>; impostors: Map<string, { kind: string; name: string }[]> } {
  const own = new Map<string, { client?: string; serving?: string }>();
  const impostors = new Map<string, { kind: string; name: string }[]>();
  for (const m of labLog.matchAll(/ (\S+): (kubelet|impostor) filed (client|serving) CSR (\S+)$/gm)) {
    const [, host, who, kind, name] = m as unknown as [string, string, string, 'client' | 'serving', string];
    if (who === 'kubelet') own.set(host, { ...own.get(host), [kind]: name });
    else impostors.set(host, [...(impostors.get(host) ?? []), { kind, name }]);
  }
  return { own, impostors };
}

const cnCache = new WeakMap<k8s.V1CertificateSigningRequest, string>();

/** The CN of a CSR's PKCS#10, parsed here with @peculiar/x509 (independent of fleetboot's parser). */
function commonName(csr: k8s.V1CertificateSigningRequest): string {
  const cached = cnCache.get(csr);
  if (cached !== undefined) return cached;
  const pem = Buffer.from(csr.spec.request, 'base64').toString('utf8');
  const cns = new x509.Pkcs10CertificateRequest(pem).subjectName.getField('CN');
  assert.equal(cns.length, 1, `${csr.metadata?.name}: one CN`);
  cnCache.set(csr, cns[0] as string);
  return cns[0] as string;
}

const approvedCondition = (csr: k8s.V1CertificateSigningRequest): k8s.V1CertificateSigningRequestCondition | undefined =>
  csr.status?.conditions?.find((c) => c.type === 'Approved');

describe('provision-iso.yml joins 20 lab hosts (aarch64 and x86_64) to the simulated cluster, impostor CSRs beside them', function () {
  this.timeout(240_000);
  let work: string;
  let lab: LabState;
  let result: CliResult;
  let events: JsonEvent[];
  let joins: Map<string, JsonEvent>;
  let csrs: k8s.V1CertificateSigningRequest[];
  let nodes: k8s.V1Node[];
  let filed: ReturnType<typeof filedCsrs>;
  let failedHosts: string[];
  let secret: k8s.V1Secret;
  let bootImages: k8s.V1ConfigMap;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-cluster-'));
    const faults = join(work, 'faults.yml');
    await writeFile(
      faults,
      [...CLIENT_IMPOSTOR.map((h) => `${h}: { csr_impostor: client }`), ...SERVING_IMPOSTOR.map((h) => `${h}: { csr_impostor: serving }`)].join('\n') + '\n',
    );
    lab = await labUp({ hosts: 20, dir: join(work, 'lab'), port: 0, bmcPort: 0, faults, arch: 'aarch64=14,x86_64=6' });
    await copyFile(join(ROOT, 'playbooks', 'provision-iso.yml'), join(work, 'provision-iso.yml'));
    // No KUBECONFIG from the environment: the cluster must come from the lab's group var fleetboot_kubeconfig.
    result = await runCli(['run', join(work, 'provision-iso.yml'), '-i', lab.inventory, '-i', join(ROOT, 'inventory', 'lab'), '--json'], {
      cwd: work,
      env: { KUBECONFIG: undefined },
    });
    events = result.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as JsonEvent);
    joins = new Map(events.filter((e) => e.kind === 'task.end' && e.module === 'cluster.join' && e.host).map((e) => [e.host as string, e]));
    failedHosts = [...joins.values()].filter((e) => e.status === 'failed').map((e) => e.host as string).sort();

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(lab.kubeconfig as string);
    csrs = (await kc.makeApiClient(k8s.CertificatesV1Api).listCertificateSigningRequest()).items;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    nodes = (await core.listNode()).items;
    secret = await core.readNamespacedSecret({ name: 'worker-user-data-managed', namespace: 'openshift-machine-api' });
    bootImages = await core.readNamespacedConfigMap({ name: 'coreos-bootimages', namespace: 'openshift-machine-config-operator' });
    filed = filedCsrs(await readFile(lab.log, 'utf8'));
  });
  after(async () => {
    if (lab) await labDown(lab.dir);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs cluster.join on all 20 hosts; only client-impostor hosts may fail; exit code and .retry agree', async () => {
    assert.equal(joins.size, 20, `${result.stderr}\n${events.filter((e) => e.kind !== 'transport' && e.kind !== 'task.progress').slice(-30).map((e) => JSON.stringify(e).slice(0, 400)).join('\n')}`);
    const runEnd = events.find((e) => e.kind === 'run.end');
    assert.ok(runEnd, 'a run.end event');
    for (const h of failedHosts) assert.ok(CLIENT_IMPOSTOR.includes(h), `${h} failed: ${JSON.stringify(joins.get(h)?.result?.msg)}`);
    // The impostor files ~25 ms after the kubelet; cluster.join lets a bootstrap CSR settle 2 s
    // before approving it, so both claims are seen together and both hosts fail.
    assert.deepEqual(failedHosts, [...CLIENT_IMPOSTOR].sort());
    assert.equal(result.code, 2, result.stderr);
    assert.equal(runEnd.exitCode, result.code);
    const retry = await readFile(join(work, 'provision-iso.retry'), 'utf8').catch(() => '');
    assert.deepEqual(retry.trim() === '' ? [] : retry.trim().split('\n').sort(), failedHosts);
  });

  it('takes the worker Ignition and the live ISO from the cluster (not from files)', async () => {
    const ends = (module: string): JsonEvent[] => events.filter((e) => e.kind === 'task.end' && e.module === module);
    assert.deepEqual(new Set(ends('coreos.ignition').map((e) => e.status)), new Set(['skipped']));
    assert.equal(ends('coreos.ignition').length, 20);
    for (const m of ['cluster.preflight', 'cluster.worker_ignition', 'cluster.boot_images']) {
      assert.equal(ends(m).filter((e) => e.status === 'ok').length, 20, m);
    }
    // What each disk got is the secret's userData, byte for byte.
    const ignition = Buffer.from(secret.data?.userData ?? '', 'base64');
    assert.ok(ignition.length > 0, 'the secret holds userData');
    const sha512 = createHash('sha512').update(ignition).digest('hex');
    const hosts = (await labHosts(lab.dir)) as { name: string; arch: string; installs: { ignitionSha512: string }[] }[];
    assert.equal(hosts.length, 20);
    for (const h of hosts) assert.deepEqual(h.installs.map((i) => i.ignitionSha512), [sha512], h.name);
    // Each host's live ISO is the one coreos-bootimages names for its architecture.
    const stream = JSON.parse(bootImages.data?.stream ?? '{}') as { architectures: Record<string, { artifacts: { metal: { formats: { iso: { disk: { location: string } } } } } }> };
    const isos = new Map(ends('coreos.live_iso').map((e) => [e.host as string, (e.result?.iso as { location?: string } | undefined)?.location]));
    assert.equal(isos.size, 20);
    for (const h of lab.hosts) assert.equal(isos.get(h.name), stream.architectures[h.arch]?.artifacts.metal.formats.iso.disk.location, h.name);
  });

  it('every host that joined is a Ready Node of its inventory architecture; nothing else is a Node', () => {
    const joined = [...joins.values()].filter((e) => e.status !== 'failed').map((e) => e.host as string);
    assert.ok(joined.length >= 18, `at least the 15 plain and 3 serving-impostor hosts join (${joined.length})`);
    for (const h of [...SERVING_IMPOSTOR]) assert.ok(joined.includes(h), `${h} joins despite the serving impostor`);
    assert.deepEqual(nodes.map((n) => n.metadata?.name).sort(), joined.sort());
    const archOf = new Map(lab.hosts.map((h) => [h.name, h.arch]));
    assert.deepEqual(new Set(archOf.values()), new Set(['aarch64', 'x86_64']));
    for (const n of nodes) {
      const name = n.metadata?.name as string;
      assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', `${name} Ready`);
      const want = KUBE_ARCH[archOf.get(name) as string];
      assert.equal(n.status?.nodeInfo?.architecture, want, `${name} runs ${want}`);
      assert.equal(joins.get(name)?.result?.architecture, want, `${name}: the join checked ${want}`);
    }
    const archs = new Set(nodes.map((n) => n.status?.nodeInfo?.architecture));
    assert.deepEqual(archs, new Set(['arm64', 'amd64']));
  });

  it('approves exactly the kubelets\' own CSRs, with fleetboot\'s reason naming the run', () => {
    const inventoryNodes = new Set(lab.hosts.map((h) => h.name));
    const runId = events.find((e) => e.kind === 'run.start')?.runId;
    assert.ok(runId, 'a run id');
    const approved = csrs.filter((c) => approvedCondition(c));
    const own = new Set([...filed.own.values()].flatMap((o) => [o.client, o.serving]).filter((n): n is string => n !== undefined));
    for (const c of approved) {
      const name = c.metadata?.name as string;
      assert.ok(own.has(name), `${name} approved but no kubelet filed it`);
      const cond = approvedCondition(c);
      assert.equal(cond?.reason, 'FleetbootApprove', name);
      assert.match(cond?.message ?? '', new RegExp(`^approved by fleetboot run ${runId} for inventory host node-\\d{3} `), name);
      const cn = commonName(c);
      assert.ok(cn.startsWith('system:node:') && inventoryNodes.has(cn.slice('system:node:'.length)), `${name}: CN ${cn} is an inventory node`);
      if (c.spec.signerName === CLIENT_SIGNER) assert.equal(c.spec.username, BOOTSTRAPPER, name);
      else {
        assert.equal(c.spec.signerName, SERVING_SIGNER, name);
        assert.equal(c.spec.username, cn, `${name}: serving CSR requested by the node it names`);
      }
    }
    // Each joined node: its kubelet's client and serving CSR approved, nothing more.
    for (const n of nodes) {
      const name = n.metadata?.name as string;
      const mine = approved.filter((c) => commonName(c) === `system:node:${name}`);
      assert.deepEqual(mine.map((c) => c.metadata?.name).sort(), [filed.own.get(name)?.client, filed.own.get(name)?.serving].sort(), name);
      assert.equal(joins.get(name)?.result?.client_csr, filed.own.get(name)?.client);
      assert.equal(joins.get(name)?.result?.serving_csr, filed.own.get(name)?.serving);
    }
    assert.equal(approved.length, nodes.length * 2);
  });

  it('no impostor CSR is approved; each is reported with the rule it failed', () => {
    const byName = new Map(csrs.map((c) => [c.metadata?.name as string, c]));
    const decisions = events.filter((e) => e.kind === 'csr.decision');
    const runDir = events.find((e) => e.kind === 'run.start')?.runDir ?? '';
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { csrRefusals?: Array<{ csr: string; rule: string; outcome: string; host?: string; names?: string }> };
    const impostorHosts = [...filed.impostors.keys()].sort();
    assert.deepEqual(impostorHosts, [...CLIENT_IMPOSTOR, ...SERVING_IMPOSTOR].sort());
    for (const [host, list] of filed.impostors) {
      assert.equal(list.length, 1, host);
      const { kind, name } = list[0] as { kind: string; name: string };
      const csr = byName.get(name);
      assert.ok(csr, `impostor CSR ${name} exists`);
      assert.deepEqual(csr.status?.conditions ?? [], [], `${name} stays pending (no condition at all)`);
      assert.equal(csr.status?.certificate, undefined, `${name} not signed`);
      const join = joins.get(host);
      const strangers = (join?.result?.strangers ?? []) as Stranger[];
      const reported = strangers.find((s) => s.name === name);
      const reportedRules = decisions.filter((e) => e.csr === name && e.outcome === 'left' && (e.host === host || e.names === host)).map((e) => e.rule);
      assert.ok(reported, `${host}: ${name} in the join's strangers (${JSON.stringify(strangers)})`);
      assert.ok(reportedRules.length > 0, `${host}: a csr.decision event reports ${name}`);
      assert.ok(reportedRules.includes(reported.rule), `${host}: the event gives the stranger's rule`);
      const listed = summary.csrRefusals?.find((r) => r.csr === name);
      assert.equal(listed?.rule, reported.rule, `${host}: summary.json lists ${name} with its rule`);
      assert.equal(listed?.outcome, 'left');
      if (kind === 'serving') {
        // system:node:intruder-<host> is no inventory node: not fleetboot's to approve, only reported.
        assert.equal(csr.spec.username, `system:node:intruder-${host}`);
        assert.equal(reported.rule, 'unknown-node');
        assert.match(reported.reason, new RegExp(`^serving CSR: node 'intruder-${host}' is not the node_name of any inventory host`));
        assert.equal(join?.status, 'changed', `${host} still joins`);
        continue;
      }
      assert.equal(kind, 'client');
      assert.equal(csr.spec.username, BOOTSTRAPPER);
      assert.equal(commonName(csr), `system:node:${host}`);
      const kubelets = filed.own.get(host)?.client as string;
      // Seen together: two claims at once, neither approved, both reported, the host failed at once.
      assert.equal(join?.status, 'failed');
      assert.equal(reported.rule, 'duplicate-claim');
      assert.match(String(join?.result?.msg), new RegExp(`^client phase: 2 bootstrap CSRs claimed node ${host} at once \\(.*${name}.*\\): someone else holds the bootstrap token, so fleetboot approves neither`));
      assert.match(String(join?.result?.msg), new RegExp(kubelets));
      assert.deepEqual(byName.get(kubelets)?.status?.conditions ?? [], [], `${host}: the kubelet's own CSR stays pending too`);
      assert.deepEqual(strangers.map((s) => [s.name, s.rule]).sort(), [[kubelets, 'duplicate-claim'], [name, 'duplicate-claim']].sort());
    }
  });

  it('no bearer token, BMC password or PEM in the output, the journal or the logs', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(lab.kubeconfig as string);
    const token = kc.getCurrentUser()?.token;
    assert.ok(token && token.length >= 16, 'the lab kubeconfig holds a bearer token');
    const dir = join(lab.dir, 'bmc-passwords');
    const passwords = (await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')))).map((p) => p.trim());
    assert.equal(passwords.length, 20);
    const runs = join(work, '.fleetboot', 'runs');
    const [id] = await readdir(runs);
    const run = join(runs, id as string);
    const texts = [result.stdout, result.stderr, await readFile(join(run, 'journal.jsonl'), 'utf8')];
    for (const f of await readdir(join(run, 'hosts'))) texts.push(await readFile(join(run, 'hosts', f), 'utf8'));
    const all = texts.join('\n');
    assert.ok(!all.includes(token), 'the kubeconfig bearer token leaked');
    for (const p of passwords) assert.ok(p.length > 0 && !all.includes(p), 'a BMC password leaked');
    assert.doesNotMatch(all, /BEGIN CERTIFICATE/, 'a PEM (CSR or certificate) in the output');
  });
});
