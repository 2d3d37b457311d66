import assert from 'node:assert/strict';
import { at, call, startTestBmc, until } from './bmc-client.js';

describe('simulated BMC: faults and stats', function () {
  this.timeout(30_000);
  it('bmc_503_burst: the next N requests answer 503 with Retry-After and a Redfish error, then it recovers', async () => {
    const b = await startTestBmc('generic', { faults: { burst503: 2 } });
    try {
      for (let i = 0; i < 2; i++) {
        const a = await call(b, 'GET', '/redfish/v1/');
        assert.equal(a.status, 503);
        assert.equal(a.headers['retry-after'], '1');
        assert.match(String(at(a.json, 'error/code')), /ServiceTemporarilyUnavailable$/);
      }
      assert.equal((await call(b, 'GET', '/redfish/v1/')).status, 200);
    } finally {
      await b.close();
    }
  });

  it('bmc_session_limit: one session, the second gets 503', async () => {
    const b = await startTestBmc('generic', { faults: { sessionLimit: 1 } });
    try {
      const login = { body: { UserName: 'admin', Password: b.password } };
      assert.equal((await call(b, 'POST', '/redfish/v1/SessionService/Sessions', login)).status, 201);
      assert.equal((await call(b, 'POST', '/redfish/v1/SessionService/Sessions', login)).status, 503);
      assert.equal(b.service.getStats().peakSessions, 1);
    } finally {
      await b.close();
    }
  });

  it('bmc_two_at_once: refuse (with bmc_slow_ms): of two overlapping requests one is refused; the peak is recorded', async () => {
    const b = await startTestBmc('generic', { faults: { twoAtOnce: 'refuse', slowMs: 1500 } });
    try {
      assert.equal((await call(b, 'GET', '/lab/stats')).json.peakConcurrentRequests, 0);
      assert.equal((await call(b, 'GET', '/redfish/v1/')).status, 200);
      assert.equal((await call(b, 'GET', '/lab/stats')).json.peakConcurrentRequests, 1, 'one at a time so far');
      const both = await Promise.all([call(b, 'GET', '/redfish/v1/'), call(b, 'GET', '/redfish/v1/')]);
      assert.deepEqual(both.map((a) => a.status).sort(), [200, 503]);
      const stats = (await call(b, 'GET', '/lab/stats')).json;
      assert.equal(stats.peakConcurrentRequests, 2);
      assert.equal(stats.requests, 3, '/lab/stats is not counted');
    } finally {
      await b.close();
    }
  });

  it('bmc_busy_reset: a reset during POST (after a boot) is refused (iLO: 400 InvalidOperationForSystemState)', async () => {
    const b = await startTestBmc('hpe', { faults: { busyResetMs: 60_000 } });
    try {
      const o = { basic: b.basic };
      const reset = '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset';
      assert.equal((await call(b, 'POST', reset, { ...o, body: { ResetType: 'On' } })).status, 204);
      await until(async () => at((await call(b, 'GET', '/redfish/v1/Systems/1', o)).json, 'PowerState') === 'On');
      const refused = await call(b, 'POST', reset, { ...o, body: { ResetType: 'ForceRestart' } });
      assert.equal(refused.status, 400);
      assert.match(String(at(refused.json, 'error/@Message.ExtendedInfo/0/MessageId')), /InvalidOperationForSystemState$/);
      const patch = await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } } });
      assert.match(String(at(patch.json, 'error/code')), /UnableToModifyDuringSystemPOST$/);
    } finally {
      await b.close();
    }
  });

  it('bmc_async_actions: an action answers 202 with a task monitor, 202 (Retry-After as HTTP-date) until done, then 200 Completed', async () => {
    const b = await startTestBmc('generic', { faults: { asyncActions: true }, powerDelayMs: 3000 });
    try {
      const o = { basic: b.basic };
      const accepted = await call(b, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ...o, body: { ResetType: 'On' } });
      assert.equal(accepted.status, 202);
      const monitor = String(accepted.headers.location);
      assert.match(monitor, /^\/redfish\/v1\/TaskService\/TaskMonitors\/\d+$/);
      const running = await call(b, 'GET', monitor, o);
      assert.equal(running.status, 202);
      assert.ok(!Number.isNaN(Date.parse(String(running.headers['retry-after']))), 'an HTTP-date');
      assert.equal(running.json.TaskState, 'Running');
      await until(async () => (await call(b, 'GET', monitor, o)).status === 200, 10_000);
      const done = await call(b, 'GET', monitor, o);
      assert.equal(done.json.TaskState, 'Completed');
      assert.equal((await call(b, 'GET', String(done.json['@odata.id']), o)).status, 200);
      assertUnauthorized(await call(b, 'GET', monitor));
    } finally {
      await b.close();
    }
  });
});

describe('simulated BMC: stale media fault', () => {
  it('bmc_stale_media_ms: right after eject the generic slot still reads the old image as inserted, then empty', async () => {
    const b = await startTestBmc('generic', { faults: { staleMediaMs: 30_000 } });
    try {
      const o = { basic: b.basic };
      const vm = '/redfish/v1/Managers/1/VirtualMedia/Cd';
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: 'http://127.0.0.1:9/a.iso' } })).status, 204);
      assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, { ...o, body: {} })).status, 204);
      const stale = (await call(b, 'GET', vm, o)).json;
      assert.deepEqual([stale.Inserted, stale.Image], [true, 'http://127.0.0.1:9/a.iso']);
      assert.equal(b.service.getStats().media.inserted, false, 'the slot is empty in truth');
    } finally {
      await b.close();
    }
  });
});

function assertUnauthorized(a: { status: number }): void {
  assert.equal(a.status, 401);
}
