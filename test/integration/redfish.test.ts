// Lights-out over Redfish on lab BMCs of mixed vendor profiles: insert the live ISO, set a
// one-time boot to it, restart; gently (never two requests at once on a BMC, every session
// deleted at the end) and without a password in any output.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import { runCli } from '../helpers/cli.js';

const IMAGE = 'https://127.0.0.1:9443/live/rhcos-live.aarch64.iso';

/** The failure lines, each with the host's BMC profile, for a readable assertion message. */
function failures(stdout: string, lab: LabState): string {
  const profile = new Map(lab.hosts.map((h) => [h.name, h.bmc?.profile]));
  return stdout
    .split('\n')
    .filter((l) => /^(failed|unreachable): /.test(l))
    .map((l) => `${l} [profile ${profile.get(/\[(.*?)\]/.exec(l)?.[1] ?? '') ?? '?'}]`)
    .join('\n');
}

function stats(lab: LabState, host: LabState['hosts'][number]): Promise<Record<string, unknown>> {
  const ca = readFileSync(lab.bmcCa!);
  return new Promise((resolve, reject) => {
    const req = request({ host: host.bmc!.address, port: host.bmc!.port, path: '/lab/stats', ca, servername: undefined }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('redfish: virtual media, one-time boot and power on 20 lab BMCs of mixed profiles', function () {
  this.timeout(180_000);
  let work: string;
  let lab: LabState;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-redfish-'));
    lab = await labUp({ hosts: 20, dir: join(work, 'lab'), port: 0, bmcPort: 0, bmcProfiles: 'mixed' });
    await writeFile(
      join(work, 'lom.yml'),
      `- name: boot the live ISO through the BMC
  hosts: all
  gather_facts: false
  tasks:
    - name: what the BMC says
      redfish.info:
      register: info
    - name: mount the live ISO
      redfish.virtual_media: { state: inserted, image: "${IMAGE}" }
    - name: boot from it once
      redfish.boot: { target: Cd }
    - name: restart
      redfish.power: { state: restart, timeout: 60 }
`,
    );
  });
  after(async () => {
    await labDown(lab.dir);
    await rm(work, { recursive: true, force: true });
  });

  it('succeeds on every host, one request at a time per BMC, sessions deleted, no password shown', async () => {
    const r = await runCli(['run', 'lom.yml', '-i', lab.inventory, '-vvv'], { cwd: work });
    assert.equal(r.code, 0, failures(r.stdout, lab) + r.stderr);
    const profiles = new Set(lab.hosts.map((h) => h.bmc!.profile));
    assert.ok(profiles.size >= 5, `profiles: ${[...profiles].join(', ')}`);
    for (const h of lab.hosts) {
      const s = await stats(lab, h);
      assert.equal(s.peakConcurrentRequests, 1, `${h.name} (${h.bmc!.profile}) saw ${String(s.peakConcurrentRequests)} requests at once`);
      assert.equal(s.peakSessions, 1, `${h.name}: sessions at once`);
      assert.equal(s.sessions, 0, `${h.name}: a session was left behind`);
      assert.equal((s.media as { image: string }).image, IMAGE);
    }
    const passwords = readdirSync(lab.bmcPasswords!).map((f) => readFileSync(join(lab.bmcPasswords!, f), 'utf8').trim());
    const runs = join(work, '.fleetboot', 'runs');
    const [id] = readdirSync(runs);
    const written = [r.stdout, r.stderr, await readFile(join(runs, id!, 'journal.jsonl'), 'utf8'), ...readdirSync(join(runs, id!, 'hosts')).map((f) => readFileSync(join(runs, id!, 'hosts', f), 'utf8'))].join('\n');
    for (const p of passwords) assert.ok(!written.includes(p), 'a BMC password reached the output, the journal or a log');
  });

  it('a second run changes nothing it need not: the image stays, only the consumed override is set again', async () => {
    const r = await runCli(['run', 'lom.yml', '-i', lab.inventory], { cwd: work });
    assert.equal(r.code, 0, failures(r.stdout, lab) + r.stderr);
    assert.equal((r.stdout.match(/ok: \[node-\d+\] mount the live ISO/g) ?? []).length, 20);
  });
});
