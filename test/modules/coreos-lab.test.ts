// The coreos modules on a lab host (its own process, reached through the inventory the lab writes):
// the live ISO from the lab's mirror, the worker Ignition published on a real artifact server, and
// coreos.install running the lab's coreos-installer, which fetches that Ignition and checks its hash.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bufferSource } from '../../src/coreos/byte-source.js';
import { showIgnition } from '../../src/coreos/iso-ignition.js';
import { readLiveIgnition } from '../../src/coreos/live-ignition.js';
import { labDown, labUp, type LabState } from '../../src/lab/control.js';
import type { ModuleEvent } from '../../src/modules/contract.js';
import { httpGetBytes } from '../../src/modules/coreos-fetch.js';
import { coreosIgnitionModule } from '../../src/modules/coreos-ignition.js';
import { coreosInstallModule } from '../../src/modules/coreos-install.js';
import { clearIsoCaches } from '../../src/modules/coreos-iso-cache.js';
import { coreosLiveIsoModule } from '../../src/modules/coreos-live-iso.js';
import { redfishBootModule } from '../../src/modules/redfish-boot.js';
import { redfishPowerModule } from '../../src/modules/redfish-power.js';
import { redfishVirtualMediaModule } from '../../src/modules/redfish-virtual-media.js';
import { waitForConnectionModule } from '../../src/modules/wait-for-connection.js';
import { BmcPool } from '../../src/redfish/bmc-pool.js';
import { ArtifactServer } from '../../src/serve/server.js';
import { SshConnectionPool, sshTargetFromVars } from '../../src/ssh/index.js';
import { makeContext, makePlaybookDir, runModule, serverPublisher, type PlaybookDir } from './context.js';

type Vars = Record<string, unknown>;
const isVars = (v: unknown): v is Vars => typeof v === 'object' && v !== null && !Array.isArray(v);

describe('coreos modules on a lab host', function () {
  this.timeout(60_000);
  let dir: string;
  let lab: LabState;
  let server: ArtifactServer;
  let pool: SshConnectionPool;
  let pb: PlaybookDir;
  let host: string;
  let vars: Vars;
  let bmcs: BmcPool;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetboot-coreos-lab-'));
    lab = await labUp({ hosts: 1, dir, port: 0 });
    bmcs = new BmcPool();
    server = await ArtifactServer.start({ bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }] });
    pool = new SshConnectionPool();
    pb = makePlaybookDir();
    const doc: unknown = parse(readFileSync(lab.inventory, 'utf8'));
    const group = isVars(doc) && isVars(doc.all) && isVars(doc.all.children) ? doc.all.children.lab : undefined;
    assert.ok(isVars(group) && isVars(group.hosts) && isVars(group.vars));
    const [name, hostVars] = Object.entries(group.hosts)[0] ?? [];
    assert.ok(name && isVars(hostVars));
    host = name;
    vars = { ...group.vars, ...hostVars };
  });
  after(async () => {
    await pool?.closeAll();
    await bmcs?.closeAll();
    await server?.close();
    if (dir) {
      await labDown(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    pb?.remove();
  });

  const ctx = (onEvent?: (e: ModuleEvent) => void) => {
    const t = makeContext({ pool, target: () => sshTargetFromVars(host, vars), playbookDir: pb.dir, vars, artifacts: (s) => serverPublisher(server, host, (x) => s.add(x)), ...(onEvent ? { onEvent } : {}) });
    t.ctx.bmc = () => bmcs.get(host, vars['bmc']);
    return t;
  };

  it('publishes the lab live ISO with the run key and a pinned host key', async () => {
    clearIsoCaches();
    const t = ctx();
    const r = await runModule(coreosLiveIsoModule, { stream: String(vars['coreos_stream_url']), cache_dir: join(dir, 'iso-cache') }, t.ctx);
    assert.equal(r.failed, false, String(r.msg));
    const live = readLiveIgnition(await showIgnition(bufferSource(await httpGetBytes(String(r.url)))));
    const pub = lab.publicKey.trim().split(' ').slice(0, 2).join(' ');
    assert.deepEqual(live.authorizedKeys, [pub]);
    assert.match(String((r.ansible_facts as Vars)['fleetboot_host_key']), /^ssh-ed25519 /);
  });

  it('installs with the published Ignition and its hash, streaming progress', async () => {
    const t = ctx();
    const ign = await runModule(coreosIgnitionModule, { src: String(vars['worker_ignition_file']) }, t.ctx);
    assert.equal(ign.failed, false, String(ign.msg));
    const r = await runModule(coreosInstallModule, { ignition_url: String(ign.url), ignition_hash: String(ign.hash) }, t.ctx);
    assert.equal(r.failed, false, `${String(r.msg)} ${JSON.stringify(r.stderr_lines)}`);
    assert.equal(r.rc, 0);
    assert.equal(r.device, '/dev/nvme0n1');
    assert.ok((r.stderr_lines as string[]).includes('Install complete.'));
    const progress = t.events.filter((e) => e.kind === 'progress');
    assert.ok(progress.length >= 2);
    // The installer fetched the config from the artifact server (the module's own check is another request).
    assert.ok(server.stats().hosts[host]!.requests >= 2);
  });

  it('fails with coreos-installer\'s message on a wrong hash', async () => {
    const t = ctx();
    const ign = await runModule(coreosIgnitionModule, { src: String(vars['worker_ignition_file']) }, t.ctx);
    const wrong = `sha512-${'0'.repeat(128)}`;
    const r = await runModule(coreosInstallModule, { ignition_url: String(ign.url), ignition_hash: wrong }, t.ctx);
    assert.equal(r.failed, true);
    assert.equal(r.rc, 1);
    assert.match(String(r.msg), /^coreos-installer failed \(rc 1\): writing Ignition configuration: failed to validate Ignition configuration digest: hash mismatch, computed '[0-9a-f]{128}' but expected '0{128}'$/);
  });

  it('boots the served ISO through the BMC and reaches the live system with its pinned host key, then installs', async () => {
    clearIsoCaches();
    const iso = await runModule(coreosLiveIsoModule, { stream: String(vars['coreos_stream_url']), cache_dir: join(dir, 'iso-cache') }, ctx().ctx);
    assert.equal(iso.failed, false, String(iso.msg));
    for (const [spec, args] of [
      [redfishVirtualMediaModule, { state: 'inserted', image: String(iso.url) }],
      [redfishBootModule, { target: 'Cd' }],
      [redfishPowerModule, { state: 'restart' }],
    ] as const) {
      const r = await runModule(spec as never, args as never, ctx().ctx);
      assert.equal(r.failed, false, `${spec.name}: ${String(r.msg)}`);
    }
    // The fact pins the live system's key (strict policy: only that key is accepted), not the lab's disk system's.
    assert.notEqual((iso.ansible_facts as Vars)['fleetboot_host_key'], lab.hosts[0]!.hostKey);
    vars = { ...vars, ...(iso.ansible_facts as Vars), fleetboot_host_key_policy: 'strict' };
    await pool.drop(host);
    const wait = await runModule(waitForConnectionModule, { timeout: 30, sleep: 0.2 }, ctx().ctx);
    assert.equal(wait.failed, false, String(wait.msg));
    const ign = await runModule(coreosIgnitionModule, { src: String(vars['worker_ignition_file']) }, ctx().ctx);
    const r = await runModule(coreosInstallModule, { ignition_url: String(ign.url), ignition_hash: String(ign.hash) }, ctx().ctx);
    assert.equal(r.failed, false, String(r.msg));
    assert.equal(r.rc, 0);
  });
});
