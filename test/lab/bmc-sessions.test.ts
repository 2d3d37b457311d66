// Sessions expire: the simulated BMC deletes a session idle longer than SessionService
// SessionTimeout, and its token then answers 401. fleetboot's client logs in again once and the
// task goes on, never holding more than one session.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleContext } from '../../src/modules/contract.js';
import { redfishVirtualMediaModule } from '../../src/modules/redfish-virtual-media.js';
import { BmcPool } from '../../src/redfish/bmc-pool.js';
import { at, call, startTestBmc, until, type TestBmc } from './bmc-client.js';

const IMAGE = 'https://127.0.0.1:9/live.iso';

describe('simulated BMC: sessions expire after SessionTimeout', function () {
  this.timeout(30_000);
  let work: string;
  let b: TestBmc;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetboot-bmc-sessions-'));
  });
  afterEach(async () => b?.close());
  after(async () => rm(work, { recursive: true, force: true }));

  it('SessionTimeout reads 1800 s by default, is settable by PATCH within the schema range 30 to 86400', async () => {
    b = await startTestBmc('generic');
    const o = { basic: b.basic };
    const ss = await call(b, 'GET', '/redfish/v1/SessionService', o);
    assert.equal(at(ss.json, 'SessionTimeout'), 1800);
    assert.match(String(ss.headers.allow), /PATCH/);
    const low = await call(b, 'PATCH', '/redfish/v1/SessionService', { ...o, body: { SessionTimeout: 5 } });
    assert.equal(low.status, 400);
    assert.match(String(at(low.json, 'error/code')), /PropertyValueOutOfRange$/);
    const ok = await call(b, 'PATCH', '/redfish/v1/SessionService', { ...o, body: { SessionTimeout: 600 } });
    assert.equal(ok.status, 200);
    assert.equal(at(ok.json, 'SessionTimeout'), 600);
  });

  it('an idle session is deleted by the BMC and its token answers 401', async () => {
    b = await startTestBmc('generic', { sessionTimeoutSec: 0.3 });
    const login = await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: b.password } });
    assert.equal(login.status, 201);
    const token = String(login.headers['x-auth-token']);
    assert.equal((await call(b, 'GET', '/redfish/v1/Systems', { token })).status, 200);
    await until(async () => b.service.getStats().sessions === 0);
    const gone = await call(b, 'GET', '/redfish/v1/Systems', { token });
    assert.equal(gone.status, 401);
    assert.ok(gone.headers['www-authenticate']);
    assert.equal(b.service.getStats().sessionsExpired, 1);
  });

  it("fleetboot's client logs in again once after its session expired, the task succeeds, never two sessions", async () => {
    b = await startTestBmc('generic', { sessionTimeoutSec: 0.5 });
    await writeFile(join(work, 'pw'), `${b.password}\n`, { mode: 0o600 });
    await writeFile(join(work, 'ca.pem'), b.ca);
    const bmc = { address: b.address, port: b.port, user: 'admin', password_file: join(work, 'pw'), ca_file: join(work, 'ca.pem') };
    const sent: string[] = [];
    const controller = new AbortController();
    const pool = new BmcPool({ signal: controller.signal, onEvent: (e) => sent.push(`${e.action} ${e.detail ?? ''}`) });
    const unused = (): never => {
      throw new Error('not used by redfish.virtual_media');
    };
    const ctx: ModuleContext = {
      host: 'bmc-idle',
      vars: { bmc },
      check: false,
      signal: controller.signal,
      ssh: unused,
      artifacts: unused,
      cluster: unused,
      render: unused,
      evaluate: unused,
      resolvePath: unused,
      reconnect: unused,
      bmc: () => pool.get('bmc-idle', bmc),
      emit: () => undefined,
      addSecret: () => undefined,
    };
    try {
      const first = await redfishVirtualMediaModule.run({ state: 'inserted', image: IMAGE }, ctx);
      assert.equal(first.changed, true);
      // The run pauses (a long task elsewhere): the BMC expires the idle session.
      await until(async () => b.service.getStats().sessionsExpired === 1);
      const second = await redfishVirtualMediaModule.run({ state: 'ejected' }, ctx);
      assert.equal(second.changed, true);
      const s = b.service.getStats();
      assert.equal(s.sessionsCreated, 2, 'one login, then exactly one more');
      assert.ok(s.peakSessions <= 1, `peak sessions ${s.peakSessions}`);
      assert.equal(sent.filter((l) => / 401$/.test(l)).length, 1, sent.join('; '));
      assert.equal(sent.filter((l) => /^POST \/redfish\/v1\/SessionService\/Sessions /.test(l)).length, 2);
    } finally {
      await pool.closeAll();
    }
    assert.equal(b.service.getStats().sessions, 0, 'the session was deleted at the end');
  });
});
