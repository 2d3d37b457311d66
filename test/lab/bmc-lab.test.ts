import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { makeLabCa } from '../../src/lab/bmc/certs.js';
import { labDown, labStatus, labUp, type LabState } from '../../src/lab/control.js';
import { call, type Target } from './bmc-client.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SUSHY_SCRIPT = new URL('./bmc-sushy.py', import.meta.url).pathname;

interface InventoryBmc {
  address: string;
  port: number;
  user: string;
  password_file: string;
  ca_file: string;
  insecure?: boolean;
}

/** The environment for the Python clients: without the variables that override requests' verify=. */
function clientEnv(): NodeJS.ProcessEnv {
  const { REQUESTS_CA_BUNDLE: _a, CURL_CA_BUNDLE: _b, ...env } = process.env;
  return env;
}

async function hasPythonModule(name: string): Promise<boolean> {
  try {
    await run(PYTHON, ['-c', `import ${name}`]);
    return true;
  } catch {
    return false;
  }
}

describe('lab with simulated BMCs (integration; sushy and redfishtool as independent clients)', function () {
  this.timeout(60_000);
  let dir: string;
  let lab: LabState;
  let bmcs: Record<string, InventoryBmc>;

  const target = (host: string): Target & { password: string } => {
    const b = bmcs[host];
    if (!b) throw new Error(`no bmc for ${host}`);
    return { address: b.address, port: b.port, ca: readFileSync(b.ca_file, 'utf8'), password: readFileSync(b.password_file, 'utf8').trim() };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-bmc-lab-'));
    writeFileSync(join(dir, 'faults.yml'), 'node-003:\n  bmc_session_limit: 1\n');
    lab = await labUp({ hosts: 3, dir, port: 0, bmcPort: 0, bmcProfiles: 'mixed', bmcPowerDelayMs: 50, faults: join(dir, 'faults.yml') });
    const inv = parse(readFileSync(lab.inventory, 'utf8')) as { all: { children: { lab: { hosts: Record<string, { bmc: InventoryBmc }> } } } };
    bmcs = Object.fromEntries(Object.entries(inv.all.children.lab.hosts).map(([name, h]) => [name, h.bmc]));
  });

  after(async () => {
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the CA, a 0600 password file per BMC, each host`s bmc in the inventory and its profile in lab.json', () => {
    assert.ok(lab.bmcPort && lab.bmcPort > 0);
    assert.deepEqual(
      lab.hosts.map((h) => [h.name, h.bmc?.profile]),
      [['node-001', 'generic'], ['node-002', 'dell'], ['node-003', 'hpe']],
    );
    assert.match(readFileSync(join(dir, 'bmc-ca.pem'), 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    assert.deepEqual(bmcs['node-002'], {
      address: '127.20.0.2',
      port: lab.bmcPort,
      user: 'admin',
      password_file: join(dir, 'bmc-passwords', 'node-002'),
      ca_file: join(dir, 'bmc-ca.pem'),
    });
    for (const name of ['node-001', 'node-002', 'node-003']) {
      const st = statSync(join(dir, 'bmc-passwords', name));
      assert.equal(st.mode & 0o777, 0o600, name);
    }
    const pw = new Set(['node-001', 'node-002', 'node-003'].map((n) => readFileSync(join(dir, 'bmc-passwords', n), 'utf8')));
    assert.equal(pw.size, 3, 'a password per BMC');
  });

  it('serves each BMC over HTTPS verified by the lab CA on its own address; labStatus says they answer', async () => {
    for (const name of ['node-001', 'node-002', 'node-003']) {
      const t = target(name);
      assert.equal((await call(t, 'GET', '/redfish/v1/')).status, 200);
      assert.equal((await call(t, 'GET', '/redfish/v1/Systems', { basic: { user: 'admin', password: t.password } })).status, 200);
    }
    const other = target('node-002');
    assert.equal((await call(target('node-001'), 'GET', '/redfish/v1/Systems', { basic: { user: 'admin', password: other.password } })).status, 401);
    const st = await labStatus(dir);
    assert.ok(st.up);
    assert.deepEqual(st.hosts.map((h) => h.bmcAnswers), [true, true, true]);
  });

  it('applies BMC faults from the faults file (node-003: one session at a time)', async () => {
    const t = target('node-003');
    const login = { body: { UserName: 'admin', Password: t.password } };
    const first = await call(t, 'POST', '/redfish/v1/SessionService/Sessions', login);
    assert.equal(first.status, 201);
    assert.equal((await call(t, 'POST', '/redfish/v1/SessionService/Sessions', login)).status, 503);
    assert.equal((await call(t, 'DELETE', String(first.headers.location), { token: String(first.headers['x-auth-token']) })).status, 204);
  });

  it('python3-sushy inserts media, sets a one-time Cd boot, restarts and ejects (session auth, CA verified)', async function () {
    if (!(await hasPythonModule('sushy'))) skipOrFail(this); // apt-get install -y python3-sushy
    const b = bmcs['node-001'];
    assert.ok(b);
    const { stdout } = await run(
      PYTHON,
      [SUSHY_SCRIPT, `https://${b.address}:${b.port}`, b.user, b.password_file, b.ca_file, 'http://127.0.0.1:9/live.iso'],
      { env: clientEnv() },
    );
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(seen, {
      manufacturer: 'Contoso',
      power_before: 'PowerState.OFF',
      media_types: ['VirtualMediaType.CD', 'VirtualMediaType.DVD'],
      inserted: true,
      image: 'http://127.0.0.1:9/live.iso',
      boot_enabled: 'BootSourceOverrideEnabled.ONCE',
      boot_target: 'BootSource.CD',
      power_after: 'PowerState.ON',
      boot_enabled_after: 'BootSourceOverrideEnabled.DISABLED',
      inserted_after_eject: false,
    });
    const stats = (await call(target('node-001'), 'GET', '/lab/stats')).json;
    assert.equal(stats.peakConcurrentRequests, 1, 'sushy never sent two requests at once');
    assert.equal(stats.sessions, 0, 'sushy logged out');
    assert.equal(stats.sessionsCreated, 1);
    assert.deepEqual((stats.boots as Array<{ source: string; image: string }>).map((x) => [x.source, x.image]), [['Cd', 'http://127.0.0.1:9/live.iso']]);
  });

  it('sushy refuses the BMC when verify= is a CA that did not sign its certificate', async function () {
    if (!(await hasPythonModule('sushy'))) skipOrFail(this);
    const b = bmcs['node-001'];
    assert.ok(b);
    const otherCa = join(dir, 'other-ca.pem');
    writeFileSync(otherCa, (await makeLabCa()).certPem);
    await assert.rejects(
      run(PYTHON, [SUSHY_SCRIPT, `https://${b.address}:${b.port}`, b.user, b.password_file, otherCa, 'http://127.0.0.1:9/live.iso'], { env: clientEnv() }),
      /CERTIFICATE_VERIFY_FAILED|SSLError/,
    );
  });

  it('redfishtool reads the system with Basic and with a session it then deletes (TLS unverified: redfishtool hard-codes verify=False)', async function () {
    if (!existsSync('/usr/bin/redfishtool')) skipOrFail(this); // apt-get install -y redfishtool
    const t = target('node-002');
    const base = ['-r', `${t.address}:${t.port}`, '-u', 'admin', '-p', t.password, '-S', 'Always'];
    const basic = JSON.parse((await run('/usr/bin/redfishtool', [...base, 'Systems', 'get'], { env: clientEnv() })).stdout) as Record<string, unknown>;
    assert.equal(basic.Manufacturer, 'Dell Inc.');
    assert.equal(basic['@odata.id'], '/redfish/v1/Systems/System.Embedded.1');
    const session = JSON.parse((await run('/usr/bin/redfishtool', [...base, '-A', 'Session', 'Systems', '-1', 'get'], { env: clientEnv() })).stdout) as Record<string, unknown>;
    assert.equal(session.Id, 'System.Embedded.1');
    const root = JSON.parse((await run('/usr/bin/redfishtool', [...base, 'root'], { env: clientEnv() })).stdout) as Record<string, unknown>;
    assert.equal(root.Vendor, 'Dell');
    const stats = (await call(t, 'GET', '/lab/stats')).json;
    assert.equal(stats.sessions, 0, 'redfishtool deleted its session');
    assert.equal(stats.peakConcurrentRequests, 1);
  });

  it('writes each BMC`s stats to bmc-stats.json when the lab goes down', async () => {
    await labDown(dir);
    const stats = JSON.parse(readFileSync(join(dir, 'bmc-stats.json'), 'utf8')) as Record<string, { peakConcurrentRequests: number; sessions: number }>;
    assert.deepEqual(Object.keys(stats), ['node-001', 'node-002', 'node-003']);
    assert.equal(stats['node-001']?.peakConcurrentRequests, 1);
  });
});

/** Without the independent client: skip on a developer's machine, fail in CI (.ci/run installs it). */
function skipOrFail(ctx: Mocha.Context): void {
  if (process.env.CI) throw new Error('Debian python3-sushy / redfishtool missing: .ci/run installs them (apt-get install -y python3-sushy redfishtool)');
  ctx.skip();
}
