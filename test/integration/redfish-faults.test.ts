// Issue 3's "done when": the lights-out playbook (virtual media, one-time boot, power) succeeds on
// 50 lab BMCs of mixed vendor profiles, and again with BMC faults switched on for 10 of them:
// those recover or fail with a one-line reason naming the cause, and the other 40 are not held
// up. Gentle throughout: one request at a time per BMC, every session deleted at the end.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const IMAGE = 'https://127.0.0.1:9443/live/rhcos-live.aarch64.iso';
const OLD_IMAGE = 'https://127.0.0.1:9443/live/previous-live.aarch64.iso';
const HOSTS = 50;

/** A host left with last time's ISO in its slot: the playbook must eject it (stale-media fault). */
const PRIOR = `- name: last provisioning's ISO
  hosts: all
  gather_facts: false
  tasks:
    - name: mount an older ISO
      redfish.virtual_media: { state: inserted, image: "${OLD_IMAGE}" }
      # Its session-limit failure takes the client's full retries; once (in the real run) is enough.
      when: inventory_hostname != "node-008"
`;

const PLAYBOOK = `- name: boot the live ISO through the BMC
  hosts: all
  gather_facts: false
  tasks:
    - name: power on
      redfish.power: { state: "on", timeout: 60 }
    - name: mount the live ISO
      redfish.virtual_media: { state: inserted, image: "${IMAGE}" }
    - name: boot from it once
      redfish.boot: { target: Cd }
    - name: restart
      redfish.power: { state: restart, timeout: 60 }
`;

/**
 * The faulted hosts: what each BMC does wrong, and how the run must end for it. `recovers`
 * faults are transient (the client waits them out); the others fail with a reason matching `why`.
 * Sizes keep the client's real backoff short: a 503 burst of 3 costs ~3 s of Retry-After.
 */
interface Faulted {
  faults: Record<string, number | boolean | string>;
  recovers: boolean;
  /** For a failure: the one-line reason must match this. */
  why?: RegExp;
  /** In the host's `-vvv` request lines: proof the fault fired (and was waited out). */
  evidence?: RegExp;
  /** Nor may these appear (the client must not provoke the fault). */
  never?: RegExp;
}

const FAULTED: Record<string, Faulted> = {
  'node-003': { faults: { bmc_503_burst: 3 }, recovers: true, evidence: /redfish GET \S+: 503/ },
  'node-008': { faults: { bmc_session_limit: 0 }, recovers: false, why: /Sessions: HTTP 503 \S*SessionLimitExceeded: .*limit of 0 sessions/ },
  'node-013': { faults: { bmc_slow_ms: 150 }, recovers: true },
  'node-018': { faults: { bmc_busy_reset: 3000 }, recovers: true, evidence: /redfish (PATCH|POST) \S+: (400|409)/ },
  // The client never sends two at once, so this BMC never has cause to refuse one.
  'node-023': { faults: { bmc_two_at_once: 'refuse' }, recovers: true, never: /: 503/ },
  'node-028': { faults: { bmc_require_if_match: true }, recovers: true, evidence: /redfish PATCH \S+: 200/, never: /: 428/ },
  'node-033': { faults: { bmc_async_actions: true }, recovers: true, evidence: /Actions\/\S+: 202/ },
  // An HPE profile: its own "during POST" answers (iLO UnableToModifyDuringSystemPOST) on top.
  'node-038': { faults: { bmc_stale_media_ms: 2000, bmc_busy_reset: 3000 }, recovers: true, evidence: /EjectMedia: 20\d[^]*redfish (PATCH|POST) \S+: (400|409)/ },
  'node-043': { faults: { bmc_503_burst: 2, bmc_slow_ms: 100 }, recovers: true, evidence: /: 503/ },
  'node-048': { faults: { bmc_session_limit: 1, bmc_async_actions: true }, recovers: true, evidence: /Actions\/\S+: 202/ },
};

function faultsYaml(): string {
  return Object.entries(FAULTED)
    .map(([host, f]) => `${host}:\n${Object.entries(f.faults).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`).join('\n')}\n`)
    .join('');
}

/** Each host's outcome line (`failed:`/`unreachable:`), keyed by host name. */
function failureLines(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of stdout.split('\n')) {
    if (!/^(failed|unreachable|fatal): /.test(l)) continue;
    const host = /\[(.*?)\]/.exec(l)?.[1];
    if (host) out.set(host, l);
  }
  return out;
}

function describeFailures(lines: Map<string, string>, lab: LabState): string {
  const profile = new Map(lab.hosts.map((h) => [h.name, h.bmc?.profile]));
  return [...lines].map(([h, l]) => `${l} [profile ${profile.get(h) ?? '?'}]`).join('\n');
}

function stats(lab: LabState, host: LabState['hosts'][number]): Promise<Record<string, unknown>> {
  const ca = readFileSync(lab.bmcCa!);
  return new Promise((resolve, reject) => {
    const req = request({ host: host.bmc!.address, port: host.bmc!.port, path: '/lab/stats', ca }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    });
    req.on('error', reject);
    req.end();
  });
}

async function runPlaybook(work: string, lab: LabState, file = 'lom.yml'): Promise<CliResult> {
  return runCli(['run', file, '-i', lab.inventory, '-f', String(HOSTS), '-vvv'], { cwd: work });
}

/** The host's Redfish request lines at -vvv (`<node-003> redfish GET /redfish/v1/: 503 (4ms)`). */
function requestLines(stdout: string, host: string): string {
  return stdout.split('\n').filter((l) => l.startsWith(`<${host}> redfish `)).join('\n');
}

describe('redfish: the lights-out playbook on 50 lab BMCs, then with faults on 10 of them', function () {
  this.timeout(180_000);
  let work: string;
  let lab: LabState | undefined;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-redfish-faults-'));
    await writeFile(join(work, 'lom.yml'), PLAYBOOK);
    await writeFile(join(work, 'prior.yml'), PRIOR);
    await writeFile(join(work, 'faults.yml'), faultsYaml());
  });
  afterEach(async () => {
    if (lab) await labDown(lab.dir);
    lab = undefined;
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('succeeds on all 50 without faults, one request at a time per BMC, every session deleted', async () => {
    lab = await labUp({ hosts: HOSTS, dir: join(work, 'lab-clean'), port: 0, bmcPort: 0, bmcProfiles: 'mixed' });
    const r = await runPlaybook(work, lab);
    assert.equal(r.code, 0, describeFailures(failureLines(r.stdout), lab) + r.stderr);
    assert.ok(new Set(lab.hosts.map((h) => h.bmc!.profile)).size >= 6);
    for (const h of lab.hosts) {
      const s = await stats(lab, h);
      assert.equal(s.peakConcurrentRequests, 1, `${h.name} (${h.bmc!.profile}) saw ${String(s.peakConcurrentRequests)} requests at once`);
      assert.equal(s.sessions, 0, `${h.name}: a session was left behind`);
      assert.equal((s.media as { image: string }).image, IMAGE, `${h.name}: image`);
    }
  });

  it('with faults on 10 BMCs: those recover or fail with a clear reason, the other 40 all succeed', async () => {
    lab = await labUp({ hosts: HOSTS, dir: join(work, 'lab-faults'), port: 0, bmcPort: 0, bmcProfiles: 'mixed', faults: join(work, 'faults.yml') });
    const prior = await runPlaybook(work, lab, 'prior.yml');
    assert.equal(prior.code, 0, describeFailures(failureLines(prior.stdout), lab) + prior.stderr);
    const r = await runPlaybook(work, lab);
    const failed = failureLines(r.stdout);
    const all = describeFailures(failed, lab);
    const expectFail = Object.entries(FAULTED).filter(([, f]) => !f.recovers);
    assert.equal(r.code === 0, expectFail.length === 0, `exit ${String(r.code)}\n${all}\n${r.stderr}`);

    for (const h of lab.hosts) {
      const f = FAULTED[h.name];
      const line = failed.get(h.name);
      if (!f) assert.equal(line, undefined, `fault-free ${h.name} (${h.bmc!.profile}) failed:\n${line ?? ''}`);
      else if (f.recovers) assert.equal(line, undefined, `${h.name} (${h.bmc!.profile}, ${JSON.stringify(f.faults)}) did not recover:\n${line ?? ''}`);
      else {
        assert.ok(line, `${h.name} (${JSON.stringify(f.faults)}) should have failed`);
        assert.match(line, f.why!, `${h.name}: the reason should name the cause`);
      }
      const s = await stats(lab, h);
      const label = `${h.name} (${h.bmc!.profile}${f ? `, ${JSON.stringify(f.faults)}` : ''})`;
      const sent = requestLines(prior.stdout + r.stdout, h.name);
      if (f?.evidence) assert.match(sent, f.evidence, `${label}: the fault never fired`);
      if (f?.never) assert.doesNotMatch(sent, f.never, `${label}: the client provoked the fault`);
      assert.equal(s.peakConcurrentRequests, 1, `${label} saw ${String(s.peakConcurrentRequests)} requests at once`);
      assert.equal(s.sessions, 0, `${label}: a session was left behind`);
      if (!f || f.recovers) {
        assert.equal((s.media as { image: string }).image, IMAGE, `${label}: image`);
        const boots = s.boots as { source: string; image: string | null }[];
        assert.ok(boots.some((b) => b.image === IMAGE), `${label}: never booted with the image in (${JSON.stringify(boots)})`);
      }
    }
    // Not held up: hosts run at their own pace (no lockstep), so every fault-free host is done
    // before the session-limited one has even given up logging in (the client retries ~25 s).
    const lines = r.stdout.split('\n');
    const gaveUp = lines.findIndex((l) => /^(failed|unreachable): \[node-008\]/.test(l));
    for (const h of lab.hosts.filter((x) => !FAULTED[x.name])) {
      const done = lines.findIndex((l) => l.startsWith(`changed: [${h.name}] restart`));
      assert.ok(done >= 0 && done < gaveUp, `${h.name} finished after the session-limited host failed (line ${done} vs ${gaveUp})`);
    }
    // One line per failure, saying what happened.
    for (const [, l] of failed) assert.ok(!l.includes('\n') && l.length > 30, l);
  });
});
