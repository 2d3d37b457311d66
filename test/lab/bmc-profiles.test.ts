import assert from 'node:assert/strict';
import { at, call, startTestBmc, until, type TestBmc } from './bmc-client.js';

const ISO = 'https://127.0.0.1:9/live.iso';

async function withBmc(profile: Parameters<typeof startTestBmc>[0], body: (b: TestBmc) => Promise<void>, opts: Parameters<typeof startTestBmc>[1] = {}): Promise<void> {
  const b = await startTestBmc(profile, opts);
  try {
    await body(b);
  } finally {
    await b.close();
  }
}

describe('simulated BMC: vendor profiles', function () {
  this.timeout(30_000);
  it('dell: vmedia under Systems/System.Embedded.1/VirtualMedia/1, SYS518 just after an action, stale Inserted after eject, Boot via @Redfish.Settings', async () =>
    withBmc('dell', async (b) => {
      const o = { basic: b.basic };
      const sys = (await call(b, 'GET', '/redfish/v1/Systems/System.Embedded.1', o)).json;
      assert.equal(at(sys, 'VirtualMedia/@odata.id'), '/redfish/v1/Systems/System.Embedded.1/VirtualMedia');
      const vm = '/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1';
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO, Inserted: true, WriteProtected: true } })).status, 204);
      const busy = await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, { ...o, body: {} });
      assert.equal(busy.status, 500);
      assert.match(String(at(busy.json, 'error/message')), /SYS518/);
      await until(async () => (await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, { ...o, body: {} })).status === 204, 10_000);
      const stale = (await call(b, 'GET', vm, o)).json;
      assert.deepEqual([stale.Inserted, stale.Image], [true, ISO], 'iDRAC still shows the old image right after eject');
      await until(async () => (await call(b, 'GET', vm, o)).json.Inserted === false, 10_000);

      const boot = { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } };
      // Once iDRAC is no longer busy (SYS518), a plain PATCH of Boot is refused: it goes through the Settings object.
      await until(async () => (await call(b, 'PATCH', '/redfish/v1/Systems/System.Embedded.1', { ...o, body: boot })).status !== 500, 10_000);
      const plain = await call(b, 'PATCH', '/redfish/v1/Systems/System.Embedded.1', { ...o, body: boot });
      assert.equal(plain.status, 400);
      assert.match(String(at(plain.json, 'error/code')), /SYS011$/);
      const settings = String(at(sys, '@Redfish.Settings/SettingsObject/@odata.id'));
      assert.equal(settings, '/redfish/v1/Systems/System.Embedded.1/Settings');
      await until(async () => (await call(b, 'PATCH', settings, { ...o, body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } } })).status === 200, 10_000);
      assert.equal(at((await call(b, 'GET', '/redfish/v1/Systems/System.Embedded.1', o)).json, 'Boot/BootSourceOverrideEnabled'), 'Once');
    }, {
      // Windows long enough that "right after" holds on a loaded machine; the test waits them out.
      quirks: { staleAfterEjectMs: 2000, busyAfterAction: { ms: 2000, messageId: 'IDRAC.2.9.SYS518', message: 'iDRAC is not ready. SYS518' } },
    }));

  it('hpe: no Vendor but Oem.Hpe in the root; EjectMedia without a body → 415, with {} → 204; Inserted/WriteProtected refused', async () =>
    withBmc('hpe', async (b) => {
      const o = { basic: b.basic };
      const root = (await call(b, 'GET', '/redfish/v1/')).json;
      assert.equal(root.Vendor, undefined);
      assert.ok(at(root, 'Oem/Hpe'));
      const vm = '/redfish/v1/Managers/1/VirtualMedia/2';
      const flags = await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO, Inserted: true } });
      assert.equal(flags.status, 400);
      assert.match(String(at(flags.json, 'error/code')), /PropertyUnknown$/);
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO } })).status, 204);
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, o)).status, 415);
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, { ...o, body: {} })).status, 204);
    }));

  it('supermicro: Inserted refused, UsbCd allowed, Image stays after eject and only ConnectedVia says NotConnected', async () =>
    withBmc('supermicro', async (b) => {
      const o = { basic: b.basic };
      const sys = (await call(b, 'GET', '/redfish/v1/Systems/1', o)).json;
      assert.ok((at(sys, 'Boot/BootSourceOverrideTarget@Redfish.AllowableValues') as string[]).includes('UsbCd'));
      const vm = '/redfish/v1/Managers/1/VirtualMedia/CD1';
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO, WriteProtected: true } })).status, 400);
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO } })).status, 204);
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, { ...o, body: {} })).status, 204);
      const after = (await call(b, 'GET', vm, o)).json;
      assert.deepEqual([after.Image, after.ImageName, after.ConnectedVia], [ISO, 'live.iso', 'NotConnected']);
      assert.equal((await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body: { Boot: { BootSourceOverrideTarget: 'UsbCd', BootSourceOverrideEnabled: 'Once' } } })).status, 200);
    }));

  it('lenovo: PATCH without If-Match → 428, with it → 200', async () =>
    withBmc('lenovo', async (b) => {
      const o = { basic: b.basic };
      const body = { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } };
      assert.equal((await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body })).status, 428);
      const etag = String((await call(b, 'GET', '/redfish/v1/Systems/1', o)).headers.etag);
      assert.equal((await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body, headers: { 'If-Match': etag } })).status, 200);
    }));

  it('openbmc: vmedia under Managers/bmc, http:// images refused, https:// taken', async () =>
    withBmc('openbmc', async (b) => {
      const o = { basic: b.basic };
      const mgr = (await call(b, 'GET', '/redfish/v1/Managers/bmc', o)).json;
      assert.equal(at(mgr, 'VirtualMedia/@odata.id'), '/redfish/v1/Managers/bmc/VirtualMedia');
      // Proxy slots (Slot_0, Slot_1) have EjectMedia only: no InsertMedia to call.
      const proxy = (await call(b, 'GET', '/redfish/v1/Managers/bmc/VirtualMedia/Slot_0', o)).json;
      assert.equal(at(proxy, 'Actions/#VirtualMedia.InsertMedia'), undefined);
      assert.ok(at(proxy, 'Actions/#VirtualMedia.EjectMedia/target'));
      assert.equal((await call(b, 'POST', '/redfish/v1/Managers/bmc/VirtualMedia/Slot_0/Actions/VirtualMedia.InsertMedia', { ...o, body: { Image: ISO } })).status, 404);
      const vm = '/redfish/v1/Managers/bmc/VirtualMedia/Slot_2';
      const method = await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO, TransferMethod: 'Upload' } });
      assert.equal(method.status, 400);
      const http = await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: 'http://127.0.0.1:9/live.iso' } });
      assert.equal(http.status, 400);
      assert.match(String(at(http.json, 'error/code')), /ResourceAtUriInUnknownFormat$/);
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO } })).status, 204);
    }));

  it('ami-ampere: an Ampere Altra aarch64 board; Boot only through Systems/Self/SD', async () =>
    withBmc('ami-ampere', async (b) => {
      const o = { basic: b.basic };
      const sys = (await call(b, 'GET', '/redfish/v1/Systems/Self', o)).json;
      assert.equal(at(sys, 'ProcessorSummary/Architecture'), undefined, 'a Processor property, not the summary\'s');
      const cpu = (await call(b, 'GET', '/redfish/v1/Systems/Self/Processors/CPU1', o)).json;
      assert.equal(at(cpu, 'ProcessorArchitecture'), 'ARM');
      assert.equal(at(cpu, 'InstructionSet'), 'ARM-A64');
      assert.match(String(at(sys, 'ProcessorSummary/Model')), /Ampere\(R\) Altra/);
      const body = { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } };
      const plain = await call(b, 'PATCH', '/redfish/v1/Systems/Self', { ...o, body });
      assert.equal(plain.status, 400);
      assert.match(String(at(plain.json, 'error/code')), /OperationSupportedInFutureStateURI$/);
      assert.equal((await call(b, 'PATCH', '/redfish/v1/Systems/Self/SD', { ...o, body })).status, 200);
      assert.equal((await call(b, 'POST', '/redfish/v1/Systems/Self/Actions/ComputerSystem.Reset', { ...o, body: { ResetType: 'On' } })).status, 204);
      await until(async () => at((await call(b, 'GET', '/redfish/v1/Systems/Self', o)).json, 'PowerState') === 'On');
      assert.equal(b.service.getStats().boots[0]?.source, 'Cd');
      assert.equal(at((await call(b, 'GET', '/redfish/v1/Systems/Self', o)).json, 'Boot/BootSourceOverrideEnabled'), 'Disabled');
    }));

  it('lenovo: RDOC/Remote slots refuse an URL; EXT slots have no InsertMedia and mount by PATCH only with Inserted: true', async () =>
    withBmc('lenovo', async (b) => {
      const o = { basic: b.basic };
      const vms = '/redfish/v1/Managers/1/VirtualMedia';
      const ids = ((await call(b, 'GET', vms, o)).json.Members as { '@odata.id': string }[]).map((m) => m['@odata.id'].split('/').pop());
      assert.deepEqual(ids, ['RDOC1', 'RDOC2', 'EXT1', 'EXT2', 'EXT3', 'EXT4', 'Remote1', 'Remote2', 'Remote3', 'Remote4']);
      const rdoc = await call(b, 'POST', `${vms}/RDOC1/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: ISO } });
      assert.equal(rdoc.status, 400);
      const ext = await call(b, 'GET', `${vms}/EXT1`, o);
      assert.equal(at(ext.json, 'Actions'), undefined);
      assert.match(String(ext.headers.allow), /PATCH/);
      const patch = (body: unknown, etag: string): ReturnType<typeof call> => call(b, 'PATCH', `${vms}/EXT1`, { ...o, body, headers: { 'If-Match': etag } });
      // Image alone: stored, nothing attaches.
      const alone = await patch({ Image: ISO }, String(ext.headers.etag));
      assert.equal(alone.status, 200);
      assert.equal(b.service.getStats().media.inserted, false);
      const full = await patch({ Image: ISO, Inserted: true, WriteProtected: true }, String(alone.headers.etag));
      assert.equal(full.status, 200);
      assert.deepEqual(b.service.getStats().media, { image: ISO, inserted: true });
      const out = await patch({ Image: null, Inserted: false }, String(full.headers.etag));
      assert.equal(out.status, 200);
      assert.equal(b.service.getStats().media.inserted, false);
    }));

  it('hpe: BootSourceOverrideMode is read-only (a change → 400 PropertyNotWritable); Registries answer 406 to Accept-Encoding: identity', async () =>
    withBmc('hpe', async (b) => {
      const o = { basic: b.basic };
      const mode = await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body: { Boot: { BootSourceOverrideMode: 'Legacy' } } });
      assert.equal(mode.status, 400);
      assert.match(String(at(mode.json, 'error/code')), /PropertyNotWritable$/);
      const same = await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body: { Boot: { BootSourceOverrideMode: 'UEFI', BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } } });
      assert.equal(same.status, 200);
      const identity = await call(b, 'GET', '/redfish/v1/Registries', { ...o, headers: { 'Accept-Encoding': 'identity' } });
      assert.equal(identity.status, 406);
      assert.ok(at(identity.json, 'error/code'));
      assert.equal((await call(b, 'GET', '/redfish/v1/Registries', { ...o, headers: { 'Accept-Encoding': 'gzip, deflate' } })).status, 200);
      assert.equal((await call(b, 'GET', '/redfish/v1/Systems', { ...o, headers: { 'Accept-Encoding': 'identity' } })).status, 200);
    }));

  it('generic: Registries answer Accept-Encoding: identity (the 406 is HPE\'s)', async () =>
    withBmc('generic', async (b) => {
      assert.equal((await call(b, 'GET', '/redfish/v1/Registries', { basic: b.basic, headers: { 'Accept-Encoding': 'identity' } })).status, 200);
    }));

  it('supermicro: the virtual CD boots only as UsbCd; a Cd boot is the physical drive and reads no image', async () =>
    withBmc('supermicro', async (b) => {
      const o = { basic: b.basic };
      const seen: boolean[] = [];
      b.service.onBoot((boot) => seen.push(boot.virtualCd));
      await call(b, 'POST', '/redfish/v1/Managers/1/VirtualMedia/CD1/Actions/VirtualMedia.InsertMedia', { ...o, body: { Image: 'http://127.0.0.1:9/live.iso' } });
      for (const target of ['Cd', 'UsbCd']) {
        const body = { Boot: { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } };
        assert.equal((await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body })).status, 200);
        await call(b, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ...o, body: { ResetType: 'ForceRestart' } });
        const n = seen.length;
        await until(async () => seen.length > n);
      }
      assert.deepEqual(seen, [false, true]);
    }));
});
