// Base.ResourceInUse ("in use or in transition", e.g. during POST) is waited out on the System's
// reset and boot PATCH, on any vendor; an InsertMedia "in use" (an image is mounted) is not.

import assert from 'node:assert/strict';
import { ALL_RETRY_ROWS, matchTransient } from '../../src/redfish/quirks.js';

const inUse = { texts: ['Base.1.16.ResourceInUse'], requestBody: undefined };

describe('redfish quirks: Base.ResourceInUse', () => {
  it('retries a boot PATCH refused during POST (400) and a reset refused (409)', () => {
    assert.equal(matchTransient(ALL_RETRY_ROWS, { ...inUse, method: 'PATCH', path: '/redfish/v1/Systems/1', status: 400 })?.id, 'resource-in-use');
    assert.equal(matchTransient(ALL_RETRY_ROWS, { ...inUse, method: 'PATCH', path: '/redfish/v1/Systems/1/Settings', status: 400 })?.id, 'resource-in-use');
    const reset = { ...inUse, method: 'POST', path: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', status: 409, requestBody: { ResetType: 'ForceRestart' } };
    assert.equal(matchTransient(ALL_RETRY_ROWS, reset)?.id, 'resource-in-use');
  });

  it('does not retry InsertMedia on a slot in use, nor other messages', () => {
    const insert = { ...inUse, method: 'POST', path: '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', status: 409 };
    assert.equal(matchTransient(ALL_RETRY_ROWS, insert), undefined);
    assert.equal(matchTransient(ALL_RETRY_ROWS, { method: 'PATCH', path: '/redfish/v1/Systems/1', status: 400, texts: ['Base.1.16.PropertyValueNotInList'], requestBody: undefined }), undefined);
  });
});
