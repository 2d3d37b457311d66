import assert from 'node:assert/strict';
import { BasicConstraintsExtension, ChallengePasswordAttribute, KeyUsageFlags, KeyUsagesExtension } from '@peculiar/x509';
import { CLIENT_WINDOW_MS, judgeClientCsr, judgeCsr, judgeServingCsr, MAX_EXPIRATION_SECONDS, type CsrRulesContext } from '../../src/cluster/csr-rules.js';
import { indexNodeIdentities, nodeIdentityFromVars } from '../../src/cluster/node-identity.js';
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, NODE_BOOTSTRAPPER_GROUPS, type CertificateSigningRequest, type CsrRuleId, type CsrVerdict } from '../../src/cluster/types.js';
import {
  buildCsrPem,
  clientCsr,
  clientUsages,
  derToPem,
  flipSignatureByte,
  makeKeys,
  nodeSubject,
  pemToDer,
  requestField,
  servingCsr,
  servingUsages,
  withTextAround,
  wrapCsr,
  type ApiFields,
  type CsrContent,
  type TestKeys,
  type TestSan,
} from '../helpers/csr.js';

const T0 = new Date('2026-11-25T10:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

const identities = indexNodeIdentities([
  nodeIdentityFromVars('arm-0', { ansible_host: '10.0.0.10', node_dns_names: ['arm-0.lab.example'], bmc: { address: '10.1.0.10' } }),
  nodeIdentityFromVars('arm-1', { ansible_host: '10.0.0.11', node_dns_names: ['arm-1.lab.example'], bmc: { address: '10.1.0.11' } }),
  nodeIdentityFromVars('arm-10', { ansible_host: '10.0.0.20' }),
  nodeIdentityFromVars('rack4-slot2', { node_name: 'x86-0', node_ips: ['10.0.0.30', 'fd00::30'], ansible_host: 'x86-0.mgmt.example' }),
]);

/** A context where every host began installing at T0, it is now T0+20 min, no Node exists yet. */
function ctx(over: Partial<CsrRulesContext> = {}): CsrRulesContext {
  return {
    identities,
    existingNodes: new Set(),
    clientApprovedHosts: new Set(),
    installStartByHost: new Map([...identities.values()].map((id) => [id.host, T0])),
    pendingClientCsrs: [],
    now: at(20),
    deny: false,
    ...over,
  };
}
/** For serving CSRs: the nodes are registered. */
const servingCtx = (over: Partial<CsrRulesContext> = {}): CsrRulesContext => ctx({ existingNodes: new Set(identities.keys()), ...over });

function assertSafeReason(v: CsrVerdict, csr: CertificateSigningRequest): void {
  assert.ok(!v.reason.includes('\n') && !v.reason.includes('\r'), `reason is one line: ${v.reason}`);
  assert.ok(!/BEGIN|END CERTIFICATE/.test(v.reason), `reason holds no PEM: ${v.reason}`);
  assert.ok(!v.reason.includes(csr.spec.request.slice(0, 40)), 'reason holds no request');
  const der = Buffer.from(csr.spec.request, 'base64').toString('latin1');
  const body = der.split('\n')[1];
  if (body) assert.ok(!v.reason.includes(body.slice(0, 24)), 'reason holds no PEM body');
}

function assertApproved(v: CsrVerdict, csr: CertificateSigningRequest, nodeName: string): void {
  assert.equal(v.action, 'approve', `expected approval, got ${v.action === 'approve' ? '' : `${v.rule}: `}${v.reason}`);
  assert.equal(v.nodeName, nodeName);
  assert.equal(v.csr, csr.metadata.name);
  assertSafeReason(v, csr);
}

function assertRefused(v: CsrVerdict, csr: CertificateSigningRequest, rule: CsrRuleId, action: 'leave' | 'deny' = 'leave', re?: RegExp): void {
  assert.notEqual(v.action, 'approve', `must not approve (${v.reason})`);
  if (v.action === 'approve') return;
  assert.equal(v.rule, rule, `rule (reason: ${v.reason})`);
  assert.equal(v.action, action, `action (reason: ${v.reason})`);
  if (re) assert.match(v.reason, re);
  assertSafeReason(v, csr);
}

describe('cluster/csr-rules', () => {
  let rsa: TestKeys;
  let ec: TestKeys;
  let ec384: TestKeys;
  let keySets: TestKeys[];
  before(async () => {
    [rsa, ec, ec384] = await Promise.all([makeKeys('rsa'), makeKeys('ec256'), makeKeys('ec384')]);
    keySets = [rsa, ec, ec384];
  });

  /** A client CSR as a kubelet sends it, created at T0+5 min, with parts replaced. */
  async function client(keys: TestKeys, node = 'arm-0', content: Partial<CsrContent> = {}, fields: ApiFields = {}): Promise<CertificateSigningRequest> {
    if (Object.keys(content).length === 0) return clientCsr(keys, node, { creationTimestamp: at(5), ...fields });
    const pem = await buildCsrPem({ keys, subject: nodeSubject(node), ...content });
    return wrapCsr(pem, { usages: clientUsages(keys), creationTimestamp: at(5), ...fields });
  }

  const arm0Sans: TestSan[] = [
    { kind: 'dns', value: 'arm-0' },
    { kind: 'dns', value: 'arm-0.lab.example' },
    { kind: 'ip', value: '10.0.0.10' },
  ];

  /** A serving CSR from node `node` with its SANs, created at T0+10 min, with parts replaced. */
  async function serving(keys: TestKeys, node = 'arm-0', content: Partial<CsrContent> = {}, fields: ApiFields = {}): Promise<CertificateSigningRequest> {
    if (Object.keys(content).length === 0) return servingCsr(keys, node, node === 'arm-0' ? arm0Sans : [], { creationTimestamp: at(10), ...fields });
    const pem = await buildCsrPem({ keys, subject: nodeSubject(node), sans: arm0Sans, ...content });
    return wrapCsr(pem, {
      signerName: KUBELET_SERVING_SIGNER,
      usages: servingUsages(keys),
      username: `system:node:${node}`,
      groups: ['system:nodes', 'system:authenticated'],
      creationTimestamp: at(10),
      ...fields,
    });
  }

  describe('client CSRs', () => {
    it('approves a kubelet bootstrap CSR with an RSA 2048, ECDSA P-256 or P-384 key', async () => {
      for (const keys of keySets) {
        const csr = await client(keys);
        const v = await judgeClientCsr(csr, ctx());
        assertApproved(v, csr, 'arm-0');
        assert.equal(v.host, 'arm-0');
      }
    });

    it('approves both usage sets for any key kind, in any order', async () => {
      const sets = [
        ['digital signature', 'key encipherment', 'client auth'],
        ['client auth', 'key encipherment', 'digital signature'],
        ['digital signature', 'client auth'],
        ['client auth', 'digital signature'],
      ];
      for (const keys of [rsa, ec]) {
        for (const usages of sets) {
          const csr = await client(keys, 'arm-0', {}, { usages });
          assertApproved(await judgeClientCsr(csr, ctx()), csr, 'arm-0');
        }
      }
    });

    it('maps the inventory hostname to node_name', async () => {
      const csr = await client(ec, 'x86-0');
      const v = await judgeClientCsr(csr, ctx());
      assertApproved(v, csr, 'x86-0');
      assert.equal(v.host, 'rack4-slot2');
    });

    it('decides from the PKCS#10 and the requester, never from the CSR name', async () => {
      const csr = await client(ec, 'arm-1', {}, { name: 'node-csr-arm-0' });
      const v = await judgeClientCsr(csr, ctx({ existingNodes: new Set(['arm-0']) }));
      assertApproved(v, csr, 'arm-1');
    });

    it('accepts a creationTimestamp as a Date (client-node objects)', async () => {
      const csr = await client(ec);
      csr.metadata.creationTimestamp = at(5);
      assertApproved(await judgeClientCsr(csr, ctx()), csr, 'arm-0');
    });

    describe('each rule failing alone', () => {
      it('signer', async () => {
        const csr = await client(ec, 'arm-0', {}, { signerName: KUBELET_SERVING_SIGNER });
        assertRefused(await judgeClientCsr(csr, ctx({ deny: true })), csr, 'signer');
      });

      it('not-pending: approved, denied, failed or issued already', async () => {
        for (const status of [
          { conditions: [{ type: 'Approved', status: 'True' }] },
          { conditions: [{ type: 'Denied', status: 'True' }] },
          { conditions: [{ type: 'Failed', status: 'True' }] },
          { certificate: 'Y2VydA==' },
        ]) {
          const csr = await client(ec, 'arm-0', {}, { status });
          assertRefused(await judgeClientCsr(csr, ctx({ deny: true })), csr, 'not-pending');
        }
      });

      it('requester: anyone but the node-bootstrapper (a node renewing its own client cert is not ours), never denied', async () => {
        for (const username of ['system:node:arm-0', 'system:serviceaccount:default:builder', 'kube:admin']) {
          const csr = await client(ec, 'arm-0', {}, { username });
          assertRefused(await judgeClientCsr(csr, ctx({ deny: true })), csr, 'requester', 'leave', /not fleetboot's/);
        }
      });

      it('groups: not exactly the bootstrapper three', async () => {
        for (const groups of [
          NODE_BOOTSTRAPPER_GROUPS.slice(1),
          [...NODE_BOOTSTRAPPER_GROUPS, 'system:masters'],
          ['system:nodes', 'system:authenticated'],
          [...NODE_BOOTSTRAPPER_GROUPS.slice(0, 2), NODE_BOOTSTRAPPER_GROUPS[0] as string],
        ]) {
          const csr = await client(ec, 'arm-0', {}, { groups });
          assertRefused(await judgeClientCsr(csr, ctx()), csr, 'groups');
        }
      });

      it('usages: duplicated, server auth, or another set', async () => {
        for (const usages of [
          ['digital signature', 'client auth', 'client auth'],
          ['digital signature', 'key encipherment', 'client auth', 'server auth'],
          ['digital signature', 'server auth'],
          ['client auth'],
          ['digital signature', 'key encipherment', 'client auth', 'signing'],
          [],
        ]) {
          const csr = await client(ec, 'arm-0', {}, { usages });
          assertRefused(await judgeClientCsr(csr, ctx()), csr, 'usages');
        }
      });

      it('pem: text around the block, two blocks, another label, trailing bytes, not base64', async () => {
        const good = await buildCsrPem({ keys: ec, subject: nodeSubject('arm-0') });
        const der = pemToDer(good);
        const requests = [
          requestField(withTextAround(good)),
          requestField(`${good}${good}`),
          requestField(good.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST')),
          requestField(derToPem(new Uint8Array([...der, 0]))),
          'LS0tLS1CRUdJTi@@@',
        ];
        for (const request of requests) {
          const csr = await client(ec);
          csr.spec.request = request;
          assertRefused(await judgeClientCsr(csr, ctx({ deny: true })), csr, 'pem');
        }
      });

      it('signature: a flipped signature byte, for RSA and ECDSA', async () => {
        for (const keys of keySets) {
          const pem = flipSignatureByte(await buildCsrPem({ keys, subject: nodeSubject('arm-0') }));
          const csr = wrapCsr(pem, { usages: clientUsages(keys), creationTimestamp: at(5) });
          assertRefused(await judgeClientCsr(csr, ctx()), csr, 'signature', 'leave', /does not verify/);
          // It claims an inventory node, so the deny policy denies it.
          assertRefused(await judgeClientCsr(csr, ctx({ deny: true })), csr, 'signature', 'deny');
        }
      });

      it('subject: two CNs, extra or missing O, another attribute, CN without the node prefix', async () => {
        const subjects: Array<Array<[string, string]>> = [
          [['O', 'system:nodes'], ['CN', 'system:node:arm-1'], ['CN', 'system:node:arm-0']],
          [['O', 'system:nodes'], ['O', 'system:masters'], ['CN', 'system:node:arm-0']],
          [['CN', 'system:node:arm-0']],
          [['O', 'system:masters'], ['CN', 'system:node:arm-0']],
          [['O', 'system:nodes'], ['OU', 'x'], ['CN', 'system:node:arm-0']],
          [['O', 'system:nodes'], ['CN', 'arm-0']],
          [['O', 'system:nodes'], ['CN', 'system:node:']],
        ];
        for (const subject of subjects) {
          const csr = await client(ec, 'arm-0', { subject });
          assertRefused(await judgeClientCsr(csr, ctx()), csr, 'subject');
        }
        const multi = await client(ec, 'arm-0', { subject: [{ O: ['system:nodes'], CN: ['system:node:arm-0', 'system:node:arm-1'] }] });
        assertRefused(await judgeClientCsr(multi, ctx()), multi, 'subject', 'leave', /2 CNs/);
      });

      it('sans: any SAN, URI included', async () => {
        for (const san of [
          { kind: 'dns', value: 'arm-0' },
          { kind: 'ip', value: '10.0.0.10' },
          { kind: 'email', value: 'a@example.com' },
          { kind: 'uri', value: 'spiffe://cluster/ns/x/sa/y' },
          { kind: 'upn', value: 'a@EXAMPLE' },
        ] as TestSan[]) {
          const csr = await client(ec, 'arm-0', { sans: [san] });
          assertRefused(await judgeClientCsr(csr, ctx()), csr, 'sans');
        }
      });

      it('extensions: any requested extension, or a PKCS#10 attribute', async () => {
        for (const content of [
          { extensions: [new BasicConstraintsExtension(true)] },
          { extensions: [new KeyUsagesExtension(KeyUsageFlags.keyCertSign)] },
          { attributes: [new ChallengePasswordAttribute('pw')] },
        ]) {
          const csr = await client(ec, 'arm-0', content);
          assertRefused(await judgeClientCsr(csr, ctx()), csr, 'extensions');
        }
      });

      it('unknown-node: a stranger, a case variant, a DNS alias, an IP; never denied', async () => {
        const cases: Array<[string, RegExp]> = [
          ['stranger-7', /not the node_name of any inventory host/],
          ['ARM-0', /differs from inventory node arm-0 in case/],
          ['arm-0.lab.example', /DNS name of host arm-0/],
          ['x86-0.mgmt.example', /DNS name of host rack4-slot2/],
          ['rack4-slot2', /not the node_name/],
          ['10.0.0.10', /IP of host arm-0/],
        ];
        for (const [node, re] of cases) {
          const csr = await client(ec, node);
          assertRefused(await judgeClientCsr(csr, ctx({ deny: true })), csr, 'unknown-node', 'leave', re);
        }
      });

      it('node-exists', async () => {
        const csr = await client(ec);
        const v = await judgeClientCsr(csr, ctx({ existingNodes: new Set(['arm-0']) }));
        assertRefused(v, csr, 'node-exists');
        assert.equal(v.host, 'arm-0');
      });

      it('already-approved in this install attempt', async () => {
        const csr = await client(ec);
        assertRefused(await judgeClientCsr(csr, ctx({ clientApprovedHosts: new Set(['arm-0']) })), csr, 'already-approved');
        const x = await client(ec, 'x86-0');
        // Keyed by inventory hostname, not node name.
        assertRefused(await judgeClientCsr(x, ctx({ clientApprovedHosts: new Set(['rack4-slot2']) })), x, 'already-approved');
      });

      it('created-before-install: before the start (beyond 10 s of skew), or no start known', async () => {
        const early = await client(ec, 'arm-0', {}, { creationTimestamp: new Date(T0.getTime() - 11_000) });
        assertRefused(await judgeClientCsr(early, ctx()), early, 'created-before-install');
        const skewed = await client(ec, 'arm-0', {}, { creationTimestamp: new Date(T0.getTime() - 9_000) });
        assertApproved(await judgeClientCsr(skewed, ctx()), skewed, 'arm-0');
        const csr = await client(ec);
        assertRefused(await judgeClientCsr(csr, ctx({ installStartByHost: new Map() })), csr, 'created-before-install', 'leave', /not installing host arm-0/);
        assertRefused(await judgeClientCsr(early, ctx({ deny: true })), early, 'created-before-install', 'deny');
        // No start known is no evidence against the CSR: left even under the deny policy.
        assertRefused(await judgeClientCsr(csr, ctx({ deny: true, installStartByHost: new Map() })), csr, 'created-before-install', 'leave');
      });

      it('too-old: created more than 2 h after the install began, or the window has closed', async () => {
        const late = await client(ec, 'arm-0', {}, { creationTimestamp: new Date(T0.getTime() + CLIENT_WINDOW_MS + 1000) });
        assertRefused(await judgeClientCsr(late, ctx({ now: at(125) })), late, 'too-old');
        const csr = await client(ec);
        assertRefused(await judgeClientCsr(csr, ctx({ now: at(121), deny: true })), csr, 'too-old', 'leave', /window/);
        assertRefused(await judgeClientCsr(late, ctx({ now: at(125), deny: true })), late, 'too-old', 'deny');
        assertApproved(await judgeClientCsr(csr, ctx({ now: at(119) })), csr, 'arm-0');
      });

      it('duplicate-claim: two pending bootstrap CSRs for one node, neither approved, both reported, never denied', async () => {
        const legit = await client(ec);
        const impostor = await client(rsa, 'arm-0', {}, { creationTimestamp: at(6) });
        const pending = [legit, impostor];
        for (const [csr, other] of [
          [legit, impostor],
          [impostor, legit],
        ] as const) {
          const v = await judgeClientCsr(csr, ctx({ pendingClientCsrs: pending, deny: true }));
          assertRefused(v, csr, 'duplicate-claim', 'leave', /2 pending bootstrap CSRs claim node arm-0/);
          if (v.action !== 'approve') assert.deepEqual(v.others, [other.metadata.name]);
        }
      });

      it('duplicate-claim counts a rival that claims the node with a second CN', async () => {
        const legit = await client(ec);
        const sneaky = await client(ec, 'arm-0', { subject: [['O', 'system:nodes'], ['CN', 'system:node:arm-0'], ['CN', 'system:node:arm-9']] });
        assertRefused(await judgeClientCsr(legit, ctx({ pendingClientCsrs: [legit, sneaky] })), legit, 'duplicate-claim');
      });

      it('duplicate-claim ignores stale, decided, other-requester and other-node CSRs, and the CSR itself', async () => {
        const legit = await client(ec);
        const stale = await client(ec, 'arm-0', {}, { creationTimestamp: at(-60) });
        const approved = await client(ec, 'arm-0', {}, { status: { conditions: [{ type: 'Approved', status: 'True' }] } });
        const renewal = await client(ec, 'arm-0', {}, { username: 'system:node:arm-0', groups: ['system:nodes', 'system:authenticated'] });
        const otherNode = await client(ec, 'arm-1');
        const sameAgain = { ...legit, metadata: { ...legit.metadata } };
        const pending = [legit, stale, approved, renewal, otherNode, sameAgain];
        assertApproved(await judgeClientCsr(legit, ctx({ pendingClientCsrs: pending })), legit, 'arm-0');
      });

      it('another node CN from the shared token is caught when that node asks too', async () => {
        const arm1 = await client(ec, 'arm-1');
        const impostor = await client(rsa, 'arm-1', {}, { name: 'node-csr-arm-0' });
        assertRefused(await judgeClientCsr(impostor, ctx({ pendingClientCsrs: [arm1, impostor] })), impostor, 'duplicate-claim');
      });
    });

    it('denies only under the deny policy, only CSRs claiming an inventory node', async () => {
      const extraO = await client(ec, 'arm-0', { subject: [['O', 'system:nodes'], ['O', 'system:masters'], ['CN', 'system:node:arm-0']] });
      assertRefused(await judgeClientCsr(extraO, ctx()), extraO, 'subject', 'leave');
      const v = await judgeClientCsr(extraO, ctx({ deny: true }));
      assertRefused(v, extraO, 'subject', 'deny');
      assert.equal(v.host, 'arm-0');
      const strangerExtraO = await client(ec, 'x', { subject: [['O', 'system:nodes'], ['O', 'system:masters'], ['CN', 'system:node:stranger']] });
      assertRefused(await judgeClientCsr(strangerExtraO, ctx({ deny: true })), strangerExtraO, 'subject', 'leave');
      const exists = await client(ec);
      assertRefused(await judgeClientCsr(exists, ctx({ deny: true, existingNodes: new Set(['arm-0']) })), exists, 'node-exists', 'deny');
    });
  });

  describe('serving CSRs', () => {
    it('approves the SANs a kubelet sends (DNS and IP, any subset) for RSA, ECDSA P-256 and P-384', async () => {
      for (const keys of keySets) {
        const csr = await serving(keys);
        const v = await judgeServingCsr(csr, servingCtx());
        assertApproved(v, csr, 'arm-0');
      }
      for (const sans of [[{ kind: 'ip', value: '10.0.0.10' }], [{ kind: 'dns', value: 'ARM-0.Lab.Example' }]] as TestSan[][]) {
        const csr = await serving(ec, 'arm-0', { sans });
        assertApproved(await judgeServingCsr(csr, servingCtx()), csr, 'arm-0');
      }
    });

    it('approves both usage sets for any key kind, in any order', async () => {
      for (const usages of [
        ['digital signature', 'key encipherment', 'server auth'],
        ['server auth', 'digital signature', 'key encipherment'],
        ['digital signature', 'server auth'],
        ['server auth', 'digital signature'],
      ]) {
        for (const keys of [rsa, ec]) {
          const csr = await serving(keys, 'arm-0', {}, { usages });
          assertApproved(await judgeServingCsr(csr, servingCtx()), csr, 'arm-0');
        }
      }
    });

    it('matches IPv6 SANs and a DNS ansible_host; node_name differs from the hostname', async () => {
      const csr = await serving(ec, 'x86-0', {
        sans: [
          { kind: 'dns', value: 'x86-0' },
          { kind: 'dns', value: 'x86-0.mgmt.example' },
          { kind: 'ip', value: '10.0.0.30' },
          { kind: 'ip', value: 'fd00:0:0:0:0:0:0:30' },
        ],
      });
      const v = await judgeServingCsr(csr, servingCtx());
      assertApproved(v, csr, 'x86-0');
      assert.equal(v.host, 'rack4-slot2');
    });

    it('treats renewals (long after install, no install start known) the same way', async () => {
      const csr = await serving(ec, 'arm-0', {}, { creationTimestamp: at(60 * 24 * 300) });
      assertApproved(await judgeServingCsr(csr, servingCtx({ now: at(60 * 24 * 300), installStartByHost: new Map() })), csr, 'arm-0');
    });

    it('allows expirationSeconds up to 367 days', async () => {
      const csr = await serving(ec, 'arm-0', {}, { expirationSeconds: MAX_EXPIRATION_SECONDS });
      assertApproved(await judgeServingCsr(csr, servingCtx()), csr, 'arm-0');
    });

    describe('each rule failing alone', () => {
      it('signer', async () => {
        const csr = await serving(ec, 'arm-0', {}, { signerName: KUBELET_CLIENT_SIGNER });
        assertRefused(await judgeServingCsr(csr, servingCtx({ deny: true })), csr, 'signer');
      });

      it('not-pending', async () => {
        const csr = await serving(ec, 'arm-0', {}, { status: { conditions: [{ type: 'Approved', status: 'True' }] } });
        assertRefused(await judgeServingCsr(csr, servingCtx({ deny: true })), csr, 'not-pending');
      });

      it('requester: not a node, never denied', async () => {
        for (const username of ['system:serviceaccount:openshift-machine-config-operator:node-bootstrapper', 'admin', 'system:node:']) {
          const csr = await serving(ec, 'arm-0', {}, { username });
          assertRefused(await judgeServingCsr(csr, servingCtx({ deny: true })), csr, 'requester');
        }
      });

      it('unknown-node: a node not in the inventory or a case variant, never denied', async () => {
        const other = await serving(ec, 'worker-9', { sans: [{ kind: 'dns', value: 'worker-9' }] });
        assertRefused(await judgeServingCsr(other, servingCtx({ deny: true })), other, 'unknown-node', 'leave');
        const upper = await serving(ec, 'ARM-0');
        assertRefused(await judgeServingCsr(upper, servingCtx({ deny: true })), upper, 'unknown-node', 'leave', /in case/);
      });

      it('groups: without system:nodes or system:authenticated (extras allowed)', async () => {
        for (const groups of [['system:authenticated'], ['system:nodes'], []]) {
          const csr = await serving(ec, 'arm-0', {}, { groups });
          assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'groups');
        }
        const extra = await serving(ec, 'arm-0', {}, { groups: ['system:nodes', 'system:authenticated', 'custom'] });
        assertApproved(await judgeServingCsr(extra, servingCtx()), extra, 'arm-0');
      });

      it('usages: client auth added, duplicates, client usages', async () => {
        for (const usages of [
          ['digital signature', 'server auth', 'client auth'],
          ['digital signature', 'key encipherment', 'server auth', 'client auth'],
          ['digital signature', 'server auth', 'server auth'],
          ['digital signature', 'client auth'],
        ]) {
          const csr = await serving(ec, 'arm-0', {}, { usages });
          assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'usages');
        }
      });

      it('expiration: above 367 days', async () => {
        const csr = await serving(ec, 'arm-0', {}, { expirationSeconds: MAX_EXPIRATION_SECONDS + 1 });
        assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'expiration');
      });

      it('pem', async () => {
        const csr = await serving(ec);
        csr.spec.request = requestField(withTextAround(Buffer.from(csr.spec.request, 'base64').toString('latin1')));
        assertRefused(await judgeServingCsr(csr, servingCtx({ deny: true })), csr, 'pem', 'deny');
      });

      it('signature', async () => {
        for (const keys of keySets) {
          const pem = flipSignatureByte(await buildCsrPem({ keys, subject: nodeSubject('arm-0'), sans: arm0Sans }));
          const csr = await serving(keys);
          csr.spec.request = requestField(pem);
          assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'signature');
        }
      });

      it('subject: two CNs, extra O, another attribute', async () => {
        for (const subject of [
          [['O', 'system:nodes'], ['CN', 'system:node:arm-0'], ['CN', 'system:node:arm-0']],
          [['O', 'system:nodes'], ['O', 'system:masters'], ['CN', 'system:node:arm-0']],
          [['O', 'system:nodes'], ['CN', 'system:node:arm-0'], ['OU', 'ops']],
        ] as Array<Array<[string, string]>>) {
          const csr = await serving(ec, 'arm-0', { subject });
          assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'subject');
        }
      });

      it("node-name: the CN names another node than the requester", async () => {
        const csr = await serving(ec, 'arm-0', { subject: nodeSubject('arm-1') });
        assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'node-name', 'leave', /CN names node 'arm-1' but node 'arm-0' asks/);
      });

      it('sans: none, email, URI, other, another host’s DNS name or IP, the BMC address, a prefix look-alike', async () => {
        const cases: Array<[TestSan[], RegExp]> = [
          [[], /no DNS or IP/],
          [[...arm0Sans, { kind: 'email', value: 'root@arm-0' }], /email SAN/],
          [[...arm0Sans, { kind: 'uri', value: 'https://arm-0' }], /uri SAN/],
          [[...arm0Sans, { kind: 'upn', value: 'arm-0@LAB' }], /other SAN/],
          [[{ kind: 'dns', value: 'arm-1' }], /DNS SAN 'arm-1' is not a DNS name of host arm-0/],
          [[{ kind: 'dns', value: 'arm-1.lab.example' }], /DNS SAN/],
          [[{ kind: 'dns', value: 'arm-0.evil.example' }], /DNS SAN/],
          [[{ kind: 'dns', value: '*.lab.example' }], /DNS SAN/],
          [[{ kind: 'dns', value: 'arm-0.' }], /DNS SAN/],
          [[{ kind: 'ip', value: '10.0.0.11' }], /IP SAN '10.0.0.11' is not an IP of host arm-0/],
          [[{ kind: 'ip', value: '10.1.0.10' }], /IP SAN '10.1.0.10'/],
          [[{ kind: 'ip', value: '::ffff:a00:a' }], /IP SAN '::ffff:a00:a'/], // 10.0.0.10 mapped into IPv6: not the inventory's form
          [[{ kind: 'dns', value: 'arm-0' }, { kind: 'ip', value: '10.0.0.20' }], /IP SAN '10.0.0.20'/],
        ];
        for (const [sans, re] of cases) {
          const csr = await serving(ec, 'arm-0', { sans });
          assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'sans', 'leave', re);
        }
        // kubelet-csr-approver's prefix match would give arm-1 the name and IP of arm-10.
        const lookAlike = await serving(ec, 'arm-1', { subject: nodeSubject('arm-1'), sans: [{ kind: 'dns', value: 'arm-10' }, { kind: 'ip', value: '10.0.0.20' }] });
        assertRefused(await judgeServingCsr(lookAlike, servingCtx()), lookAlike, 'sans');
      });

      it('extensions: any but subjectAltName, or an attribute', async () => {
        for (const content of [
          { extensions: [new BasicConstraintsExtension(true)] },
          { attributes: [new ChallengePasswordAttribute('pw')] },
        ]) {
          const csr = await serving(ec, 'arm-0', content);
          assertRefused(await judgeServingCsr(csr, servingCtx()), csr, 'extensions');
        }
      });

      it('node-exists: the Node is not registered yet', async () => {
        const csr = await serving(ec);
        assertRefused(await judgeServingCsr(csr, ctx()), csr, 'node-exists', 'leave', /does not exist yet/);
      });
    });

    it('denies under the deny policy when an inventory node asks wrongly', async () => {
      const csr = await serving(ec, 'arm-0', { sans: [{ kind: 'ip', value: '10.0.0.11' }] });
      const v = await judgeServingCsr(csr, servingCtx({ deny: true }));
      assertRefused(v, csr, 'sans', 'deny');
      assert.equal(v.host, 'arm-0');
    });
  });

  describe('judgeCsr', () => {
    it('dispatches by signer and leaves every other signer alone, deny policy or not', async () => {
      const c = await client(ec);
      assertApproved(await judgeCsr(c, ctx()), c, 'arm-0');
      const s = await serving(ec);
      assertApproved(await judgeCsr(s, servingCtx()), s, 'arm-0');
      for (const signerName of ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/legacy-unknown', 'example.com/any']) {
        const csr = await client(ec, 'arm-0', {}, { signerName });
        const v = await judgeCsr(csr, ctx({ deny: true }));
        assertRefused(v, csr, 'signer', 'leave');
        assert.equal(v.kind, 'other');
      }
    });
  });
});
