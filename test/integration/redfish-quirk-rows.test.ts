// Each vendor quirk row the simulated BMC reproduces, shown to be what makes fleetboot work on
// that vendor's profile: the redfish modules run in-process against one lab with one BMC per
// profile, and where cheap the same step runs without the row to show it then goes wrong.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TaskResult } from '../../src/core/result.js';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import { ModuleFailure, type ModuleContext, type ModuleSpec } from '../../src/modules/contract.js';
import { redfishBootModule } from '../../src/modules/redfish-boot.js';
import { insertBody, redfishVirtualMediaModule } from '../../src/modules/redfish-virtual-media.js';
import { BmcPool, type BmcHandle } from '../../src/redfish/bmc-pool.js';
import { QUIRKS } from '../../src/redfish/quirks.js';

const IMAGE = 'https://127.0.0.1:9443/live/rhcos-live.aarch64.iso';
const IMAGE_B = 'https://127.0.0.1:9443/live/other.iso';
const PROFILES = ['dell', 'hpe', 'supermicro', 'lenovo', 'openbmc', 'ami-ampere', 'generic'] as const;
type Profile = (typeof PROFILES)[number];

/** Rows the simulator does not reproduce yet (each needs a lab fault or a BMC behaviour it lacks). */
const NOT_REPRODUCED: Record<string, string> = {
  'session-limit-503': 'needs the sessionLimit lab fault and a client that never logs out',
  'resource-in-use': 'needs the busyResetMs lab fault',
  'dell-on-after-off-409': 'the simulator does not answer 409 to On right after power-off',
  'hpe-invalid-state': 'the hpe profile has no busy-after-action answer',
  'hpe-during-post': 'the hpe profile has no during-POST answer',
  'supermicro-full-boot': 'the simulator accepts a Boot PATCH without the mode',
  'ami-full-boot': 'the simulator accepts a Boot PATCH without the mode',
  'lenovo-skip-rdoc-remote': 'the lenovo profile has only the EXT1 slot, no RDOC/Remote slots',
};

/** The rows this file tests (each appears in a test title below as `[row-id]`). */
const COVERED = [
  'dell-sys518',
  'dell-insert-after-eject-5xx',
  'dell-eject-before-insert',
  'dell-idrac10-boot-settings',
  'hpe-eject-body',
  'hpe-insert-omit',
  'supermicro-usbcd',
  'supermicro-insert-omit',
  'supermicro-connected-via',
  'ami-boot-settings',
  'openbmc-https-only',
] as const;

interface Stats {
  requests: number;
  sessions: number;
  boot: { enabled?: string; target?: string; mode?: string };
  media: { image: string | null; inserted: boolean };
}

function stats(lab: LabState, host: LabState['hosts'][number]): Promise<Stats> {
  const ca = readFileSync(lab.bmcCa!);
  return new Promise((resolve, reject) => {
    const req = request({ host: host.bmc!.address, port: host.bmc!.port, path: '/lab/stats', ca }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(JSON.parse(text) as Stats));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Only the rows' effects the module reads: drop `ids` from what discovery found. */
function withoutRows(h: BmcHandle, ids: readonly string[]): BmcHandle {
  const discovery = { ...h.discovery, quirks: h.discovery.quirks.filter((r) => !ids.includes(r.id)) };
  return { client: h.client, endpoint: h.endpoint, discovery, rediscover: h.rediscover };
}

describe('redfish quirk rows: each reproduced row makes the modules work on its vendor profile', function () {
  this.timeout(120_000);
  let work: string;
  let lab: LabState;
  let pool: BmcPool;
  /** Every request each client sent, with the answer's status, by host. */
  const answers = new Map<string, string[]>();
  const controller = new AbortController();

  const hostOf = (profile: Profile): LabState['hosts'][number] => {
    const h = lab.hosts.find((x) => x.bmc?.profile === profile);
    assert.ok(h, `no lab host with the ${profile} profile`);
    return h;
  };
  const bmcVar = (h: LabState['hosts'][number]): Record<string, unknown> => ({
    address: h.bmc!.address,
    port: h.bmc!.port,
    user: 'admin',
    password_file: join(lab.bmcPasswords!, h.name),
    ca_file: lab.bmcCa!,
  });

  function ctxFor(profile: Profile, dropRows: readonly string[] = []): ModuleContext {
    const h = hostOf(profile);
    const vars = { bmc: bmcVar(h) };
    const unused = (what: string) => (): never => {
      throw new Error(`${what} is not used by the redfish modules in this test`);
    };
    return {
      host: h.name,
      vars,
      check: false,
      signal: controller.signal,
      ssh: unused('ssh'),
      render: unused('render'),
      evaluate: unused('evaluate'),
      resolvePath: unused('resolvePath'),
      reconnect: unused('reconnect'),
      bmc: async () => {
        const handle = await pool.get(h.name, vars.bmc);
        return dropRows.length ? withoutRows(handle, dropRows) : handle;
      },
      emit: () => undefined,
      addSecret: () => undefined,
    };
  }

  async function run<A>(mod: ModuleSpec<A>, args: A, profile: Profile, dropRows: readonly string[] = []): Promise<TaskResult> {
    return mod.run(args, ctxFor(profile, dropRows));
  }

  async function failureOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    assert.fail('expected the step to fail');
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-quirk-rows-'));
    lab = await labUp({ hosts: PROFILES.length, dir: join(work, 'lab'), port: 0, bmcPort: 0, bmcProfiles: PROFILES.join(',') });
    pool = new BmcPool({
      signal: controller.signal,
      onEvent: (e) => answers.set(e.host, [...(answers.get(e.host) ?? []), `${e.action} ${e.detail ?? ''}`]),
      clientOptions: {
        // The rows ask for waits of seconds; the lab's busy windows are a few hundred milliseconds.
        sleep: (ms, signal) => delay(Math.min(ms, 400), undefined, signal ? { signal } : {}),
      },
    });
  });
  after(async () => {
    if (pool) await pool.closeAll().catch(() => undefined);
    if (lab) await labDown(lab.dir);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every row in QUIRKS is tested here or listed as not reproduced yet', function () {
    const titles = (this.test?.parent?.tests ?? []).map((t) => t.title).join('\n');
    for (const id of COVERED) assert.ok(titles.includes(`[${id}]`), `${id} is listed as covered but no test title names [${id}]`);
    const known = new Set<string>([...COVERED, ...Object.keys(NOT_REPRODUCED)]);
    const missing = QUIRKS.map((r) => r.id).filter((id) => !known.has(id));
    assert.deepEqual(missing, [], `quirk rows with neither a test nor a reason: ${missing.join(', ')}`);
    const stale = [...known].filter((id) => !QUIRKS.some((r) => r.id === id));
    assert.deepEqual(stale, [], `ids here that QUIRKS no longer has: ${stale.join(', ')}`);
    for (const id of COVERED) assert.ok(!(id in NOT_REPRODUCED), `${id} is both covered and listed as not reproduced`);
  });

  it('[dell-eject-before-insert] [dell-sys518] dell: the image mounts and replaces another', async () => {
    const h = hostOf('dell');
    const first = await run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE_B }, 'dell');
    assert.equal(first.failed, false);
    await delay(300); // past the lab's busy window, so that only the insert after the eject meets it
    const r = await run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE }, 'dell');
    assert.equal(r.changed, true);
    assert.deepEqual((await stats(lab, h)).media, { image: IMAGE, inserted: true });
    // The insert right after the eject met SYS518 (a 500) and was sent again.
    const inserts = (answers.get(h.name) ?? []).filter((a) => /InsertMedia/.test(a));
    assert.ok(inserts.some((a) => / 500$/.test(a)), `dell never answered SYS518 to an insert: ${inserts.join('; ')}`);
    assert.match(inserts.at(-1) ?? '', / 20\d$/);
  });

  it('[dell-insert-after-eject-5xx] [dell-sys518] dell: without both retry rows the insert after the eject fails; either one suffices', async () => {
    const h = hostOf('dell');
    const handle = await pool.get(h.name, bmcVar(h));
    const all = handle.discovery.quirks;
    const retryWithout = (ids: string[]): void => handle.client.setQuirks(all.filter((q) => !ids.includes(q.id)));
    try {
      retryWithout(['dell-sys518', 'dell-insert-after-eject-5xx']);
      await delay(300);
      const without = await failureOf(run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE_B }, 'dell'));
      assert.match(without, /500|SYS518/);
      for (const [keep, image] of [['dell-sys518', IMAGE], ['dell-insert-after-eject-5xx', IMAGE_B]] as const) {
        retryWithout(['dell-sys518', 'dell-insert-after-eject-5xx'].filter((id) => id !== keep));
        await delay(300);
        const r = await run(redfishVirtualMediaModule, { state: 'inserted', image }, 'dell');
        assert.equal(r.failed, false, `with only ${keep}`);
        assert.deepEqual((await stats(lab, h)).media, { image, inserted: true }, `with only ${keep}`);
      }
    } finally {
      handle.client.setQuirks(all);
    }
  });

  it('[dell-idrac10-boot-settings] dell: the boot override lands through the Settings object, and not without the row', async () => {
    const h = hostOf('dell');
    const without = await failureOf(run(redfishBootModule, { target: 'Pxe' }, 'dell', ['dell-idrac10-boot-settings']));
    assert.match(without, /SYS011|Settings|400/);
    const r = await run(redfishBootModule, { target: 'Cd' }, 'dell');
    assert.equal(r.changed, true);
    const patches = (answers.get(h.name) ?? []).filter((a) => a.startsWith('PATCH '));
    assert.match(patches.at(-1) ?? '', /\/Settings 20\d$/);
  });

  it('[hpe-insert-omit] [hpe-eject-body] hpe: insert without the refused flags, eject with a {} body', async () => {
    const h = hostOf('hpe');
    const ins = await run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE }, 'hpe');
    assert.equal(ins.changed, true);
    assert.deepEqual((await stats(lab, h)).media, { image: IMAGE, inserted: true });
    // iLO refuses an EjectMedia without a body; the row's `{}` is what the module sends.
    const handle = await pool.get(h.name, bmcVar(h));
    const noBody = await failureOf(handle.client.post(handle.discovery.virtualMedia!.ejectTarget!));
    assert.match(noBody, /415|400/);
    assert.equal((await stats(lab, h)).media.inserted, true);
    const ej = await run(redfishVirtualMediaModule, { state: 'ejected' }, 'hpe');
    assert.equal(ej.changed, true);
    assert.equal((await stats(lab, h)).media.inserted, false);
  });

  for (const [profile, id] of [['hpe', 'hpe-insert-omit'], ['supermicro', 'supermicro-insert-omit']] as const) {
    it(`[${id}] ${profile}: an InsertMedia body with Inserted/WriteProtected is refused; the row strips them`, async () => {
      const h = hostOf(profile);
      const handle = await pool.get(h.name, bmcVar(h));
      const slot = handle.discovery.virtualMedia;
      assert.ok(slot?.insertTarget && slot.ejectTarget, `${profile}: no InsertMedia/EjectMedia action`);
      // As an ActionInfo that marks both required would make the module send them.
      const flags = ['Inserted', 'WriteProtected'];
      await handle.client.post(slot.ejectTarget, {}).catch(() => undefined);
      const without = await failureOf(handle.client.post(slot.insertTarget, insertBody(IMAGE_B, flags, withoutRows(handle, [id]).discovery.quirks)));
      assert.match(without, /400/);
      await handle.client.post(slot.insertTarget, insertBody(IMAGE_B, flags, handle.discovery.quirks));
      assert.deepEqual((await stats(lab, h)).media, { image: IMAGE_B, inserted: true });
      await handle.client.post(slot.ejectTarget, {});
    });
  }

  it('[supermicro-usbcd] supermicro: Cd is sent as UsbCd; without the row it lands as Cd, which boots nothing', async () => {
    const h = hostOf('supermicro');
    await run(redfishBootModule, { target: 'Cd' }, 'supermicro', ['supermicro-usbcd']);
    assert.equal((await stats(lab, h)).boot.target, 'Cd');
    const r = await run(redfishBootModule, { target: 'Cd' }, 'supermicro');
    assert.equal(r.changed, true);
    const s = await stats(lab, h);
    assert.equal(s.boot.target, 'UsbCd');
    assert.equal(s.boot.enabled, 'Once');
  });

  it('[supermicro-insert-omit] [supermicro-connected-via] supermicro: insert, eject, and the stale ImageName is not taken for a mounted image', async () => {
    const h = hostOf('supermicro');
    const ins = await run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE }, 'supermicro');
    assert.equal(ins.changed, true);
    assert.deepEqual((await stats(lab, h)).media, { image: IMAGE, inserted: true });
    const ej = await run(redfishVirtualMediaModule, { state: 'ejected' }, 'supermicro');
    assert.equal(ej.changed, true);
    assert.equal((await stats(lab, h)).media.inserted, false);
    const again = await run(redfishVirtualMediaModule, { state: 'ejected' }, 'supermicro');
    assert.equal(again.changed, false, 'an ejected slot read as still holding its image');
    // The slot still names the image: only ConnectedVia says it is empty, so this is a real insert.
    const re = await run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE }, 'supermicro');
    assert.equal(re.changed, true, 'the stale ImageName was taken for a mounted image');
    assert.deepEqual((await stats(lab, h)).media, { image: IMAGE, inserted: true });
  });

  it('[ami-boot-settings] ami-ampere: the boot override lands through Systems/Self/SD, and not without the row', async () => {
    const h = hostOf('ami-ampere');
    const without = await failureOf(run(redfishBootModule, { target: 'Pxe' }, 'ami-ampere', ['ami-boot-settings']));
    assert.match(without, /OperationSupportedInFutureStateURI|400/);
    const r = await run(redfishBootModule, { target: 'Cd' }, 'ami-ampere');
    assert.equal(r.changed, true);
    const patches = (answers.get(h.name) ?? []).filter((a) => a.startsWith('PATCH '));
    assert.match(patches.at(-1) ?? '', /\/SD 20\d$/);
  });

  it('[openbmc-https-only] openbmc: an http:// image is refused with a one-line reason before any change; https mounts', async () => {
    const h = hostOf('openbmc');
    await pool.get(h.name, bmcVar(h)); // logged in and discovered: what follows is the module's own traffic
    const httpImage = 'http://127.0.0.1:9080/live/rhcos-live.aarch64.iso';
    const before = (answers.get(h.name) ?? []).length;
    let err: unknown;
    try {
      await run(redfishVirtualMediaModule, { state: 'inserted', image: httpImage }, 'openbmc');
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ModuleFailure, `expected a ModuleFailure, got ${String(err)}`);
    assert.match(err.message, /only https:\/\/ or smb:\/\/ images, not http:\/\//);
    assert.ok(!err.message.includes('\n'));
    const sent = (answers.get(h.name) ?? []).slice(before);
    assert.ok(sent.every((a) => a.startsWith('GET ')), `requests sent for a refused image: ${sent.join('; ')}`);
    assert.deepEqual((await stats(lab, h)).media.image, null);
    const r = await run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE }, 'openbmc');
    assert.equal(r.changed, true);
    assert.deepEqual((await stats(lab, h)).media, { image: IMAGE, inserted: true });
  });
});
