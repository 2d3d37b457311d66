// Discovery against the DMTF public-rackmount1 mockup, served read-only over plain HTTP on
// loopback and read through the real axios transport: data written outside this project.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransportEvent } from '../../src/core/events.js';
import { RedfishClient } from '../../src/redfish/client.js';
import { discover } from '../../src/redfish/discovery.js';
import { RedfishConnectionError } from '../../src/redfish/errors.js';
import { createAxiosTransport } from '../../src/redfish/transport.js';
import type { BmcEndpoint } from '../../src/redfish/types.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MOCKUP = resolve(REPO, '../shared/redfish-mockups/public-rackmount1');

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

function serveMockup(dir: string, seen: Seen[]): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'OData-Version': '4.0', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') {
      send(405, { error: { code: 'Base.1.0.OperationNotAllowed', message: 'read-only mockup' } }, { Allow: 'GET' });
      return;
    }
    const rel = url.pathname.replace(/^\/redfish\/v1\/?/, '').replace(/\/+$/, '');
    if (!url.pathname.startsWith('/redfish/v1') || rel.split('/').includes('..')) {
      send(404, { error: { code: 'Base.1.0.ResourceMissingAtURI', message: 'not found' } });
      return;
    }
    readFile(join(dir, rel, 'index.json'), 'utf8').then(
      (text) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'OData-Version': '4.0' });
        res.end(text);
      },
      () => send(404, { error: { code: 'Base.1.0.ResourceMissingAtURI', message: 'not found' } }),
    );
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

describe('redfish discovery against the DMTF public-rackmount1 mockup', function () {
  const seen: Seen[] = [];
  let server: http.Server | undefined;

  before(async function () {
    assert.ok(existsSync(join(MOCKUP, 'index.json')), `mockup not found at ${MOCKUP} (expected beside the checkout in ../shared)`);
    server = await serveMockup(MOCKUP, seen);
  });
  after(() => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

  it('finds the system, its allowed values and facts, and says clearly that the CD slot cannot mount', async () => {
    const port = (server?.address() as AddressInfo).port;
    const endpoint: BmcEndpoint = { address: '127.0.0.1', port, user: 'admin', password: 'mockup-pw-1', insecure: false };
    const transport = createAxiosTransport(endpoint, { scheme: 'http', connectTimeoutMs: 2000, readTimeoutMs: 5000 });
    const events: TransportEvent[] = [];
    const client = new RedfishClient({ host: 'rack1', endpoint, transport, onEvent: (e) => events.push(e) });
    try {
      const d = await discover(client, endpoint);
      assert.equal(d.system.id, '437XR1138R2');
      assert.equal(d.system.manufacturer, 'Contoso');
      assert.equal(d.system.model, '3500');
      assert.equal(d.system.serial, '437XR1138R2');
      assert.equal(d.system.powerState, 'On');
      assert.deepEqual(d.system.bootTargets, ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'Utilities', 'Diags', 'SDCard', 'UefiTarget']);
      assert.deepEqual(d.resetTypes, ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton']);
      assert.equal(d.system.resetTarget, '/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset');
      assert.deepEqual(d.macs, ['12:44:6a:3b:04:11', 'aa:bb:cc:dd:ee:00', 'aa:bb:cc:dd:ee:fe']);
      assert.deepEqual(d.processorArchitectures, ['x86']);
      assert.equal(d.managerFirmware, '1.45.455b66-rev4');
      assert.deepEqual(d.quirks.map((q) => q.id), ['session-limit-503', 'resource-in-use']);
      // CD1 is a CD/DVD slot under Systems with no InsertMedia and no Allow header.
      assert.deepEqual(d.cdSlots.map((s) => [s.id, s.under, s.mount, s.image]), [['CD1', 'Systems', 'none', 'redfish.dmtf.org/freeImages/freeOS.1.1.iso']]);
      assert.equal(d.virtualMedia, undefined);
      assert.equal(
        d.virtualMediaProblem,
        'rack1: no usable CD slot (/redfish/v1/Systems/437XR1138R2/VirtualMedia/CD1: no #VirtualMedia.InsertMedia action and PATCH not in its Allow header): this BMC cannot mount an image',
      );
      // The read-only mockup refuses the session POST: Basic it is.
      assert.equal(client.authMode, 'basic');
    } finally {
      await client.logout();
      client.close();
    }
    assert.ok(seen.length > 10);
    for (const s of seen) {
      assert.equal(s.headers['odata-version'], '4.0', `${s.method} ${s.url}`);
      assert.equal(s.headers['accept'], 'application/json', `${s.method} ${s.url}`);
    }
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.headers.authorization], ['GET', '/redfish/v1/', undefined]);
    assert.deepEqual([seen[1]?.method, seen[1]?.url], ['POST', '/redfish/v1/SessionService/Sessions']);
    assert.match(seen[2]?.headers.authorization ?? '', /^Basic /);
    assert.equal(events.length, seen.length);
    assert.ok(!JSON.stringify(events).includes('mockup-pw-1'));
  });

  it('reports an unreachable BMC on one line after bounded retries', async () => {
    const endpoint: BmcEndpoint = { address: '127.0.0.1', port: 1, user: 'a', password: 'b', insecure: false };
    const client = new RedfishClient({
      host: 'gone', endpoint, transport: createAxiosTransport(endpoint, { scheme: 'http', connectTimeoutMs: 1000, readTimeoutMs: 2000 }),
      retries: 1, sleep: async () => undefined,
    });
    await assert.rejects(client.serviceRoot(), (err: unknown) => {
      assert.ok(err instanceof RedfishConnectionError);
      assert.equal(err.message, 'gone: redfish GET /redfish/v1/: ECONNREFUSED (the BMC at 127.0.0.1:1 did not answer; check that it is reachable)');
      return true;
    });
    client.close();
  });
});
