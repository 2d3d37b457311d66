import assert from 'node:assert/strict';
import { RedfishClient } from '../../src/redfish/client.js';
import { discover } from '../../src/redfish/discovery.js';
import type { BmcEndpoint } from '../../src/redfish/types.js';
import { FakeClock, FakeTransport, ROOT, SESSION_CREATED, answer, routes } from './fake-transport.js';

const ENDPOINT: BmcEndpoint = { address: '127.0.0.1', port: 443, user: 'admin', password: 'pw-secret-123', insecure: false };
const S = '/redfish/v1/Systems/1';
const M = '/redfish/v1/Managers/1';

describe('redfish discover (recorded requests)', () => {
  it('reads reset types from ActionInfo first, finds the CD slot under Managers, and selects the vendor rows', async () => {
    const transport = new FakeTransport(routes({
      'GET /redfish/v1/': [answer(200, ROOT)],
      'POST /redfish/v1/SessionService/Sessions': [SESSION_CREATED],
      'GET /redfish/v1/Systems': [answer(200, { Members: [{ '@odata.id': S }] })],
      [`GET ${S}`]: [answer(200, {
        Id: '1', Manufacturer: 'Supermicro', Model: 'X12DPG', PowerState: 'Off',
        Boot: { 'BootSourceOverrideTarget@Redfish.AllowableValues': ['Pxe', 'Cd', 'UsbCd'] },
        Actions: { '#ComputerSystem.Reset': { target: `${S}/Actions/ComputerSystem.Reset`, '@Redfish.ActionInfo': `${S}/ResetActionInfo`, 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'GracefulRestart'] } },
        Links: { ManagedBy: [{ '@odata.id': M }] },
      })],
      [`GET ${S}/ResetActionInfo`]: [answer(200, { Parameters: [{ Name: 'ResetType', AllowableValues: ['On', 'ForceOff'] }] })],
      [`GET ${M}`]: [answer(200, { Id: '1', FirmwareVersion: '01.01.10', VirtualMedia: { '@odata.id': `${M}/VirtualMedia` } })],
      [`GET ${M}/VirtualMedia`]: [answer(200, { Members: [{ '@odata.id': `${M}/VirtualMedia/Floppy1` }, { '@odata.id': `${M}/VirtualMedia/CD1` }] })],
      [`GET ${M}/VirtualMedia/Floppy1`]: [answer(200, { Id: 'Floppy1', MediaTypes: ['Floppy', 'USBStick'] })],
      [`GET ${M}/VirtualMedia/CD1`]: [answer(200, {
        Id: 'CD1', MediaTypes: ['CD', 'DVD'], Inserted: false, ConnectedVia: 'NotConnected',
        Actions: { '#VirtualMedia.InsertMedia': { target: `${M}/VirtualMedia/CD1/Actions/VirtualMedia.InsertMedia` }, '#VirtualMedia.EjectMedia': { target: `${M}/VirtualMedia/CD1/Actions/VirtualMedia.EjectMedia` } },
      }, { allow: 'GET, PATCH' })],
    }));
    const clock = new FakeClock();
    const client = new RedfishClient({ host: 'smc1', endpoint: ENDPOINT, transport, sleep: clock.sleep, now: clock.now });
    const d = await discover(client, ENDPOINT, { inventory: false });
    assert.deepEqual(d.resetTypes, ['On', 'ForceOff']);
    assert.equal(d.virtualMedia?.path, `${M}/VirtualMedia/CD1`);
    assert.equal(d.virtualMedia?.mount, 'insert-action');
    assert.equal(d.virtualMedia?.ejectTarget, `${M}/VirtualMedia/CD1/Actions/VirtualMedia.EjectMedia`);
    assert.equal(d.virtualMedia?.patchAllowed, true);
    assert.equal(d.virtualMediaProblem, undefined);
    assert.deepEqual(d.quirks.map((q) => q.id).sort(), ['resource-in-use', 'session-limit-503', 'supermicro-connected-via', 'supermicro-full-boot', 'supermicro-insert-omit', 'supermicro-usbcd']);
    assert.deepEqual(transport.lines(), [
      'GET /redfish/v1/',
      'POST /redfish/v1/SessionService/Sessions',
      'GET /redfish/v1/Systems',
      `GET ${S}`,
      `GET ${M}`,
      `GET ${S}/ResetActionInfo`,
      `GET ${M}/VirtualMedia`,
      `GET ${M}/VirtualMedia/Floppy1`,
      `GET ${M}/VirtualMedia/CD1`,
    ]);
    assert.equal(transport.maxInFlight, 1);
  });

  it('names the ids when a BMC has several systems and the inventory names none', async () => {
    const transport = new FakeTransport(routes({
      'GET /redfish/v1/': [answer(200, { Systems: ROOT.Systems })],
      'GET /redfish/v1/Systems': [answer(200, { Members: [{ '@odata.id': '/redfish/v1/Systems/A' }, { '@odata.id': '/redfish/v1/Systems/B' }] })],
    }));
    const client = new RedfishClient({ host: 'blade', endpoint: ENDPOINT, transport });
    await assert.rejects(discover(client, ENDPOINT), /^RedfishError: blade: the BMC has 2 ComputerSystems \(A, B\): set bmc.system to one of them$/);
  });
});
