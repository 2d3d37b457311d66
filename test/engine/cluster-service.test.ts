// The run's ClusterService: which kubeconfig a run uses (--kubeconfig, KUBECONFIG, the host's
// fleetboot_kubeconfig, ~/.kube/config), one client and one set of informers per run whatever
// the number of hosts asking, identities of every host of the run, secrets registered, and
// everything closed at run end. Clients are fakes that record which kubeconfig they were made from.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { TransportEvent } from '../../src/core/events.js';
import type { KubeClient } from '../../src/cluster/kube-client.js';
import { ClusterService, type ClusterServiceOptions } from '../../src/engine/cluster-service.js';
import { ModuleFailure } from '../../src/modules/contract.js';

type Vars = Record<string, unknown>;

function kubeconfig(server: string, token: string, contexts: string[] = ['main']): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c, i) => ({ name: c, cluster: { server: i === 0 ? server : `${server}${i}`, 'insecure-skip-tls-verify': true } })),
    users: contexts.map((c, i) => ({ name: c, user: { token: `${token}${i ? i : ''}` } })),
    contexts: contexts.map((c) => ({ name: c, context: { cluster: c, user: c } })),
    'current-context': contexts[0],
  });
}

interface Made {
  server: string;
  closed: boolean;
}

function fakeClient(kc: KubeConfig, made: Made[]): KubeClient {
  const record: Made = { server: kc.getCurrentCluster()?.server ?? '', closed: false };
  made.push(record);
  const never = (): Promise<never> => Promise.reject(new Error('not in this test'));
  return {
    server: record.server,
    getSecret: never,
    getConfigMap: never,
    getClusterVersion: never,
    getCsr: never,
    list: never,
    approveCsr: never,
    denyCsr: never,
    watch: never,
    close: () => {
      record.closed = true;
    },
  };
}

describe('ClusterService', () => {
  let dir: string;
  let home: string;
  const files: Record<string, string> = {};

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-cluster-service-'));
    home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    for (const name of ['flag', 'env', 'var', 'other']) {
      files[name] = join(dir, `${name}.kubeconfig`);
      writeFileSync(files[name], kubeconfig(`https://127.0.0.1:1/${name}`, `token-${name}`, ['main', 'second']));
    }
    writeFileSync(join(home, '.kube', 'config'), kubeconfig('https://127.0.0.1:1/home', 'token-home'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function service(o: Partial<ClusterServiceOptions> & { vars?: Record<string, Vars> } = {}) {
    const made: Made[] = [];
    const secrets: string[] = [];
    const events: TransportEvent[] = [];
    const vars = o.vars ?? { a: {}, b: {} };
    const svc = new ClusterService({
      hosts: Object.keys(vars),
      hostVars: (h) => vars[h] ?? {},
      runId: 'run-1',
      env: {},
      homeDir: home,
      onEvent: (e) => events.push(e),
      onSecret: (s) => secrets.push(s),
      createClient: (kc) => Promise.resolve(fakeClient(kc, made)),
      ...o,
    });
    return { svc, made, secrets, events };
  }

  const server = (name: string): string => `https://127.0.0.1:1/${name}`;

  it('takes --kubeconfig before KUBECONFIG and the host variable', async () => {
    const { svc, made } = service({ kubeconfig: files.flag!, env: { KUBECONFIG: files.env! }, vars: { a: { fleetboot_kubeconfig: files.var } } });
    await svc.forHost('a', files.var);
    assert.deepEqual(made.map((m) => m.server), [server('flag')]);
    await svc.close();
  });

  it('takes KUBECONFIG before the host variable', async () => {
    const { svc, made } = service({ env: { KUBECONFIG: files.env! }, vars: { a: { fleetboot_kubeconfig: files.var } } });
    await svc.forHost('a', files.var);
    assert.deepEqual(made.map((m) => m.server), [server('env')]);
    await svc.close();
  });

  it("takes the host's fleetboot_kubeconfig before ~/.kube/config", async () => {
    const { svc, made } = service({ vars: { a: { fleetboot_kubeconfig: files.var } } });
    await svc.forHost('a', files.var);
    assert.deepEqual(made.map((m) => m.server), [server('var')]);
    await svc.close();
  });

  it('falls back to ~/.kube/config, and fails in one line when there is none', async () => {
    const { svc, made } = service();
    await svc.forHost('a', undefined);
    assert.deepEqual(made.map((m) => m.server), [server('home')]);
    await svc.close();
    const none = service({ homeDir: join(dir, 'nowhere') });
    await assert.rejects(none.svc.forHost('a', undefined), (err: Error) => err instanceof ModuleFailure && /^cluster: no kubeconfig: pass --kubeconfig/.test(err.message) && !err.message.includes('\n'));
  });

  it('uses --context instead of the current-context', async () => {
    const { svc, made } = service({ kubeconfig: files.flag!, context: 'second' });
    await svc.forHost('a', undefined);
    assert.deepEqual(made.map((m) => m.server), [`${server('flag')}1`]);
    await svc.close();
  });

  it('makes one client and one set of informers for every host of the run, and registers the token', async () => {
    const vars: Record<string, Vars> = {};
    for (let i = 0; i < 20; i++) vars[`node-${i}`] = { fleetboot_kubeconfig: files.var, ansible_host: `10.0.0.${i + 1}` };
    const { svc, made, secrets } = service({ vars });
    const all = await Promise.all(Object.keys(vars).map((h) => svc.forHost(h, files.var)));
    assert.equal(made.length, 1);
    assert.ok(all.every((a) => a === all[0]));
    const access = all[0]!;
    assert.equal(access.runId, 'run-1');
    assert.equal(access.identities.size, 20);
    assert.deepEqual(access.identities.get('node-3')?.ips, ['10.0.0.4']);
    assert.ok(secrets.includes('token-var'));
    await svc.close();
    assert.equal(made[0]!.closed, true);
    await assert.rejects(svc.forHost('node-1', files.var), /the run is over/);
    await assert.rejects(access.informers.csrs.waitFor(() => true), /stopped/);
  });

  it('finds a node address two hosts claim even when --limit leaves one of them out; ignores the other hosts` own mistakes', async () => {
    const vars: Record<string, Vars> = {
      a: { ansible_host: '10.0.0.1' },
      b: { ansible_host: '10.0.0.2' },
      c: { node_ips: ['10.0.0.1'] },
      d: { node_ips: 'not a list of addresses' },
    };
    const limited = service({ vars, kubeconfig: files.flag!, hosts: ['a', 'b'], allHosts: ['a', 'b', 'c', 'd'] });
    await assert.rejects(limited.svc.forHost('a', undefined), (err: Error) => err instanceof ModuleFailure && /10\.0\.0\.1 is also .*'s/.test(err.message) && /\b(a|c)\b/.test(err.message));
    const fine = service({ vars, kubeconfig: files.flag!, hosts: ['b'], allHosts: ['a', 'b', 'd'] });
    const access = await fine.svc.forHost('b', undefined);
    assert.deepEqual([...access.identities.keys()], ['b'], 'the allow-list is the run`s hosts only');
    await fine.svc.close();
  });

  it('refuses hosts that name different kubeconfig files', async () => {
    const { svc, made } = service({ vars: { a: { fleetboot_kubeconfig: files.var }, b: { fleetboot_kubeconfig: files.other } } });
    await assert.rejects(svc.forHost('a', files.var), (err: Error) => err instanceof ModuleFailure && /one kubeconfig per run: a names .*var\.kubeconfig and b names .*other\.kubeconfig/.test(err.message));
    assert.equal(made.length, 0);
  });

  it('refuses a host whose (rendered) kubeconfig differs from the one the run already uses', async () => {
    const { svc } = service({ vars: { a: { fleetboot_kubeconfig: files.var }, b: { fleetboot_kubeconfig: '{{ somewhere }}' } } });
    await svc.forHost('a', files.var);
    await assert.rejects(svc.forHost('b', files.other), /one kubeconfig per run: b would use .*other\.kubeconfig .* but the run already uses .*var\.kubeconfig/);
    await svc.close();
  });

  it('fails the step in one line naming the host and field of a bad node identity', async () => {
    const { svc } = service({ vars: { a: {}, b: { node_ips: ['10.0.0.1/24'] } } });
    await assert.rejects(svc.forHost('a', undefined), (err: Error) => err instanceof ModuleFailure && /^inventory: b: node_ips\[0\]: "10\.0\.0\.1\/24" is not an IP address/.test(err.message));
    const dup = service({ vars: { a: { ansible_host: '10.0.0.9' }, b: { ansible_host: '10.0.0.9' } } });
    await assert.rejects(dup.svc.forHost('a', undefined), /inventory: b: node_ips\/ansible_host: 10\.0\.0\.9 is also a's/);
  });
});
