import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeconfigError, loadKubeconfig } from '../../src/cluster/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetboot-kubeconfig-'));

function kubeconfig(
  name: string,
  o: { clusters?: [string, string][]; users?: [string, string][]; contexts?: [string, string, string][]; current?: string; extra?: string },
): string {
  const file = join(dir, name);
  const lines = ['apiVersion: v1', 'kind: Config'];
  if (o.clusters) lines.push('clusters:');
  for (const [n, server] of o.clusters ?? []) lines.push(`- name: ${n}`, '  cluster:', `    server: ${server}`);
  if (o.users) lines.push('users:');
  for (const [n, token] of o.users ?? []) lines.push(`- name: ${n}`, '  user:', `    token: ${token}`);
  if (o.contexts) lines.push('contexts:');
  for (const [n, c, u] of o.contexts ?? []) lines.push(`- name: ${n}`, '  context:', `    cluster: ${c}`, `    user: ${u}`);
  if (o.current) lines.push(`current-context: ${o.current}`);
  if (o.extra) lines.push(o.extra);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const A = kubeconfig('a.yaml', {
  clusters: [['prod', 'https://api.prod.example:6443'], ['shared', 'https://from-a.example:6443']],
  users: [['admin', 'token-a-0123456789']],
  contexts: [['prod', 'prod', 'admin'], ['shared', 'shared', 'admin']],
  current: 'prod',
});
const B = kubeconfig('b.yaml', {
  clusters: [['lab', 'https://api.lab.example:6443'], ['shared', 'https://from-b.example:6443']],
  users: [['labuser', 'token-b-0123456789']],
  contexts: [['lab', 'lab', 'labuser']],
  current: 'lab',
});

describe('cluster: kubeconfig resolution (as kubectl)', () => {
  it('reads --kubeconfig, using its current-context, and returns the token as a secret', () => {
    const k = loadKubeconfig({ kubeconfig: A, env: { KUBECONFIG: B } });
    assert.equal(k.source, A);
    assert.equal(k.context, 'prod');
    assert.equal(k.server, 'https://api.prod.example:6443');
    assert.deepEqual(k.secrets, ['token-a-0123456789']);
  });

  it('selects --context, and names the contexts when it does not exist (no secret in the message)', () => {
    assert.equal(loadKubeconfig({ kubeconfig: A, context: 'shared', env: {} }).server, 'https://from-a.example:6443');
    assert.throws(
      () => loadKubeconfig({ kubeconfig: A, context: 'y', env: {} }),
      (err: unknown) => err instanceof KubeconfigError && err.message === `kubeconfig ${A}: no context named 'y' (contexts: prod, shared)`,
    );
  });

  it('merges a KUBECONFIG list as kubectl does: first definition and first current-context win', () => {
    const missing = join(dir, 'missing.yaml');
    const k = loadKubeconfig({ env: { KUBECONFIG: `${missing}:${B}:${A}` }, homeDir: dir });
    assert.equal(k.source, `${B}:${A}`);
    assert.equal(k.context, 'lab');
    assert.equal(k.server, 'https://api.lab.example:6443');
    const shared = loadKubeconfig({ env: { KUBECONFIG: `${B}:${A}` }, context: 'shared' });
    assert.equal(shared.server, 'https://from-b.example:6443'); // B named cluster 'shared' first
    assert.deepEqual(shared.secrets, ['token-a-0123456789']);
    assert.equal(loadKubeconfig({ env: { KUBECONFIG: `${A}:${B}` } }).context, 'prod');
  });

  it('says so when no file of KUBECONFIG exists', () => {
    assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: '/nonexistent/a:/nonexistent/b' } }), /^KubeconfigError: KUBECONFIG=\/nonexistent\/a:\/nonexistent\/b: none of its files exists/);
  });

  it('falls back to ~/.kube/config', () => {
    const home = mkdtempSync(join(tmpdir(), 'fleetboot-home-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), `current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://home.example:6443\nusers:\n- name: u\n  user:\n    token: tok-home-123\ncontexts:\n- name: x\n  context: {cluster: c, user: u, namespace: ns1}\n`);
    const k = loadKubeconfig({ env: {}, homeDir: home });
    assert.equal(k.server, 'https://home.example:6443');
    assert.equal(k.namespace, 'ns1');
    assert.equal(k.source, join(home, '.kube', 'config'));
  });

  it('uses the pod service account when nothing else is there', () => {
    const sa = mkdtempSync(join(tmpdir(), 'fleetboot-sa-'));
    writeFileSync(join(sa, 'token'), 'sa-token-abcdefghij\n');
    writeFileSync(join(sa, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    writeFileSync(join(sa, 'namespace'), 'fleetboot\n');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    const k = loadKubeconfig({ env, homeDir: dir, serviceAccountDir: sa });
    assert.equal(k.source, 'in-cluster');
    assert.equal(k.server, 'https://[fd00::1]:443');
    assert.equal(k.namespace, 'fleetboot');
    assert.deepEqual(k.secrets, ['sa-token-abcdefghij']);
    assert.equal(k.kubeConfig.getCurrentCluster()?.caFile, join(sa, 'ca.crt'));
    const empty = mkdtempSync(join(tmpdir(), 'fleetboot-sa-'));
    assert.throws(() => loadKubeconfig({ env, homeDir: dir, serviceAccountDir: empty }), /^KubeconfigError: in-cluster: KUBERNETES_SERVICE_HOST is set but .*\/token is missing/);
  });

  it('says what to do when there is no kubeconfig at all', () => {
    assert.throws(() => loadKubeconfig({ env: {}, homeDir: dir, serviceAccountDir: dir }), /^KubeconfigError: no kubeconfig: pass --kubeconfig, set KUBECONFIG, create .*, or run in a pod/);
  });

  it('names a missing --kubeconfig file, a dangling context and a missing current-context', () => {
    assert.throws(() => loadKubeconfig({ kubeconfig: '/nonexistent/kc', env: {} }), /^KubeconfigError: kubeconfig \/nonexistent\/kc: cannot read it: no such file$/);
    const dangling = kubeconfig('dangling.yaml', { clusters: [['c', 'https://x:6443']], users: [['u', 'tok-0123456789']], contexts: [['ctx', 'c', 'ghost']], current: 'ctx' });
    assert.throws(() => loadKubeconfig({ kubeconfig: dangling, env: {} }), new RegExp(`^KubeconfigError: kubeconfig ${dangling}: context 'ctx' names user 'ghost', which is not defined \\(users: u\\)$`));
    const nocurrent = kubeconfig('nocurrent.yaml', { clusters: [['c', 'https://x:6443']], users: [['u', 'tok-0123456789']], contexts: [['ctx', 'c', 'u']] });
    assert.throws(() => loadKubeconfig({ kubeconfig: nocurrent, env: {} }), /no current-context set; pass --context \(contexts: ctx\)$/);
  });

  it('keeps secrets out of a parse error and returns client keys and passwords for redaction', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'users:\n- name: u\n  user:\n    token: secret-token-xyz\n  : : [\n');
    assert.throws(
      () => loadKubeconfig({ kubeconfig: broken, env: {} }),
      (err: unknown) => err instanceof KubeconfigError && err.message.startsWith(`kubeconfig ${broken}: not a valid kubeconfig: `) && !err.message.includes('secret-token-xyz') && !err.message.includes('\n'),
    );
    const keyPem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBogus\n-----END EC PRIVATE KEY-----';
    writeFileSync(join(dir, 'client.key'), `${keyPem}\n`);
    const certs = kubeconfig('certs.yaml', {
      clusters: [['c', 'https://x:6443']],
      contexts: [['ctx', 'c', 'u']],
      current: 'ctx',
      extra: `users:\n- name: u\n  user:\n    client-key: client.key\n    client-certificate-data: Y2VydA==\n- name: p\n  user:\n    username: bob\n    password: hunter2-long`,
    });
    const k = loadKubeconfig({ kubeconfig: certs, env: {} });
    assert.deepEqual(k.secrets, [keyPem]); // the relative client-key path resolved beside the file
    const data = kubeconfig('keydata.yaml', {
      clusters: [['c', 'https://x:6443']],
      contexts: [['ctx', 'c', 'u']],
      current: 'ctx',
      extra: `users:\n- name: u\n  user:\n    client-key-data: ${Buffer.from(keyPem).toString('base64')}`,
    });
    assert.deepEqual(loadKubeconfig({ kubeconfig: data, env: {} }).secrets, [Buffer.from(keyPem).toString('base64'), keyPem]);
  });

  it('refuses an http:// server unless TLS checks are off, as the client library would on first use', () => {
    const plain = kubeconfig('plain.yaml', { clusters: [['c', 'http://127.0.0.1:8080']], users: [['u', 'tok-0123456789']], contexts: [['ctx', 'c', 'u']], current: 'ctx' });
    assert.throws(() => loadKubeconfig({ kubeconfig: plain, env: {} }), /cluster 'c' has an http:\/\/ server; use https:\/\/ or set insecure-skip-tls-verify: true$/);
  });
});
