import assert from 'node:assert/strict';
import { at, call, startTestBmc, until, type Answer, type TestBmc } from './bmc-client.js';

function assertRedfishError(a: Answer, status: number, messageId?: RegExp): void {
  assert.equal(a.status, status, a.text);
  assert.equal(a.headers['odata-version'], '4.0');
  assert.equal(typeof at(a.json, 'error/code'), 'string');
  assert.equal(typeof at(a.json, 'error/message'), 'string');
  const info = at(a.json, 'error/@Message.ExtendedInfo');
  assert.ok(Array.isArray(info) && info.length > 0, 'ExtendedInfo');
  const first = info[0] as Record<string, unknown>;
  assert.equal(typeof first.MessageId, 'string');
  assert.equal(typeof first.Severity, 'string');
  if (messageId) assert.match(String(first.MessageId), messageId);
}

describe('simulated BMC: Redfish protocol (generic profile, HTTPS verified with the lab CA)', function () {
  this.timeout(30_000);
  let b: TestBmc;
  before(async () => {
    b = await startTestBmc('generic');
  });
  after(async () => b?.close());

  it('serves /redfish, the service root, odata and $metadata without credentials', async () => {
    const v = await call(b, 'GET', '/redfish');
    assert.deepEqual(v.json, { v1: '/redfish/v1/' });
    const root = await call(b, 'GET', '/redfish/v1/');
    assert.equal(root.status, 200);
    assert.equal(root.headers['odata-version'], '4.0');
    assert.equal(root.json['@odata.id'], '/redfish/v1/');
    assert.match(String(root.json['@odata.type']), /^#ServiceRoot\.v1_\d+_\d+\.ServiceRoot$/);
    assert.equal(at(root.json, 'Links/Sessions/@odata.id'), '/redfish/v1/SessionService/Sessions');
    assert.equal(at(root.json, 'Systems/@odata.id'), '/redfish/v1/Systems');
    assert.equal((await call(b, 'GET', '/redfish/v1')).status, 200);
    const odata = await call(b, 'GET', '/redfish/v1/odata');
    assert.equal(odata.status, 200);
    assert.ok(Array.isArray(odata.json.value));
    const meta = await call(b, 'GET', '/redfish/v1/$metadata');
    assert.equal(meta.status, 200);
    assert.match(String(meta.headers['content-type']), /^application\/xml/);
    assert.match(meta.text, /<edmx:Edmx[^>]+Version="4.0"/);
  });

  it('answers 401 with WWW-Authenticate and a Redfish error elsewhere without credentials or with wrong ones', async () => {
    for (const path of ['/redfish/v1/Systems', '/redfish/v1/SessionService', '/redfish/v1/AccountService']) {
      const a = await call(b, 'GET', path);
      assertRedfishError(a, 401);
      assert.match(String(a.headers['www-authenticate']), /^Basic realm="/);
    }
    assertRedfishError(await call(b, 'GET', '/redfish/v1/Systems', { basic: { user: 'admin', password: 'wrong' } }), 401);
    assertRedfishError(await call(b, 'GET', '/redfish/v1/Systems', { token: 'not-a-token' }), 401);
  });

  it('takes Basic, and sessions: POST 201 with Location, X-Auth-Token and the session body; DELETE ends it', async () => {
    assert.equal((await call(b, 'GET', '/redfish/v1/Systems', { basic: b.basic })).status, 200);
    const login = await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: b.password } });
    assert.equal(login.status, 201, login.text);
    const token = String(login.headers['x-auth-token']);
    const location = String(login.headers.location);
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.equal(location, login.json['@odata.id']);
    assert.equal(login.json.UserName, 'admin');
    assert.equal(typeof login.json.Id, 'string');
    assert.ok(!login.text.includes(b.password), 'no password in the session body');
    const again = await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: b.password } });
    assert.notEqual(again.headers['x-auth-token'], token, 'random tokens');
    assert.equal((await call(b, 'GET', '/redfish/v1/Systems/1', { token })).status, 200);
    const list = await call(b, 'GET', '/redfish/v1/SessionService/Sessions', { token });
    assert.equal(list.json['Members@odata.count'], 2);
    assert.equal((await call(b, 'DELETE', location, { token })).status, 204);
    assertRedfishError(await call(b, 'GET', '/redfish/v1/Systems/1', { token }), 401);
    assert.equal((await call(b, 'DELETE', String(again.headers.location), { basic: b.basic })).status, 204);
    assertRedfishError(await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: 'nope' } }), 401);
  });

  it('refuses a fifth session with 503 and a Redfish error, and takes one again after a logout', async () => {
    const locations: string[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: b.password } });
      assert.equal(a.status, 201);
      locations.push(String(a.headers.location));
    }
    const fifth = await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: b.password } });
    assertRedfishError(fifth, 503, /SessionLimitExceeded$/);
    await call(b, 'DELETE', locations.pop() ?? '', { basic: b.basic });
    const next = await call(b, 'POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: 'admin', Password: b.password } });
    assert.equal(next.status, 201);
    locations.push(String(next.headers.location));
    for (const l of locations) assert.equal((await call(b, 'DELETE', l, { basic: b.basic })).status, 204);
  });

  it('sends quoted ETags (header and @odata.etag) and answers a stale If-Match with 412', async () => {
    const sys = await call(b, 'GET', '/redfish/v1/Systems/1', { basic: b.basic });
    const etag = String(sys.headers.etag);
    assert.match(etag, /^"[^"]+"$/);
    assert.equal(sys.json['@odata.etag'], etag);
    const patch = { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous' } };
    const ok = await call(b, 'PATCH', '/redfish/v1/Systems/1', { basic: b.basic, body: patch, headers: { 'If-Match': etag } });
    assert.equal(ok.status, 200, ok.text);
    assert.notEqual(ok.headers.etag, etag, 'the ETag changes with the resource');
    assertRedfishError(await call(b, 'PATCH', '/redfish/v1/Systems/1', { basic: b.basic, body: patch, headers: { 'If-Match': etag } }), 412, /PreconditionFailed$/);
    const weak = await call(b, 'PATCH', '/redfish/v1/Systems/1', {
      basic: b.basic,
      body: { Boot: { BootSourceOverrideEnabled: 'Disabled' } },
      headers: { 'If-Match': `W/${String(ok.headers.etag)}` },
    });
    assert.equal(weak.status, 200, 'a weak form of the current tag matches');
    const acct = await call(b, 'GET', '/redfish/v1/AccountService/Accounts/1', { basic: b.basic });
    assert.match(String(acct.headers.etag), /^"[^"]+"$/);
    assert.equal(acct.json.UserName, 'admin');
  });

  it('DMTF validator findings: Link describedby, 501 to $ query parameters and unknown methods, POST to Sessions/Members', async () => {
    const o = { basic: b.basic };
    const sys = await call(b, 'GET', '/redfish/v1/Systems', o);
    assert.equal(sys.headers.link, '<https://redfish.dmtf.org/schemas/v1/ComputerSystemCollection.json>; rel=describedby');
    const root = await call(b, 'HEAD', '/redfish/v1/', o);
    assert.equal(root.headers.link, '<https://redfish.dmtf.org/schemas/v1/ServiceRoot.v1_15_0.json>; rel=describedby');
    assert.equal((await call(b, 'GET', '/redfish/v1/?$rpvunknown', o)).status, 501);
    assert.equal((await call(b, 'GET', '/redfish/v1/?plain=1', o)).status, 200);
    assert.equal((await call(b, 'FAKEMETHODFORTEST', '/redfish/v1/', o)).status, 501);
    const login = await call(b, 'POST', '/redfish/v1/SessionService/Sessions/Members', { body: { UserName: 'admin', Password: b.password } });
    assert.equal(login.status, 201);
    assert.equal((await call(b, 'DELETE', String(login.headers.location), { token: String(login.headers['x-auth-token']) })).status, 204);
    assert.deepEqual(at((await call(b, 'GET', '/redfish/v1/AccountService/Accounts/1', o)).json, 'AccountTypes'), ['Redfish']);
  });

  it('answers 412 to a request asking for an OData-Version other than 4.0', async () => {
    assertRedfishError(await call(b, 'GET', '/redfish/v1/', { headers: { 'OData-Version': '4.01' } }), 412);
    assert.equal((await call(b, 'GET', '/redfish/v1/', { headers: { 'OData-Version': '4.0' } })).status, 200);
  });

  it('sends Allow on GET and HEAD and on every 405; 404 with a Redfish error', async () => {
    const head = await call(b, 'HEAD', '/redfish/v1/Systems/1', { basic: b.basic });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal(head.headers.allow, 'GET, HEAD, PATCH');
    const notAllowed = await call(b, 'POST', '/redfish/v1/Systems/1', { basic: b.basic, body: {} });
    assertRedfishError(notAllowed, 405);
    assert.equal(notAllowed.headers.allow, 'GET, HEAD, PATCH');
    const action = await call(b, 'GET', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { basic: b.basic });
    assertRedfishError(action, 405);
    assert.equal(action.headers.allow, 'POST');
    const del = await call(b, 'DELETE', '/redfish/v1/', {});
    assertRedfishError(del, 405);
    assert.equal(del.headers.allow, 'GET, HEAD');
    assertRedfishError(await call(b, 'GET', '/redfish/v1/Systems/nope', { basic: b.basic }), 404, /ResourceMissingAtURI$/);
  });

  it('describes the system: identity, processor, MACs, allowed boot targets and reset types (ActionInfo)', async () => {
    const sys = (await call(b, 'GET', '/redfish/v1/Systems/1', { basic: b.basic })).json;
    for (const k of ['Manufacturer', 'Model', 'SerialNumber', 'PowerState']) assert.equal(typeof sys[k], 'string', k);
    assert.equal(at(sys, 'ProcessorSummary/Count'), 2);
    assert.ok((at(sys, 'Boot/BootSourceOverrideTarget@Redfish.AllowableValues') as string[]).includes('Cd'));
    const infoPath = String(at(sys, 'Actions/#ComputerSystem.Reset/@Redfish.ActionInfo'));
    const info = (await call(b, 'GET', infoPath, { basic: b.basic })).json;
    const params = info.Parameters as Array<{ Name: string; AllowableValues: string[] }>;
    assert.ok(params[0]?.AllowableValues.includes('ForceRestart'));
    const nic = (await call(b, 'GET', '/redfish/v1/Systems/1/EthernetInterfaces/NIC.1', { basic: b.basic })).json;
    assert.match(String(nic.MACAddress), /^52:54:00:0a:[0-9a-f]{2}:[0-9a-f]{2}$/);
    const roles = (await call(b, 'GET', '/redfish/v1/AccountService/Roles', { basic: b.basic })).json;
    assert.equal(roles['Members@odata.count'], 3);
    assertRedfishError(
      await call(b, 'PATCH', '/redfish/v1/Systems/1', { basic: b.basic, body: { Boot: { BootSourceOverrideTarget: 'Floppy' } } }),
      400,
      /PropertyValueNotInList$/,
    );
    assertRedfishError(await call(b, 'POST', String(at(sys, 'Actions/#ComputerSystem.Reset/target')), { basic: b.basic, body: { ResetType: 'Explode' } }), 400);
  });

  it('inserts, boots once from the CD after a delay (the override is consumed), restarts from disk, ejects', async () => {
    const o = { basic: b.basic };
    const vm = '/redfish/v1/Managers/1/VirtualMedia/Cd';
    const slot = (await call(b, 'GET', vm, o)).json;
    assert.deepEqual(slot.MediaTypes, ['CD', 'DVD']);
    assert.equal(slot.Inserted, false);
    assert.equal(slot.ConnectedVia, 'NotConnected');
    const insert = await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: 'http://127.0.0.1:8/live.iso' } });
    assert.equal(insert.status, 204, insert.text);
    const inserted = (await call(b, 'GET', vm, o)).json;
    assert.deepEqual([inserted.Image, inserted.Inserted, inserted.ConnectedVia, inserted.WriteProtected], ['http://127.0.0.1:8/live.iso', true, 'URI', true]);
    assertRedfishError(await call(b, 'POST', `${vm}/Actions/VirtualMedia.InsertMedia`, { ...o, body: { Image: 'http://127.0.0.1:8/other.iso' } }), 409);

    const boot = { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } };
    assert.equal((await call(b, 'PATCH', '/redfish/v1/Systems/1', { ...o, body: boot })).status, 200);
    const reset = '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset';
    assert.equal((await call(b, 'POST', reset, { ...o, body: { ResetType: 'On' } })).status, 204);
    assert.match(String(at((await call(b, 'GET', '/redfish/v1/Systems/1', o)).json, 'PowerState')), /^(PoweringOn|On)$/);
    await until(async () => at((await call(b, 'GET', '/redfish/v1/Systems/1', o)).json, 'PowerState') === 'On');
    const after = (await call(b, 'GET', '/redfish/v1/Systems/1', o)).json;
    assert.equal(at(after, 'Boot/BootSourceOverrideEnabled'), 'Disabled');
    assert.equal(b.service.getStats().boots.at(-1)?.source, 'Cd');
    assert.equal(b.service.getStats().boots.at(-1)?.image, 'http://127.0.0.1:8/live.iso');

    assert.equal((await call(b, 'POST', reset, { ...o, body: { ResetType: 'ForceRestart' } })).status, 204);
    await until(async () => b.service.getStats().boots.length === 2 && at((await call(b, 'GET', '/redfish/v1/Systems/1', o)).json, 'PowerState') === 'On');
    assert.equal(b.service.getStats().boots[1]?.source, 'Hdd');

    assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, { ...o, body: {} })).status, 204);
    assert.equal((await call(b, 'POST', `${vm}/Actions/VirtualMedia.EjectMedia`, o)).status, 204, 'an empty body works too');
    const ejected = (await call(b, 'GET', vm, o)).json;
    assert.deepEqual([ejected.Image, ejected.Inserted, ejected.ConnectedVia], [null, false, 'NotConnected']);
    assert.equal((await call(b, 'POST', reset, { ...o, body: { ResetType: 'ForceOff' } })).status, 204);
    await until(async () => at((await call(b, 'GET', '/redfish/v1/Systems/1', o)).json, 'PowerState') === 'Off');
  });

  it('changes power only after its delay: PoweringOn in between', async () => {
    const slow = await startTestBmc('generic', { powerDelayMs: 60_000 });
    try {
      const o = { basic: slow.basic };
      assert.equal((await call(slow, 'POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ...o, body: { ResetType: 'On' } })).status, 204);
      assert.equal(at((await call(slow, 'GET', '/redfish/v1/Systems/1', o)).json, 'PowerState'), 'PoweringOn');
      assert.equal(slow.service.getStats().boots.length, 0);
    } finally {
      await slow.close();
    }
  });
});
