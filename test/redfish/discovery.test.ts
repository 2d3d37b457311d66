import assert from 'node:assert/strict';
import { MissingFieldError, RedfishError } from '../../src/redfish/errors.js';
import {
  chooseSlot,
  parseActionInfo,
  parseMac,
  parseProcessorArchitecture,
  parseServiceRoot,
  parseSystem,
  parseVirtualMedia,
  pickSystem,
  type VirtualMediaSlot,
} from '../../src/redfish/discovery.js';
import { selectQuirks } from '../../src/redfish/quirks.js';

const SYS = '/redfish/v1/Systems/1';

describe('redfish discovery parsers', () => {
  it('reads the service root, deriving the vendor from Oem when Vendor is absent', () => {
    assert.deepEqual(parseServiceRoot({ Systems: { '@odata.id': '/redfish/v1/Systems' }, Oem: { Hpe: {} }, RedfishVersion: '1.6.0' }), {
      systems: '/redfish/v1/Systems', vendor: 'HPE', redfishVersion: '1.6.0',
    });
    assert.equal(parseServiceRoot({ Systems: { '@odata.id': '/s' }, Vendor: 'OpenBMC', Oem: { Hpe: {} } }).vendor, 'OpenBMC');
    assert.throws(() => parseServiceRoot({}), (err: unknown) => err instanceof MissingFieldError && /\/redfish\/v1\/: Systems.@odata.id is missing/.test(err.message));
  });

  it('picks the inventory system, or the only one, and names the ids when ambiguous', () => {
    const two = ['/redfish/v1/Systems/A', '/redfish/v1/Systems/B'];
    assert.equal(pickSystem('n1', two, 'B'), '/redfish/v1/Systems/B');
    assert.equal(pickSystem('n1', ['/redfish/v1/Systems/Only'], undefined), '/redfish/v1/Systems/Only');
    assert.throws(() => pickSystem('n1', two, undefined), (e: unknown) => e instanceof RedfishError && e.message === 'n1: the BMC has 2 ComputerSystems (A, B): set bmc.system to one of them');
    assert.throws(() => pickSystem('n1', two, 'C'), /bmc.system: no ComputerSystem 'C' on this BMC \(it has: A, B\)/);
    assert.throws(() => pickSystem('n1', [], undefined), /lists no ComputerSystem/);
  });

  it('reads a System, keeping unknown enum values and the Settings object', () => {
    const s = parseSystem(SYS, {
      Id: '1',
      Manufacturer: 'Supermicro',
      Model: 'X12',
      PowerState: 'PoweringOnSlowly',
      Boot: { 'BootSourceOverrideTarget@Redfish.AllowableValues': ['Pxe', 'UsbCd', 'FutureThing'] },
      '@Redfish.Settings': { SettingsObject: { '@odata.id': '/redfish/v1/Systems/1/SD' } },
      Actions: { '#ComputerSystem.Reset': { target: '/r', '@Redfish.ActionInfo': '/redfish/v1/Systems/1/ResetActionInfo' } },
      Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/1' }] },
    });
    assert.equal(s.powerState, 'PoweringOnSlowly');
    assert.deepEqual(s.bootTargets, ['Pxe', 'UsbCd', 'FutureThing']);
    assert.equal(s.settingsPath, '/redfish/v1/Systems/1/SD');
    assert.equal(s.resetActionInfo, '/redfish/v1/Systems/1/ResetActionInfo');
    assert.deepEqual(s.managedBy, ['/redfish/v1/Managers/1']);
    assert.equal(s.bootTargets?.includes('Cd'), false);
  });

  it('fails on a missing required field naming its JSON path', () => {
    assert.throws(() => parseSystem(SYS, { Name: 'x' }), (e: unknown) => e instanceof MissingFieldError && e.message.startsWith(`${SYS}: Id is missing`));
    assert.throws(() => parseSystem(SYS, { Id: '1', Actions: { '#ComputerSystem.Reset': {} } }), /Actions.#ComputerSystem.Reset.target is missing/);
    assert.throws(() => parseActionInfo('/ai', {}, 'ResetType'), /\/ai: Parameters is missing/);
  });

  it('reads reset types from an ActionInfo', () => {
    const info = { Parameters: [{ Name: 'Other', AllowableValues: ['x'] }, { Name: 'ResetType', AllowableValues: ['On', 'ForceOff', 'Nmi'] }] };
    assert.deepEqual(parseActionInfo('/ai', info, 'ResetType'), ['On', 'ForceOff', 'Nmi']);
    assert.equal(parseActionInfo('/ai', { Parameters: [] }, 'ResetType'), undefined);
  });

  it('decides how a slot can mount: the action, else PATCH only when Allow says so', () => {
    const body = { Id: 'CD1', MediaTypes: ['CD', 'DVD'], Inserted: false };
    assert.equal(parseVirtualMedia('/vm/CD1', { ...body, Actions: { '#VirtualMedia.InsertMedia': { target: '/vm/CD1/Actions/VirtualMedia.InsertMedia' } } }, undefined, 'Managers').mount, 'insert-action');
    assert.equal(parseVirtualMedia('/vm/CD1', body, 'GET, PATCH', 'Systems').mount, 'patch');
    assert.equal(parseVirtualMedia('/vm/CD1', body, 'GET', 'Systems').mount, 'none');
    assert.equal(parseVirtualMedia('/vm/CD1', body, undefined, 'Systems').mount, 'none');
  });

  const slot = (id: string, over: Partial<VirtualMediaSlot>): VirtualMediaSlot => ({ path: `/vm/${id}`, id, under: 'Managers', mediaTypes: ['CD'], patchAllowed: false, mount: 'insert-action', ...over });

  it('chooses Systems before Managers, CD before DVD-only, action before PATCH; skips vendor-excluded slots', () => {
    assert.equal(chooseSlot([slot('M', {}), slot('S', { under: 'Systems' })], []).slot?.id, 'S');
    assert.equal(chooseSlot([slot('D', { mediaTypes: ['DVD'] }), slot('C', {})], []).slot?.id, 'C');
    assert.equal(chooseSlot([slot('P', { mount: 'patch' }), slot('A', {})], []).slot?.id, 'A');
    assert.equal(chooseSlot([slot('D', { mediaTypes: ['DVD'] })], []).slot?.id, 'D');
    assert.equal(chooseSlot([slot('USB', { mediaTypes: ['USBStick'] })], []).problem, 'no virtual media slot has CD or DVD in MediaTypes: this BMC cannot mount an ISO');
    const lenovo = selectQuirks({ manufacturer: 'Lenovo' });
    assert.equal(chooseSlot([slot('RDOC1', {}), slot('EXT1', { mount: 'patch' })], lenovo).slot?.id, 'EXT1');
    assert.match(chooseSlot([slot('Remote1', {})], lenovo).problem ?? '', /\/vm\/Remote1: cannot take an image URL on this vendor/);
    assert.equal(
      chooseSlot([slot('CD1', { mount: 'none' })], []).problem,
      'no usable CD slot (/vm/CD1: no #VirtualMedia.InsertMedia action and PATCH not in its Allow header): this BMC cannot mount an image',
    );
  });

  it('reads MACs and CPU architectures', () => {
    assert.equal(parseMac({ MACAddress: 'AA-BB-CC-DD-EE-0F' }), 'aa:bb:cc:dd:ee:0f');
    assert.equal(parseMac({ PermanentMACAddress: '12:44:6A:3B:04:11' }), '12:44:6a:3b:04:11');
    assert.equal(parseMac({ MACAddress: '' }), undefined);
    assert.equal(parseProcessorArchitecture({ ProcessorType: 'CPU', ProcessorArchitecture: 'ARM' }), 'ARM');
    assert.equal(parseProcessorArchitecture({ ProcessorType: 'FPGA', ProcessorArchitecture: 'OEM' }), undefined);
  });
});
