// Runs a playbook through the real planner and engine, in-process, over a scripted SSH pool.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventDispatcher } from '../../src/core/dispatcher.js';
import type { FleetEvent } from '../../src/core/events.js';
import { Interrupt } from '../../src/engine/interrupt.js';
import { planRun } from '../../src/engine/plan.js';
import { runPlan, type RunSummary } from '../../src/engine/run.js';
import { createRunDir, newRunId } from '../../src/engine/run-dir.js';
import { ModuleRegistry } from '../../src/modules/registry.js';
import { inventoryView } from '../../src/cli/wiring.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { loadVarsFile } from '../../src/playbook/vars-file.js';
import { Templar } from '../../src/playbook/template.js';
import { sshTargetFromVars } from '../../src/ssh/index.js';
import { FakePool, type Script } from './fake-pool.js';

export interface HarnessOptions {
  hosts?: number;
  inventory?: string;
  script?: Script;
  unreachable?: string[];
  extraVars?: Record<string, unknown>;
  check?: boolean;
  forks?: number;
  startAtTask?: string;
  limit?: string[];
  onEvent?: (e: FleetEvent, interrupt: Interrupt) => void;
}

export interface HarnessResult {
  summary: RunSummary;
  events: FleetEvent[];
  pool: FakePool;
  dir: string;
  ended(host: string, task: string): Extract<FleetEvent, { kind: 'task.end' }> | undefined;
}

export async function runYaml(playbook: string, o: HarnessOptions = {}): Promise<HarnessResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetboot-engine-'));
  const n = o.hosts ?? 3;
  const hosts = Array.from({ length: n }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
  await writeFile(
    join(dir, 'inv.yml'),
    o.inventory ?? `all:\n  children:\n    web:\n      hosts:\n${hosts.map((h) => `        ${h}: { ansible_host: 127.0.0.2 }`).join('\n')}\n`,
  );
  await writeFile(join(dir, 'pb.yml'), playbook);
  const registry = new ModuleRegistry();
  const inv = await loadInventory([join(dir, 'inv.yml')]);
  const pb = await loadPlaybook(join(dir, 'pb.yml'), { isModule: (m) => registry.has(m), moduleNames: registry.names() });
  const view = inventoryView(inv);
  const plan = await planRun(pb, registry, view, {
    ...(o.limit ? { limit: new Set(o.limit) } : {}),
    ...(o.startAtTask ? { startAtTask: o.startAtTask } : {}),
    loadVarsFile: (p) => loadVarsFile(join(pb.dir, p)),
    templar: new Templar({ baseDir: pb.dir }),
  });
  const dispatcher = new EventDispatcher();
  const events: FleetEvent[] = [];
  const interrupt = new Interrupt();
  dispatcher.subscribe((e) => {
    events.push(e);
    o.onEvent?.(e, interrupt);
  });
  const pool = new FakePool(o.script ?? (() => ({})), new Set(o.unreachable ?? []));
  const runId = newRunId();
  const summary = await runPlan({
    plan,
    inventory: view,
    inventorySources: [join(dir, 'inv.yml')],
    templar: new Templar({ baseDir: pb.dir }),
    pool,
    sshTarget: (h, vars) => sshTargetFromVars(h, vars),
    dispatcher,
    interrupt,
    forks: o.forks ?? 10,
    check: o.check ?? false,
    extraVars: o.extraVars ?? {},
    runId,
    runDir: await createRunDir(join(dir, 'runs'), runId),
    retryFiles: true,
  });
  return {
    summary,
    events,
    pool,
    dir,
    ended: (host, task) => events.find((e): e is Extract<FleetEvent, { kind: 'task.end' }> => e.kind === 'task.end' && e.host === host && e.task === task),
  };
}
