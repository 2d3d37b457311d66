// Planning: resolve each play's hosts and each task's module, and check every task's arguments
// against its module's schema, before any host is touched. A typo in task 9 fails here, not
// after task 8 ran on 200 hosts. Nothing here reads a host's state.

import { ParseError, type SourcePos } from '../core/errors.js';
import type { ModuleRegistry } from '../modules/registry.js';
import type { Playbook, Task } from '../playbook/types.js';
import type { InventoryView } from './inventory-view.js';
import type { PlannedPlay, PlannedTask, RunPlan } from './plan-types.js';
import type { Vars } from './templating.js';
import { checkArgsStatically, closest } from './validate-args.js';

export interface PlanOptions {
  /** Hosts allowed by --limit / --retry-failed; undefined means no limit. */
  limit?: ReadonlySet<string>;
  startAtTask?: string;
  /** Loads a play's vars_files entry (path relative to the playbook's directory). */
  loadVarsFile: (path: string) => Promise<Vars>;
}

export async function planRun(pb: Playbook, registry: ModuleRegistry, inventory: InventoryView, opts: PlanOptions): Promise<RunPlan> {
  const plays: PlannedPlay[] = [];
  const all = new Set<string>();
  let startFound = opts.startAtTask === undefined;
  for (const [index, play] of pb.plays.entries()) {
    const tasks = play.tasks.map((task, i) => planTask(task, i, index, registry));
    let hosts = inventory.select(play.hosts);
    if (opts.limit) hosts = hosts.filter((h) => opts.limit!.has(h));
    hosts.forEach((h) => all.add(h));
    let varsFiles: Vars = {};
    for (const file of play.vars_files) varsFiles = { ...varsFiles, ...(await opts.loadVarsFile(file)) };
    let startAt = 0;
    if (!startFound) {
      const at = tasks.findIndex((t) => t.task.name === opts.startAtTask);
      if (at >= 0) {
        startFound = true;
        startAt = at;
      } else startAt = tasks.length;
    }
    plays.push({ index, play, hosts, tasks, varsFiles, startAt });
  }
  if (!startFound) throw new ParseError(undefined, '--start-at-task', `no task named '${opts.startAtTask}' in ${pb.file}`);
  return { playbook: pb.file, playbookDir: pb.dir, plays, hosts: inventory.select('all').filter((h) => all.has(h)) };
}

function planTask(task: Task, index: number, playIndex: number, registry: ModuleRegistry): PlannedTask {
  const field = `plays[${playIndex}].tasks[${index}]`;
  const spec = registry.get(task.module);
  if (!spec) {
    const hint = closest(task.module, registry.names());
    throw new ParseError(task.pos, `${field}.${task.module}`, `unknown module '${task.module}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }
  let args: Vars;
  if (typeof task.args === 'string') {
    if (!spec.freeForm) {
      throw new ParseError(task.pos, `${field}.${task.module}`, `${spec.name} takes its arguments as a mapping, not a free-form string`);
    }
    args = { [spec.freeForm]: task.args };
  } else args = task.args;
  const problems = checkArgsStatically(spec, args);
  if (problems.length > 0) {
    const p = problems[0]!;
    const pos: SourcePos = (p.arg && task.argPos[p.arg]) || task.pos;
    throw new ParseError(pos, `${field}.${task.module}${p.arg ? '.' + p.arg : ''}`, p.message);
  }
  return { index, task, spec, args };
}
