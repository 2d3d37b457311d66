// Each vendor quirk row the simulated BMC reproduces, shown to be what makes fleetboot work on
// that vendor's profile: the redfish modules run in-process against one lab with one BMC per
// profile, and where cheap the same step runs without the row to show it then goes wrong.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TaskResult } from '../../src/core/result.js';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import { ModuleFailure, type ModuleContext, type ModuleSpec } from '../../src/modules/contract.js';
import { redfishBootModule } from '../../src/modules/redfish-boot.js';
import { redfishPowerModule } from '../../src/modules/redfish-power.js';
import { insertBody, redfishVirtualMediaModule } from '../../src/modules/redfish-virtual-media.js';
import { BmcPool, type BmcHandle } from '../../src/redfish/bmc-pool.js';
import { chooseSlot } from '../../src/redfish/discovery.js';
import { ALL_RETRY_ROWS, QUIRKS } from '../../src/redfish/quirks.js';
import { call, startTestBmc, until, type TestBmc } from '../lab/bmc-client.js';

const IMAGE = 'https://127.0.0.1:9443/live/rhcos-live.aarch64.iso';
const IMAGE_B = 'https://127.0.0.1:9443/live/other.iso';
const PROFILES = ['dell', 'hpe', 'supermicro', 'lenovo', 'openbmc', 'ami-ampere', 'generic'] as const;
type Profile = (typeof PROFILES)[number];

/** Rows the simulator does not reproduce yet (each needs a lab fault or a BMC behaviour it lacks). */
const NOT_REPRODUCED: Record<string, string> = {};

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
  'session-limit-503',
  'resource-in-use',
  'dell-on-after-off-409',
  'hpe-invalid-state',
  'hpe-during-post',
  'supermicro-full-boot',
  'ami-full-boot',
  'lenovo-skip-rdoc-remote',
] as const;

interface Stats {
  requests: number;
  sessions: number;
  boot: { enabled?: string; target?: string; mode?: string };
  media: { image: string | null; inserted: boolean };
  slots: { id: string; image: string | null; inserted: boolean }[];
  power: string;
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

/** Only the rows' effects the module reads: drop `ids` from what discovery found (and the slot it chose by them). */
function withoutRows(h: BmcHandle, ids: readonly string[]): BmcHandle {
  const quirks = h.discovery.quirks.filter((r) => !ids.includes(r.id));
  const { virtualMedia: _slot, virtualMediaProblem: _problem, ...rest } = h.discovery;
  const choice = chooseSlot(h.discovery.cdSlots, quirks);
  const discovery = { ...rest, quirks, ...(choice.slot ? { virtualMedia: choice.slot } : {}), ...(choice.problem ? { virtualMediaProblem: choice.problem } : {}) };
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
    return ctxOf(h.name, bmcVar(h), pool, dropRows);
  }

  function ctxOf(name: string, bmc: Record<string, unknown>, from: BmcPool, dropRows: readonly string[] = []): ModuleContext {
    const vars = { bmc };
    const unused = (what: string) => (): never => {
      throw new Error(`${what} is not used by the redfish modules in this test`);
    };
    return {
      host: name,
      vars,
      check: false,
      signal: controller.signal,
      ssh: unused('ssh'),
      render: unused('render'),
      evaluate: unused('evaluate'),
      resolvePath: unused('resolvePath'),
      artifacts: unused('artifacts'),
      cluster: unused('cluster'),
      reconnect: unused('reconnect'),
      bmc: async () => {
        const handle = await from.get(name, vars.bmc);
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
    const titlesOf = (suite: Mocha.Suite): string[] => [...suite.tests.map((t) => t.title), ...suite.suites.flatMap(titlesOf)];
    const parent = this.test?.parent;
    const titles = (parent ? titlesOf(parent) : []).join('\n');
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
    // Offered at both URLs, the image goes in through the one this BMC can mount.
    const r = await run(redfishVirtualMediaModule, { state: 'inserted', image: [httpImage, IMAGE] }, 'openbmc');
    assert.equal(r.changed, true);
    assert.equal(r.image, IMAGE);
    assert.deepEqual((await stats(lab, h)).media, { image: IMAGE, inserted: true });
  });

  it('[lenovo-skip-rdoc-remote] lenovo: the image goes to an EXT slot by PATCH; without the row RDOC1 is chosen and refuses the URL', async () => {
    const h = hostOf('lenovo');
    const without = await failureOf(run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE_B }, 'lenovo', ['lenovo-skip-rdoc-remote']));
    assert.match(without, /RDOC1.*400|ActionParameterNotSupported/);
    const r = await run(redfishVirtualMediaModule, { state: 'inserted', image: IMAGE }, 'lenovo');
    assert.equal(r.changed, true);
    assert.match(String(r.slot), /\/EXT1$/);
    const s = await stats(lab, h);
    assert.deepEqual(s.slots.filter((x) => x.inserted).map((x) => [x.id, x.image]), [['EXT1', IMAGE]]);
    // No InsertMedia there: the mount was a PATCH of the slot (with If-Match, or the XCC says 428).
    const sent = answers.get(h.name) ?? [];
    assert.ok(sent.some((a) => /^PATCH \S+\/EXT1 200$/.test(a)), sent.join('; '));
    assert.ok(!sent.some((a) => /EXT1.*428/.test(a)));
    const ej = await run(redfishVirtualMediaModule, { state: 'ejected' }, 'lenovo');
    assert.equal(ej.changed, true);
    assert.equal((await stats(lab, h)).media.inserted, false);
  });

  it('[supermicro-full-boot] supermicro: the mode is sent with the target and stays UEFI; without the row it falls back to Legacy', async () => {
    const h = hostOf('supermicro');
    await run(redfishBootModule, { target: 'Hdd', mode: 'UEFI' }, 'supermicro');
    assert.equal((await stats(lab, h)).boot.mode, 'UEFI');
    const r = await run(redfishBootModule, { target: 'Pxe' }, 'supermicro');
    assert.equal(r.changed, true);
    assert.deepEqual((await stats(lab, h)).boot, { enabled: 'Once', target: 'Pxe', mode: 'UEFI' });
    await run(redfishBootModule, { target: 'Hdd' }, 'supermicro', ['supermicro-full-boot']);
    assert.equal((await stats(lab, h)).boot.mode, 'Legacy', 'a target without the mode put the mode back to Legacy');
    await run(redfishBootModule, { target: 'Hdd', mode: 'UEFI' }, 'supermicro');
  });

  it('[ami-full-boot] ami-ampere: a Boot PATCH without the mode is refused; the row sends the full triple', async () => {
    const h = hostOf('ami-ampere');
    const without = await failureOf(run(redfishBootModule, { target: 'Hdd' }, 'ami-ampere', ['ami-full-boot']));
    assert.match(without, /PropertyMissing|BootSourceOverrideMode/);
    const r = await run(redfishBootModule, { target: 'Hdd' }, 'ami-ampere');
    assert.equal(r.changed, true);
    assert.deepEqual((await stats(lab, h)).boot, { enabled: 'Once', target: 'Hdd', mode: 'UEFI' });
  });

  /** The System's reset target and a poll of its PowerState, through the pooled client. */
  async function resetHelpers(profile: Profile): Promise<{ handle: BmcHandle; reset: (type: string) => Promise<unknown>; waitPower: (state: string) => Promise<void> }> {
    const h = hostOf(profile);
    const handle = await pool.get(h.name, bmcVar(h));
    const sys = handle.discovery.system;
    return {
      handle,
      reset: (type) => handle.client.post(sys.resetTarget!, { ResetType: type }),
      waitPower: (state) => until(async () => (await handle.client.getObject(sys.path)).body.PowerState === state, 10_000),
    };
  }

  it('[dell-on-after-off-409] dell: power On right after power-off answers 409 and is sent again; without the row it fails', async () => {
    const { handle, reset, waitPower } = await resetHelpers('dell');
    const all = handle.discovery.quirks;
    const powerOnNow = async (): Promise<void> => {
      await delay(400);
      if ((await handle.client.getObject(handle.discovery.system.path)).body.PowerState !== 'On') await reset('On');
      await waitPower('On');
      await delay(300);
    };
    try {
      await powerOnNow();
      await reset('ForceOff');
      await waitPower('Off');
      handle.client.setQuirks(all.filter((q) => q.id !== 'dell-on-after-off-409'));
      assert.match(await failureOf(reset('On')), /409.*ActionParameterValueConflict/);
      handle.client.setQuirks(all);
      await powerOnNow();
      await reset('ForceOff');
      await waitPower('Off');
      const r = await run(redfishPowerModule, { state: 'on', timeout: 30 }, 'dell');
      assert.equal(r.changed, true);
      const sent = answers.get(hostOf('dell').name) ?? [];
      assert.match(sent.filter((a) => /ComputerSystem\.Reset/.test(a)).slice(-2).join('; '), /409; .* 20\d$/);
    } finally {
      handle.client.setQuirks(all);
    }
  });

  it('[hpe-invalid-state] hpe: an action right after a reset gets InvalidOperationForSystemState and is sent again; without the row it fails', async () => {
    const { handle, reset, waitPower } = await resetHelpers('hpe');
    const all = handle.discovery.quirks;
    try {
      if ((await handle.client.getObject(handle.discovery.system.path)).body.PowerState !== 'On') await reset('On');
      await waitPower('On');
      await delay(400);
      handle.client.setQuirks(all.filter((q) => q.id !== 'hpe-invalid-state'));
      await reset('ForceRestart');
      assert.match(await failureOf(reset('ForceRestart')), /400.*InvalidOperationForSystemState/);
      await waitPower('On');
      await delay(400);
      handle.client.setQuirks(all);
      const before = (answers.get(hostOf('hpe').name) ?? []).length;
      await reset('ForceRestart');
      await reset('ForceRestart');
      const sent = (answers.get(hostOf('hpe').name) ?? []).slice(before).filter((a) => /ComputerSystem\.Reset/.test(a));
      assert.ok(sent.some((a) => / 400$/.test(a)), `never refused: ${sent.join('; ')}`);
      assert.equal(sent.filter((a) => / 20\d$/.test(a)).length, 2, sent.join('; '));
    } finally {
      handle.client.setQuirks(all);
    }
  });

  it('[hpe-during-post] hpe: a boot override during POST gets UnableToModifyDuringSystemPOST and is sent again; without the row it fails', async () => {
    const { handle, reset, waitPower } = await resetHelpers('hpe');
    const all = handle.discovery.quirks;
    await waitPower('On');
    await delay(400);
    await reset('ForceRestart');
    await waitPower('On'); // POST runs now, for a few hundred milliseconds
    handle.client.setQuirks(all.filter((q) => q.id !== 'hpe-during-post'));
    const without = await failureOf(run(redfishBootModule, { target: 'Pxe' }, 'hpe')).finally(() => handle.client.setQuirks(all));
    assert.match(without, /UnableToModifyDuringSystemPOST/);
    await delay(400);
    await reset('ForceRestart');
    await waitPower('On');
    const r = await run(redfishBootModule, { target: 'Cd' }, 'hpe');
    assert.equal(r.changed, true);
    const patches = (answers.get(hostOf('hpe').name) ?? []).filter((a) => a.startsWith('PATCH '));
    assert.match(patches.slice(-2).join('; '), / 400; .* 20\d$/);
  });

  it('hpe (profile, no row): BootSourceOverrideMode is read-only: another mode is refused with a one-line reason, the same mode is fine', async () => {
    const bad = await failureOf(run(redfishBootModule, { target: 'Hdd', mode: 'Legacy' }, 'hpe'));
    assert.match(bad, /PropertyNotWritable/);
    assert.ok(!bad.includes('\n'));
    await delay(400);
    const r = await run(redfishBootModule, { target: 'Hdd', mode: 'UEFI' }, 'hpe');
    assert.equal(r.failed, false);
  });

  describe('rows that need a BMC fault (in-process BMCs with the lab\'s faults)', () => {
    let bmcs: TestBmc[] = [];
    const pools: BmcPool[] = [];
    const capped = (ms: number, signal?: AbortSignal): Promise<void> => delay(Math.min(ms, 400), undefined, signal ? { signal } : {});

    async function varsOf(b: TestBmc, name: string): Promise<Record<string, unknown>> {
      await writeFile(join(work, `${name}-password`), `${b.password}\n`, { mode: 0o600 });
      await writeFile(join(work, `${name}-ca.pem`), b.ca);
      return { address: b.address, port: b.port, user: 'admin', password_file: join(work, `${name}-password`), ca_file: join(work, `${name}-ca.pem`) };
    }
    function newPool(clientOptions: NonNullable<ConstructorParameters<typeof BmcPool>[0]>['clientOptions'] = {}): BmcPool {
      const p = new BmcPool({
        signal: controller.signal,
        onEvent: (e) => answers.set(e.host, [...(answers.get(e.host) ?? []), `${e.action} ${e.detail ?? ''}`]),
        clientOptions: { sleep: capped, ...clientOptions },
      });
      pools.push(p);
      return p;
    }
    afterEach(async () => {
      for (const p of pools.splice(0)) await p.closeAll().catch(() => undefined);
      for (const b of bmcs.splice(0)) await b.close();
    });

    it('[session-limit-503] a BMC whose only session a crashed client holds: login waits until it expires; without the row it fails', async () => {
      const b = await startTestBmc('generic', { faults: { sessionLimit: 1 }, sessionTimeoutSec: 1 });
      bmcs = [b];
      const vars = await varsOf(b, 'sessions');
      // A client that logged in and went away without logging out.
      assert.equal((await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: b.password } })).status, 201);
      // No generic 503 retries (retries: 0): only the row waits.
      const noRow = newPool({ retries: 0, quirks: ALL_RETRY_ROWS.filter((r) => r.id !== 'session-limit-503') });
      const without = await failureOf(redfishVirtualMediaModule.run({ state: 'inserted', image: IMAGE }, ctxOf('bmc-sessions', vars, noRow)));
      assert.match(without, /503.*SessionLimitExceeded/);
      const withRow = newPool({ retries: 0 });
      const r = await redfishVirtualMediaModule.run({ state: 'inserted', image: IMAGE }, ctxOf('bmc-sessions', vars, withRow));
      assert.equal(r.changed, true);
      const s = b.service.getStats();
      assert.ok(s.sessionsExpired >= 1, 'the crashed client\'s session expired');
      assert.ok(s.peakSessions <= 1);
    });

    it('[resource-in-use] a reset during POST answers 409 Base.ResourceInUse and is sent again; without the row it fails', async () => {
      const b = await startTestBmc('generic', { faults: { busyResetMs: 800 }, powerDelayMs: 50 });
      bmcs = [b];
      const vars = await varsOf(b, 'post');
      const p = newPool();
      const handle = await p.get('bmc-post', vars);
      const sys = handle.discovery.system;
      const all = handle.discovery.quirks;
      const onAndInPost = async (): Promise<void> => {
        await handle.client.post(sys.resetTarget!, { ResetType: 'ForceRestart' }).catch(() => undefined);
        await until(async () => (await handle.client.getObject(sys.path)).body.PowerState === 'On', 10_000);
      };
      await until(async () => b.service.machine.postUntil < Date.now()).catch(() => undefined);
      await onAndInPost();
      handle.client.setQuirks(all.filter((q) => q.id !== 'resource-in-use'));
      assert.match(await failureOf(handle.client.post(sys.resetTarget!, { ResetType: 'ForceRestart' })), /409.*ResourceInUse/);
      handle.client.setQuirks(all);
      await until(async () => b.service.machine.postUntil < Date.now());
      await onAndInPost();
      const r = await redfishPowerModule.run({ state: 'restart', timeout: 30 }, ctxOf('bmc-post', vars, p));
      assert.equal(r.changed, true);
      const resets = (answers.get('bmc-post') ?? []).filter((a) => /ComputerSystem\.Reset/.test(a));
      assert.match(resets.slice(-2).join('; '), /409; .* 20\d$/);
    });
  });
});
