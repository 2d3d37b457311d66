// The Redfish modules' pure decisions, with data: what to send for what the BMC reads now.

import assert from 'node:assert/strict';
import { ModuleFailure } from '../../src/modules/contract.js';
import { planBoot } from '../../src/modules/redfish-boot.js';
import { planPower } from '../../src/modules/redfish-power.js';
import { holds, insertBody, isEmpty } from '../../src/modules/redfish-virtual-media.js';
import { selectQuirks } from '../../src/redfish/quirks.js';

const generic = selectQuirks({ manufacturer: 'Contoso' });
const supermicro = selectQuirks({ manufacturer: 'Supermicro', model: 'X12DPi' });
const hpe = selectQuirks({ manufacturer: 'HPE', model: 'ProLiant DL360 Gen10' });

describe('redfish.power decisions', () => {
  it('does nothing when the state is already there', () => {
    assert.deepEqual(planPower('on', 'On', ['On', 'ForceOff']).resets, []);
    assert.deepEqual(planPower('off', 'Off', undefined).resets, []);
  });
  it('picks the most fitting allowed ResetType', () => {
    assert.deepEqual(planPower('on', 'Off', ['ForceOn', 'ForceOff']).resets, ['ForceOn']);
    assert.deepEqual(planPower('restart', 'On', ['On', 'ForceOff', 'GracefulRestart']).resets, ['GracefulRestart']);
    assert.deepEqual(planPower('cycle', 'On', ['On', 'ForceOff']).resets, ['ForceOff', 'On']);
  });
  it('restarting a host that is off powers it on', () => {
    const p = planPower('restart', 'Off', ['On', 'ForceRestart']);
    assert.deepEqual(p.resets, ['On']);
    assert.equal(p.until, 'On');
  });
  it('names what the BMC allows when nothing fits', () => {
    assert.throws(() => planPower('off', 'On', ['On']), (e: Error) => e instanceof ModuleFailure && /allows On/.test(e.message));
  });
});

describe('redfish.boot decisions', () => {
  const opts = { systemPath: '/redfish/v1/Systems/1', allowedTargets: ['Pxe', 'Cd', 'UsbCd', 'Hdd'], quirks: generic };
  it('sets Cd once, with only what was asked', () => {
    const p = planBoot({ target: 'Cd' }, { enabled: 'Disabled', target: 'None' }, opts);
    assert.equal(p.done, false);
    assert.deepEqual(p.body, { Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Cd' } });
    assert.equal(p.path, '/redfish/v1/Systems/1');
  });
  it('is done when the override is already Once to that target', () => {
    assert.equal(planBoot({ target: 'Cd' }, { enabled: 'Once', target: 'Cd' }, opts).done, true);
  });
  it('sends UsbCd for Cd on Supermicro (a quirk row), with the full triple', () => {
    const p = planBoot({ target: 'Cd' }, { enabled: 'Disabled', target: 'None', mode: 'UEFI' }, { ...opts, quirks: supermicro, model: 'X12DPi' });
    assert.equal(p.target, 'UsbCd');
    assert.equal(p.body.Boot.BootSourceOverrideMode, 'UEFI');
  });
  it('refuses a target the BMC does not allow, listing what it allows', () => {
    assert.throws(() => planBoot({ target: 'UefiHttp' }, {}, opts), /allows Pxe, Cd, UsbCd, Hdd/);
  });
});

describe('redfish.virtual_media decisions', () => {
  it('empty by Inserted, by ConnectedVia, or by no image', () => {
    assert.equal(isEmpty({ inserted: false, image: 'http://x/a.iso' }, generic), true);
    assert.equal(isEmpty({ connectedVia: 'NotConnected', image: 'http://x/a.iso' }, generic), true);
    assert.equal(isEmpty({}, generic), true);
    assert.equal(holds({ image: 'http://x/a.iso', inserted: true, connectedVia: 'URI' }, 'http://x/a.iso', generic), true);
  });
  it('Supermicro keeps the image name after eject: only ConnectedVia tells', () => {
    assert.equal(isEmpty({ image: 'a.iso' }, supermicro), false);
    assert.equal(isEmpty({ image: 'a.iso', connectedVia: 'NotConnected' }, supermicro), true);
  });
  it('inserts with Image alone unless the ActionInfo requires more; never what the BMC refuses', () => {
    assert.deepEqual(insertBody('http://x/a.iso', [], generic), { Image: 'http://x/a.iso' });
    assert.deepEqual(insertBody('https://x/a.iso', ['TransferProtocolType', 'Inserted'], generic), { Image: 'https://x/a.iso', TransferProtocolType: 'HTTPS', Inserted: true });
    assert.deepEqual(insertBody('http://x/a.iso', ['Inserted', 'WriteProtected'], hpe), { Image: 'http://x/a.iso' });
  });
});
