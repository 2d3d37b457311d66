// The cluster inside a running lab: `lab up` writes DIR/kubeconfig, names it in lab.json and the
// inventory; and a lab host that installs the cluster's worker Ignition and boots its disk goes
// through first boot and the OS-image pivot, then its kubelet's CSRs, and becomes a Ready Node.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { parse } from 'yaml';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { generateHostKey } from '../../src/coreos/host-keys.js';
import { embedOverlay, readIsoIgnition } from '../../src/coreos/iso-ignition.js';
import { buildLiveIgnition } from '../../src/coreos/live-ignition.js';
import { labDown, labHosts, labUp, type LabState } from '../../src/lab/control.js';
import { call as bmcCall, until } from './bmc-client.js';
import { call, openWatch, type ClusterEndpoint } from './cluster-client.js';
import { run } from './ssh-client.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { token: string } }>;
  'current-context': string;
}

function fromKubeconfig(path: string): { endpoint: ClusterEndpoint; token: string; context: string } {
  const k = parse(readFileSync(path, 'utf8')) as Kubeconfig;
  const c = k.clusters[0]?.cluster;
  return {
    endpoint: { url: c?.server ?? '', caPem: Buffer.from(c?.['certificate-authority-data'] ?? '', 'base64').toString('utf8') },
    token: k.users[0]?.user.token ?? '',
    context: k['current-context'],
  };
}

describe('lab cluster in a running lab', function () {
  this.timeout(60_000);
  let dir: string;
  let lab: LabState;
  let server: Server;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-lab-cluster-'));
    lab = await labUp({ hosts: 1, arch: 'aarch64', dir, port: 0, installMs: 40, bmcPowerDelayMs: 50, clusterArch: 'single' });
  });

  after(async () => {
    if (dir) {
      if (process.env.LAB_LOG) console.log(readFileSync(join(dir, 'lab.log'), 'utf8'));
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('writes DIR/kubeconfig (context lab, CA embedded), names it in lab.json and the inventory, with the ClusterVersion asked for', async () => {
    assert.ok(lab.cluster);
    assert.equal(lab.kubeconfig, join(dir, 'kubeconfig'));
    assert.equal(lab.cluster.arch, 'single');
    const inv = parse(readFileSync(lab.inventory, 'utf8')) as { all: { children: { lab: { vars: Record<string, unknown> } } } };
    assert.equal(inv.all.children.lab.vars.fleetboot_kubeconfig, lab.kubeconfig);
    const { endpoint, token, context } = fromKubeconfig(lab.kubeconfig ?? '');
    assert.equal(context, 'lab');
    assert.equal(endpoint.url, lab.cluster.url);
    const cv = await call(endpoint, 'GET', '/apis/config.openshift.io/v1/clusterversions/version', token);
    assert.equal(cv.status, 200);
    assert.equal((cv.body.status as { desired: { architecture?: string } }).desired.architecture, undefined);
    const secret = await call(endpoint, 'GET', '/api/v1/namespaces/openshift-machine-api/secrets/worker-user-data-managed', token);
    const userData = Buffer.from((secret.body.data as { userData: string }).userData, 'base64').toString('utf8');
    assert.equal(userData, readFileSync(join(dir, 'worker.ign'), 'utf8'), 'the secret holds the worker.ign lab up writes');
    const cm = await call(endpoint, 'GET', '/api/v1/namespaces/openshift-machine-config-operator/configmaps/coreos-bootimages', token);
    assert.equal((cm.body.data as { stream: string }).stream, await (await fetch(lab.mirror?.streamUrl ?? '')).text());
  });

  it('a host installed with the worker Ignition boots, pivots, files its client then serving CSR, and turns Ready once both are approved', async () => {
    const { endpoint, token } = fromKubeconfig(lab.kubeconfig ?? '');
    const h = lab.hosts[0];
    assert.ok(h?.bmc && lab.bmcCa && lab.bmcPasswords);
    const bmcTarget = { address: h.bmc.address, port: h.bmc.port, ca: readFileSync(lab.bmcCa, 'utf8') };
    const password = readFileSync(join(lab.bmcPasswords, h.name), 'utf8').trim();
    const bmc = async (method: string, path: string, body?: unknown): Promise<void> => {
      const r = await bmcCall(bmcTarget, method, path, { basic: { user: 'admin', password }, ...(body !== undefined ? { body } : {}) });
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    };
    // The live ISO with our key and a host key to know it by, and the worker Ignition as the cluster hands it out.
    const hostKey = generateHostKey(h.name);
    const pinned = Buffer.from(hostKey.pinnedHostKey.split(' ')[1] ?? '', 'base64');
    const stream = (await (await fetch(lab.mirror?.streamUrl ?? '')).json()) as { architectures: Record<string, { artifacts: { metal: { formats: { iso: { disk: { location: string } } } } } }> };
    const plain = Buffer.from(await (await fetch(stream.architectures.aarch64?.artifacts.metal.formats.iso.disk.location ?? '')).arrayBuffer());
    const overlay = await embedOverlay(await readIsoIgnition(bufferSource(plain)), buildLiveIgnition({ authorizedKeys: [lab.publicKey], hostKey }).bytes);
    const iso = Buffer.from(plain);
    overlay.bytes.copy(iso, overlay.offset);
    const secret = await call(endpoint, 'GET', '/api/v1/namespaces/openshift-machine-api/secrets/worker-user-data-managed', token);
    const worker = Buffer.from((secret.body.data as { userData: string }).userData, 'base64');
    server = createServer((req, res) => {
      const body = req.url === '/live.iso' ? iso : req.url === '/worker.ign' ? worker : undefined;
      if (!body) return void res.writeHead(404).end();
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!m) return void res.writeHead(200, { 'Content-Length': body.length }).end(body);
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': end - start + 1 }).end(body.subarray(start, end + 1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await bmc('POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', { Image: `${base}/live.iso` });
    await bmc('PATCH', '/redfish/v1/Systems/1', { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } });
    await bmc('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'On' });
    let client: Client | undefined;
    await until(async () => {
      client = await new Promise<Client | undefined>((resolve) => {
        const c = new Client();
        c.once('ready', () => resolve(c));
        c.on('error', () => resolve(undefined));
        c.once('close', () => resolve(undefined)); // refused while the host boots: no error, just a close
        // Only the live system this boot brings up, not the lab's system from before it.
        c.connect({ host: h.address, port: h.port, username: 'core', privateKey: readFileSync(lab.privateKey), readyTimeout: 5000, hostVerifier: (key: Buffer) => key.equals(pinned) });
      });
      return client !== undefined;
    }, 15_000);
    try {
      const r = await run(client as Client, `sudo coreos-installer install --ignition-url ${base}/worker.ign --insecure-ignition /dev/nvme0n1`);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      client?.end();
    }

    const rv = (await call(endpoint, 'GET', CSRS, token)).body.metadata as { resourceVersion: string };
    const csrs = await openWatch(endpoint, `${CSRS}?watch=true&resourceVersion=${rv.resourceVersion}`, token);
    await bmc('POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia', {});
    await bmc('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'ForceRestart' });
    const approveNext = async (): Promise<Record<string, unknown>> => {
      for (;;) {
        const e = await csrs.next();
        if (e.type !== 'ADDED') continue;
        const name = (e.object.metadata as { name: string }).name;
        const r = await call(endpoint, 'PUT', `${CSRS}/${name}/approval`, token, { ...e.object, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'approved by the lab test' }] } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return e.object;
      }
    };
    const clientCsr = await approveNext();
    assert.equal((clientCsr.spec as { signerName: string }).signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
    const servingCsr = await approveNext();
    csrs.close();
    assert.equal((servingCsr.spec as { username: string }).username, `system:node:${h.name}`);
    let node: Record<string, unknown> | undefined;
    await until(async () => {
      const r = await call(endpoint, 'GET', `/api/v1/nodes/${h.name}`, token);
      node = r.body;
      return r.status === 200 && (r.body.status as { conditions: Array<{ type: string; status: string }> }).conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    }, 15_000);
    assert.equal((node?.status as { nodeInfo: { architecture: string } }).nodeInfo.architecture, 'arm64');
    const issued = (await call(endpoint, 'GET', `${CSRS}/${(servingCsr.metadata as { name: string }).name}`, token)).body;
    const cert = new X509Certificate(Buffer.from((issued.status as { certificate: string }).certificate, 'base64'));
    assert.equal(cert.subjectAltName, `DNS:${h.name}, IP Address:${h.address}`);
    const view = ((await labHosts(dir)) as Array<{ name: string; systemBoots: number }>).find((x) => x.name === h.name);
    // Live, first boot from disk, and the boot after the OS-image pivot.
    assert.equal(view?.systemBoots, 3);
  });

  it('removes the kubeconfig with the lab', async () => {
    await labDown(dir);
    assert.equal(existsSync(join(dir, 'kubeconfig')), false);
  });
});
