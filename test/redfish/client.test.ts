import assert from 'node:assert/strict';
import type { TransportEvent } from '../../src/core/events.js';
import { RedfishClient, type RedfishClientOptions } from '../../src/redfish/client.js';
import { withRedfishClient } from '../../src/redfish/with-client.js';
import { AccessError, RedfishConnectionError, ServerSideError, TaskError } from '../../src/redfish/errors.js';
import { selectQuirks } from '../../src/redfish/quirks.js';
import type { BmcEndpoint } from '../../src/redfish/types.js';
import { FakeClock, FakeTransport, ROOT, SESSION_CREATED, answer, dropped, routes, type Handler } from './fake-transport.js';

const ENDPOINT: BmcEndpoint = { address: '127.0.0.1', port: 443, user: 'admin', password: 'pw-secret-123', insecure: false };
const BASIC = `Basic ${Buffer.from('admin:pw-secret-123').toString('base64')}`;
const SYSTEMS = { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }] };

function setup(handler: Handler, extra: Partial<RedfishClientOptions> = {}) {
  const transport = new FakeTransport(handler);
  const clock = new FakeClock();
  const events: TransportEvent[] = [];
  const client = new RedfishClient({
    host: 'node1',
    endpoint: ENDPOINT,
    transport,
    onEvent: (e) => events.push(e),
    sleep: clock.sleep,
    now: clock.now,
    ...extra,
  });
  return { transport, clock, events, client };
}

const base = {
  'GET /redfish/v1/': [answer(200, ROOT)],
  'POST /redfish/v1/SessionService/Sessions': [SESSION_CREATED],
  'DELETE /redfish/v1/SessionService/Sessions/7': [answer(204)],
  'GET /redfish/v1/Systems': [answer(200, SYSTEMS)],
};

describe('redfish client', () => {
  it('reads the root without credentials, logs in with a session, uses the token, deletes the session', async () => {
    const { transport, client, events } = setup(routes(base));
    await client.get('/redfish/v1/Systems');
    assert.equal(client.authMode, 'session');
    await client.logout();
    assert.deepEqual(transport.lines(), [
      'GET /redfish/v1/',
      'POST /redfish/v1/SessionService/Sessions',
      'GET /redfish/v1/Systems',
      'DELETE /redfish/v1/SessionService/Sessions/7',
    ]);
    const [root, login, get, del] = transport.requests;
    assert.deepEqual(root?.headers, {});
    assert.deepEqual(login?.headers, {});
    assert.deepEqual(login?.body, { UserName: 'admin', Password: 'pw-secret-123' });
    assert.deepEqual(get?.headers, { 'X-Auth-Token': 'tok-secret-1' });
    assert.deepEqual(del?.headers, { 'X-Auth-Token': 'tok-secret-1' });
    assert.equal(client.authMode, 'none');
    // One event per request, with no secret in any of them.
    assert.deepEqual(
      events.map((e) => [e.action, e.detail]),
      [
        ['GET /redfish/v1/', '200'],
        ['POST /redfish/v1/SessionService/Sessions', '201'],
        ['GET /redfish/v1/Systems', '200'],
        ['DELETE /redfish/v1/SessionService/Sessions/7', '204'],
      ],
    );
    assert.ok(events.every((e) => e.kind === 'transport' && e.transport === 'redfish' && e.host === 'node1' && typeof e.durationMs === 'number'));
    const text = JSON.stringify(events);
    assert.ok(!text.includes('tok-secret-1') && !text.includes('pw-secret-123'));
  });

  it('falls back to Basic when the Sessions collection answers 405, and has nothing to delete', async () => {
    const { transport, client } = setup(routes({ ...base, 'POST /redfish/v1/SessionService/Sessions': [answer(405)] }));
    await client.get('/redfish/v1/Systems');
    assert.equal(client.authMode, 'basic');
    await client.logout();
    assert.deepEqual(transport.lines(), ['GET /redfish/v1/', 'POST /redfish/v1/SessionService/Sessions', 'GET /redfish/v1/Systems']);
    assert.deepEqual(transport.requests[2]?.headers, { Authorization: BASIC });
  });

  it('uses Basic without trying a session when the root links no SessionService', async () => {
    const { transport, client } = setup(routes({ ...base, 'GET /redfish/v1/': [answer(200, { Systems: ROOT.Systems })] }));
    await client.get('/redfish/v1/Systems');
    assert.deepEqual(transport.lines(), ['GET /redfish/v1/', 'GET /redfish/v1/Systems']);
    assert.deepEqual(transport.requests[1]?.headers, { Authorization: BASIC });
  });

  it('does not fall back to Basic when the session is refused for bad credentials', async () => {
    const { client } = setup(routes({ ...base, 'POST /redfish/v1/SessionService/Sessions': [answer(401, { error: { code: 'Base.1.8.NoValidSession', message: 'bad' } })] }));
    await assert.rejects(client.get('/redfish/v1/Systems'), (err: unknown) => err instanceof AccessError && /check bmc.user/.test(err.message));
  });

  it('keeps one request in flight: 10 concurrent calls never overlap, one login', async () => {
    const { transport, client } = setup((req) => {
      if (req.path === '/redfish/v1/') return answer(200, ROOT);
      if (req.method === 'POST') return SESSION_CREATED;
      return answer(200, { Id: req.path });
    });
    const paths = Array.from({ length: 10 }, (_, i) => `/redfish/v1/Things/${i}`);
    const results = await Promise.all(paths.map((p) => client.get(p)));
    assert.equal(transport.maxInFlight, 1);
    assert.equal(results.length, 10);
    assert.equal(transport.lines().filter((l) => l.startsWith('POST')).length, 1);
    assert.deepEqual(transport.lines().slice(2).sort(), paths.map((p) => `GET ${p}`).sort());
  });

  it('allows more in flight when configured', async () => {
    const { transport, client } = setup((req) => (req.path === '/redfish/v1/' ? answer(200, ROOT) : req.method === 'POST' ? SESSION_CREATED : answer(200, {})), { concurrency: 3 });
    await Promise.all(Array.from({ length: 9 }, (_, i) => client.get(`/redfish/v1/T/${i}`)));
    assert.ok(transport.maxInFlight > 1 && transport.maxInFlight <= 3);
  });

  it('retries dropped connections with doubling backoff', async () => {
    const { transport, client, clock } = setup(routes({ ...base, 'GET /redfish/v1/Systems': [dropped(), dropped('ECONNRESET'), answer(200, SYSTEMS)] }));
    await client.get('/redfish/v1/Systems');
    assert.deepEqual(clock.sleeps, [1000, 2000]);
    assert.equal(transport.lines().filter((l) => l === 'GET /redfish/v1/Systems').length, 3);
  });

  it('gives up on a dropped connection after the bounded retries, with a one-line error', async () => {
    const { client, clock } = setup(routes({ ...base, 'GET /redfish/v1/Systems': [dropped('ECONNREFUSED')] }), { retries: 2 });
    await assert.rejects(client.get('/redfish/v1/Systems'), (err: unknown) => err instanceof RedfishConnectionError && /ECONNREFUSED/.test(err.message) && !err.message.includes('\n'));
    assert.deepEqual(clock.sleeps, [1000, 2000]);
  });

  it('retries 5xx to a GET but not to a POST action', async () => {
    const { client, clock, transport } = setup(routes({
      ...base,
      'GET /redfish/v1/Systems': [answer(500), answer(200, SYSTEMS)],
      'POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset': [answer(500, { error: { code: 'Base.1.8.InternalError', message: 'boom' } })],
    }));
    await client.get('/redfish/v1/Systems');
    assert.deepEqual(clock.sleeps, [1000]);
    await assert.rejects(client.post('/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'On' }), ServerSideError);
    assert.equal(transport.lines().filter((l) => l.startsWith('POST /redfish/v1/Systems')).length, 1);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped', async () => {
    const clockRef = new FakeClock();
    const date = new Date(clockRef.nowMs + 20_000).toUTCString();
    const { client, clock } = setup(routes({
      ...base,
      'GET /redfish/v1/Systems': [answer(503, undefined, { 'retry-after': '7' }), answer(503, undefined, { 'retry-after': date }), answer(503, undefined, { 'retry-after': '3600' }), answer(200, SYSTEMS)],
    }), { retryAfterCapMs: 60_000 });
    await client.get('/redfish/v1/Systems');
    // The date is 20 s after the start and the first wait took 7 s: 13 s are left.
    assert.equal(clock.sleeps[0], 7000);
    assert.equal(clock.sleeps[1], 13_000);
    assert.equal(clock.sleeps[2], 60_000);
  });

  it('retries the transient answers of the quirk table (iDRAC SYS518) and not other 400s', async () => {
    const sys518 = answer(400, { error: { code: 'Base.1.8.GeneralError', '@Message.ExtendedInfo': [{ MessageId: 'IDRAC.2.8.SYS518', Message: 'iDRAC is not ready', Severity: 'Critical' }] } });
    const { client, clock } = setup(routes({
      ...base,
      'POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset': [sys518, sys518, answer(204)],
      'POST /redfish/v1/Other': [answer(400, { error: { code: 'Base.1.8.PropertyValueNotInList', message: 'no' } })],
    }), { quirks: selectQuirks({ manufacturer: 'Dell Inc.' }) });
    await client.post('/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'On' });
    assert.deepEqual(clock.sleeps, [3000, 3000]);
    await assert.rejects(client.post('/redfish/v1/Other', {}), /PropertyValueNotInList/);
  });

  it('retries 409 on power-on only where the vendor row says so (Dell), not for ForceOff', async () => {
    const conflict = answer(409, { error: { code: 'Base.1.8.ActionParameterValueConflict', message: 'conflict' } });
    const path = '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset';
    const dell = setup(routes({ ...base, [`POST ${path}`]: [conflict, answer(204)] }), { quirks: selectQuirks({ manufacturer: 'Dell Inc.' }) });
    await dell.client.post(path, { ResetType: 'On' });
    assert.deepEqual(dell.clock.sleeps, [10_000]);
    const off = setup(routes({ ...base, [`POST ${path}`]: [conflict, answer(204)] }), { quirks: selectQuirks({ manufacturer: 'Dell Inc.' }) });
    await assert.rejects(off.client.post(path, { ResetType: 'ForceOff' }), /409/);
    const hpe = setup(routes({ ...base, [`POST ${path}`]: [conflict, answer(204)] }), { quirks: selectQuirks({ manufacturer: 'HPE' }) });
    await assert.rejects(hpe.client.post(path, { ResetType: 'On' }), /409/);
  });

  it('retries the session POST on the session-limit 503', async () => {
    const { client, clock } = setup(routes({ ...base, 'POST /redfish/v1/SessionService/Sessions': [answer(503, { error: { code: 'Base.1.8.SessionLimitExceeded', message: 'too many' } }), SESSION_CREATED] }));
    await client.get('/redfish/v1/Systems');
    assert.equal(client.authMode, 'session');
    assert.equal(clock.sleeps.length, 1);
  });

  it('logs in again once on 401, then gives up', async () => {
    let sessions = 0;
    const handler: Handler = (req) => {
      if (req.path === '/redfish/v1/') return answer(200, ROOT);
      if (req.method === 'POST') {
        sessions += 1;
        return answer(201, {}, { 'x-auth-token': `tok-${sessions}`, location: `/redfish/v1/SessionService/Sessions/${sessions}` });
      }
      if (req.path === '/redfish/v1/Systems') return req.headers['X-Auth-Token'] === 'tok-2' ? answer(200, SYSTEMS) : answer(401);
      return answer(401);
    };
    const { client, transport } = setup(handler);
    await client.get('/redfish/v1/Systems');
    assert.equal(sessions, 2);
    assert.deepEqual(transport.lines(), [
      'GET /redfish/v1/',
      'POST /redfish/v1/SessionService/Sessions',
      'GET /redfish/v1/Systems',
      'POST /redfish/v1/SessionService/Sessions',
      'GET /redfish/v1/Systems',
    ]);
    await assert.rejects(client.get('/redfish/v1/Chassis'), AccessError);
    assert.equal(sessions, 3);
  });

  it('follows a 202 to its task monitor until the task completes', async () => {
    const path = '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset';
    const monitor = '/redfish/v1/TaskService/TaskMonitors/9';
    const { client, clock, transport } = setup(routes({
      ...base,
      [`POST ${path}`]: [answer(202, undefined, { location: `https://127.0.0.1${monitor}`, 'retry-after': '2' })],
      [`GET ${monitor}`]: [answer(202, undefined, { 'retry-after': '3' }), answer(200, { TaskState: 'Running' }), answer(200, { TaskState: 'Completed', TaskStatus: 'OK' })],
    }));
    const res = await client.post(path, { ResetType: 'On' });
    assert.deepEqual(res.body, { TaskState: 'Completed', TaskStatus: 'OK' });
    assert.deepEqual(clock.sleeps, [2000, 3000, 1000]);
    assert.deepEqual(transport.lines().slice(2), [`POST ${path}`, `GET ${monitor}`, `GET ${monitor}`, `GET ${monitor}`]);
  });

  it('reports a failed task with its most severe message, and a task past its deadline', async () => {
    const path = '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset';
    const monitor = '/redfish/v1/TaskService/TaskMonitors/9';
    const failed = setup(routes({
      ...base,
      [`POST ${path}`]: [answer(202, undefined, { location: monitor })],
      [`GET ${monitor}`]: [answer(200, { TaskState: 'Exception', Messages: [{ Message: 'fine', MessageSeverity: 'OK' }, { Message: 'disk on fire', MessageSeverity: 'Critical' }] })],
    }));
    await assert.rejects(failed.client.post(path, {}), (err: unknown) => err instanceof TaskError && /disk on fire/.test(err.message));
    const slow = setup(routes({ ...base, [`POST ${path}`]: [answer(202, undefined, { location: monitor })], [`GET ${monitor}`]: [answer(202)] }), { taskDeadlineMs: 10_000 });
    await assert.rejects(slow.client.post(path, {}), (err: unknown) => err instanceof TaskError && /did not finish within 10 s/.test(err.message));
    const noLocation = setup(routes({ ...base, [`POST ${path}`]: [answer(202)] }));
    await assert.rejects(noLocation.client.post(path, {}), /202 without a Location/);
  });

  it('PATCHes with If-Match from the ETag header; on 412 retries once with the strong form', async () => {
    const sys = '/redfish/v1/Systems/1';
    const { client, transport } = setup(routes({
      ...base,
      [`GET ${sys}`]: [answer(200, { Id: '1' }, { etag: 'W/"abc"' })],
      [`PATCH ${sys}`]: [answer(412), answer(200, {})],
    }));
    await client.patch(sys, { Boot: { BootSourceOverrideTarget: 'Cd' } });
    const patches = transport.requests.filter((r) => r.method === 'PATCH');
    assert.deepEqual(patches.map((r) => r.headers['If-Match']), ['W/"abc"', '"abc"']);
    assert.deepEqual(patches[0]?.body, { Boot: { BootSourceOverrideTarget: 'Cd' } });
    assert.deepEqual(transport.lines().slice(2), [`GET ${sys}`, `PATCH ${sys}`, `GET ${sys}`, `PATCH ${sys}`]);
  });

  it('uses @odata.etag when there is no header, and on 428 reads the resource and sends its tag', async () => {
    const sys = '/redfish/v1/Systems/1';
    const { client, transport } = setup(routes({
      ...base,
      [`GET ${sys}`]: [answer(200, { Id: '1' }), answer(200, { Id: '1', '@odata.etag': '"e2"' })],
      [`PATCH ${sys}`]: [answer(428), answer(204)],
    }));
    await client.patch(sys, { AssetTag: 'x' });
    const patches = transport.requests.filter((r) => r.method === 'PATCH');
    assert.deepEqual(patches.map((r) => r.headers['If-Match']), [undefined, '"e2"']);
    // With the caller's fresh read there is no extra GET.
    const again = setup(routes({ ...base, [`PATCH ${sys}`]: [answer(204)] }));
    await again.client.patch(sys, { AssetTag: 'y' }, answer(200, { '@odata.etag': 'W/"e3"' }));
    assert.deepEqual(again.transport.lines().slice(2), [`PATCH ${sys}`]);
    assert.equal(again.transport.requests[2]?.headers['If-Match'], 'W/"e3"');
  });

  it('deletes the session even after the run was aborted', async () => {
    const ctl = new AbortController();
    const { client, transport } = setup(routes(base), { signal: ctl.signal });
    await client.get('/redfish/v1/Systems');
    ctl.abort();
    await assert.rejects(client.get('/redfish/v1/Systems'));
    await client.logout();
    assert.equal(transport.lines().at(-1), 'DELETE /redfish/v1/SessionService/Sessions/7');
  });

  it('a task timeout aborts the request in flight; the next task and the logout go on', async () => {
    const { client, transport } = setup((req) => {
      if (req.path !== '/redfish/v1/Slow') return routes(base)(req, 0);
      // Hangs until aborted, as a BMC that never answers does.
      return new Promise<never>((_, reject) => {
        if (req.signal?.aborted) reject(dropped('ERR_CANCELED'));
        req.signal?.addEventListener('abort', () => reject(dropped('ERR_CANCELED')));
      });
    });
    const task = new AbortController();
    client.useTaskSignal(task.signal);
    const slow = client.get('/redfish/v1/Slow');
    while (transport.requests.at(-1)?.path !== '/redfish/v1/Slow') await new Promise((r) => setImmediate(r));
    task.abort(new Error('the task timed out'));
    await assert.rejects(slow, /the task timed out/);
    client.useTaskSignal(new AbortController().signal);
    await client.get('/redfish/v1/Systems');
    await client.logout();
    assert.deepEqual(transport.lines().slice(-2), ['GET /redfish/v1/Systems', 'DELETE /redfish/v1/SessionService/Sessions/7']);
  });

  it('re-logs in once for many requests that got 401 together', async () => {
    let sessions = 0;
    const transport = new FakeTransport((req) => {
      if (req.path === '/redfish/v1/') return answer(200, ROOT);
      if (req.method === 'POST') {
        sessions += 1;
        return answer(201, {}, { 'x-auth-token': `t${sessions}`, location: `/redfish/v1/SessionService/Sessions/${sessions}` });
      }
      return req.headers['X-Auth-Token'] === 't2' ? answer(200, {}) : answer(401);
    });
    const client = new RedfishClient({ host: 'n', endpoint: ENDPOINT, transport });
    await Promise.all(Array.from({ length: 5 }, (_, i) => client.get(`/redfish/v1/X/${i}`)));
    assert.equal(sessions, 2);
    assert.equal(client.sessionUri, '/redfish/v1/SessionService/Sessions/2');
    const gets = transport.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/redfish/v1/X/'));
    assert.ok(gets.every((r) => r.headers['X-Auth-Token'] !== undefined), 'no request left without credentials during the re-login');
    assert.equal(gets.filter((r) => r.headers['X-Auth-Token'] === 't2').length, 5);
  });
});

describe('withRedfishClient', () => {
  it('deletes the session after the work fails, and keeps the work error', async () => {
    const transport = new FakeTransport(routes({ ...base, 'DELETE /redfish/v1/SessionService/Sessions/7': [answer(500)] }));
    await assert.rejects(
      withRedfishClient({ host: 'n', endpoint: ENDPOINT, transport, retries: 0 }, async (c) => {
        await c.get('/redfish/v1/Systems');
        throw new Error('work failed');
      }),
      /work failed/,
    );
    assert.equal(transport.lines().at(-1), 'DELETE /redfish/v1/SessionService/Sessions/7');
    assert.ok(transport.closed);
  });
});
