import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ClusterInformers, csrNodeNames } from '../../src/cluster/informer.js';
import type { ChangeType } from '../../src/cluster/informer.js';
import { createKubeClient } from '../../src/cluster/kube-client.js';
import type { KubeClient, V1Node } from '../../src/cluster/kube-client.js';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import { WaitAbortedError, WaitTimeoutError } from '../../src/cluster/waiters.js';
import type { TransportEvent } from '../../src/core/events.js';
import { FakeApiServer } from './kube-client-fake-server.js';

function node(name: string, ready = 'False', arch = 'amd64') {
  return { metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready }], nodeInfo: { architecture: arch } } };
}
const isReady = (n: V1Node): boolean => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Resolves once `cond` holds, re-checked on each transport event (no sleeps). */
function until(events: EventTarget, cond: () => boolean): Promise<void> {
  return new Promise((ok) => {
    if (cond()) return ok();
    const check = (): void => {
      if (!cond()) return;
      events.removeEventListener('e', check);
      ok();
    };
    events.addEventListener('e', check);
  });
}

describe('cluster: informer (one list+watch per kind, fanned out to waiters)', () => {
  let api: FakeApiServer;
  let client: KubeClient;
  let informers: ClusterInformers;
  let log: TransportEvent[];
  let changes: [ChangeType, string, string][];
  const bus = new EventTarget();

  beforeEach(async () => {
    api = await FakeApiServer.start();
    client = await createKubeClient(loadKubeconfig({ kubeconfig: await api.kubeconfig(), env: {} }).kubeConfig);
    log = [];
    changes = [];
    informers = new ClusterInformers(client, {
      backoff: { initialMs: 5, maxMs: 20 },
      onEvent: (e) => {
        log.push(e);
        bus.dispatchEvent(new Event('e'));
      },
    });
    informers.nodes.subscribe((t, n) => {
      changes.push([t, n.metadata?.name ?? '', n.metadata?.resourceVersion ?? '']);
      bus.dispatchEvent(new Event('e'));
    });
  });
  afterEach(async () => {
    await informers.stop();
    client.close();
    await api.close();
  });

  it('resolves waiters on cached objects and on later events', async () => {
    api.put('nodes', node('a', 'True'));
    await informers.nodes.start();
    const cached = await informers.waitFor('nodes', isReady, { key: 'a' });
    assert.equal(cached.metadata?.name, 'a');
    const later = informers.waitFor('nodes', isReady, { key: 'b', what: 'node b Ready' });
    api.put('nodes', node('b'));
    api.put('nodes', node('b', 'True'));
    const b = await later;
    assert.equal(b.metadata?.name, 'b');
    assert.ok(isReady(b));
    assert.equal(api.watchOpens.nodes, 1);
  });

  it('keeps one watch connection per kind for 1,000 waiters and resolves each once', async () => {
    await informers.nodes.start();
    const names = Array.from({ length: 1000 }, (_, i) => `w${i}`);
    let resolved = 0;
    const all = Promise.all(
      names.map((n) => informers.waitFor('nodes', (x) => x.metadata?.name === n && isReady(x), { key: n }).then((x) => (resolved++, x))),
    );
    assert.equal(informers.nodes.waiting, 1000);
    for (const n of names) api.put('nodes', node(n, 'True'));
    const got = await all;
    assert.equal(resolved, 1000);
    assert.deepEqual(got.map((x) => x.metadata?.name), names);
    assert.equal(informers.nodes.waiting, 0);
    assert.equal(api.watchOpens.nodes, 1);
    assert.equal(api.listRequests('nodes'), 1);
    assert.equal(api.watchOpens.csrs, 0); // a kind nobody waits on is never watched
  });

  it('resumes a dropped watch from the last resourceVersion, losing and repeating nothing', async () => {
    api.put('nodes', node('a'));
    await informers.nodes.start();
    const ready = informers.waitFor('nodes', isReady, { key: 'c' });
    api.put('nodes', node('b'));
    await until(bus, () => changes.some(([, n]) => n === 'b'));
    const lastSeen = api.get('nodes', 'b')?.metadata.resourceVersion;
    api.dropWatches('nodes');
    // Changes while no watch is open come with the next watch, from the log.
    api.put('nodes', node('a', 'True'));
    api.put('nodes', node('c', 'True'));
    const c = await ready;
    assert.equal(c.metadata?.name, 'c');
    const resumed = api.watchRequests('nodes');
    assert.equal(resumed.length, 2);
    assert.equal(resumed[1], lastSeen);
    assert.equal(api.listRequests('nodes'), 1);
    await until(bus, () => changes.length === 4);
    assert.deepEqual(
      changes.map(([t, n]) => `${t} ${n}`),
      ['add a', 'add b', 'update a', 'add c'],
    );
    assert.ok(log.some((e) => e.action === 'watch nodes dropped'));
  });

  it('relists after a 410 ERROR event: updates for what changed, deletes for what vanished', async () => {
    api.put('nodes', node('keep'));
    api.put('nodes', node('change'));
    api.put('nodes', node('vanish'));
    await informers.nodes.start();
    await until(bus, () => changes.length === 3);
    // The stream breaks; meanwhile the history is compacted away.
    api.dropWatches('nodes');
    api.put('nodes', node('change', 'True'));
    api.delete('nodes', 'vanish');
    api.put('nodes', node('new'));
    api.compact('nodes');
    await until(bus, () => changes.length === 6);
    assert.deepEqual(
      changes.slice(3).map(([t, n]) => `${t} ${n}`).sort(),
      ['add new', 'delete vanish', 'update change'],
    );
    assert.equal(api.listRequests('nodes'), 2);
    assert.ok(log.some((e) => e.action === 'watch nodes expired'));
    assert.deepEqual(informers.nodes.list().map((n) => n.metadata?.name).sort(), ['change', 'keep', 'new']);
    // The watch after the relist starts from the list's resourceVersion.
    await api.watchOpened('nodes', 3);
    assert.deepEqual(api.watchRequests('nodes'), ['103', '103', '106']);
    assert.equal(api.resourceVersion, 106);
  });

  it('relists when an open watch gets ERROR 410 mid-stream, and on an HTTP 410 answer', async () => {
    api.put('nodes', node('a'));
    await informers.nodes.start();
    api.compact('nodes'); // the open watch gets ERROR 410 and ends
    await until(bus, () => api.listRequests('nodes') === 2);
    await api.watchOpened('nodes', 2);
    api.http410Next.nodes = true;
    api.dropWatches('nodes');
    await until(bus, () => api.listRequests('nodes') === 3);
    const waiter = informers.waitFor('nodes', isReady, { key: 'a' });
    api.put('nodes', node('a', 'True'));
    assert.equal((await waiter).metadata?.name, 'a');
    assert.deepEqual(
      changes.map(([t, n]) => `${t} ${n}`),
      ['add a', 'update a'],
    );
  });

  it('rejects on the deadline with what it waited for, and on abort', async () => {
    await informers.nodes.start();
    await assert.rejects(
      informers.waitFor('nodes', isReady, { key: 'x', timeoutMs: 1, what: 'node x to be Ready' }),
      (err: unknown) => err instanceof WaitTimeoutError && /^timed out after \d+ ms waiting for node x to be Ready$/.test(err.message),
    );
    const ac = new AbortController();
    const p = informers.waitFor('nodes', isReady, { key: 'x', signal: ac.signal, what: 'node x' });
    ac.abort();
    await assert.rejects(p, (err: unknown) => err instanceof WaitAbortedError && err.message === 'stopped waiting for node x');
    assert.equal(informers.nodes.waiting, 0);
  });

  it('rejects pending waiters when stopped', async () => {
    const p = informers.waitFor('nodes', isReady, { key: 'x' });
    await informers.stop();
    await assert.rejects(p, WaitAbortedError);
  });

  it('indexes CSRs by the node name their requester or PKCS#10 subject claims', async () => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=system:node:w7, O=system:nodes', keys, signingAlgorithm: alg });
    const request = Buffer.from(req.toString('pem')).toString('base64');
    const client = {
      metadata: { name: 'csr-client-w7' },
      spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:serviceaccount:openshift-machine-config-operator:node-bootstrapper' },
    };
    assert.deepEqual(csrNodeNames(client), ['w7']);
    const waiter = informers.waitFor('csrs', (c) => c.spec?.signerName === 'kubernetes.io/kube-apiserver-client-kubelet', { key: 'w7' });
    api.put('csrs', { metadata: { name: 'csr-other' }, spec: { request: 'AAAA', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:node:w8' } });
    api.put('csrs', client);
    assert.equal((await waiter).metadata?.name, 'csr-client-w7');
    await informers.csrs.start();
    assert.equal(api.watchOpens.csrs, 1);
  });
});
