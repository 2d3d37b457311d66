// Planning: resolve each play's hosts and each task's module, and check every task's arguments
// against its module's schema, before any host is touched. A typo in task 9 fails here, not
// after task 8 ran on 200 hosts. Nothing here reads a host's state.

import { errorMessage, ExitCode, FleetbootError, ParseError, type SourcePos } from '../core/errors.js';
import type { ModuleSpec } from '../modules/contract.js';
import { parseKeyValue, splitArgs } from '../playbook/extra-vars.js';
import type { ModuleRegistry } from '../modules/registry.js';
import type { Playbook, Task } from '../playbook/types.js';
import type { InventoryView } from './inventory-view.js';
import type { PlannedPlay, PlannedTask, RunPlan } from './plan-types.js';
import type { TemplateEngine, Vars } from './templating.js';
import { checkArgsStatically } from './validate-args.js';
import { suggest } from '../playbook/suggest.js';

export interface PlanOptions {
  /** Hosts allowed by --limit / --retry-failed; undefined means no limit. */
  limit?: ReadonlySet<string>;
  startAtTask?: string;
  /** Loads a play's vars_files entry (path relative to the playbook's directory). */
  loadVarsFile: (path: string) => Promise<Vars>;
  /** Checks templates and expressions without rendering them. */
  templar: Pick<TemplateEngine, 'checkTemplates' | 'checkExpression'>;
}

export async function planRun(pb: Playbook, registry: ModuleRegistry, inventory: InventoryView, opts: PlanOptions): Promise<RunPlan> {
  const plays: PlannedPlay[] = [];
  const all = new Set<string>();
  let startFound = opts.startAtTask === undefined;
  for (const [index, play] of pb.plays.entries()) {
    const tasks = play.tasks.map((task, i) => planTask(task, i, index, registry, opts.templar));
    checked(() => opts.templar.checkTemplates(play.vars, play.pos));
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

/**
 * Arguments as a mapping, as Ansible reads them: a free-form string (`command: ls /tmp
 * chdir=/`) gives the module's free-form argument plus any `key=value` words that name its
 * options; for other modules the string is `key=value` pairs (`debug: msg=done`); `args:`
 * beside a free-form string arrives as `_raw_params`.
 */
export function normalizeArgs(written: Vars | string, spec: ModuleSpec<Record<string, unknown>>): Vars {
  const options = Object.keys((spec.argsSchema.properties as Record<string, unknown> | undefined) ?? {});
  if (typeof written !== 'string') {
    if (!('_raw_params' in written)) return written;
    const { _raw_params: raw, ...rest } = written;
    if (!spec.freeForm) throw new Error(`${spec.name} takes no free-form arguments`);
    return { ...rest, [spec.freeForm]: raw };
  }
  if (!spec.freeForm) return parseKeyValue(written, `${spec.name} argument`);
  const words: string[] = [];
  const named: Vars = {};
  for (const word of splitArgs(written)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word);
    if (m && m[1] !== spec.freeForm && options.includes(m[1]!)) Object.assign(named, parseKeyValue(word, `${spec.name} argument`));
    else words.push(word);
  }
  return { ...named, [spec.freeForm]: words.join(' ') };
}

function planTask(task: Task, index: number, playIndex: number, registry: ModuleRegistry, templar: PlanOptions['templar']): PlannedTask {
  const field = `plays[${playIndex}].tasks[${index}]`;
  const spec = registry.get(task.module);
  if (!spec) {
    const hint = suggest(task.module, registry.names());
    throw new ParseError(task.pos, `${field}.${task.module}`, `unknown module '${task.module}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }
  let args: Vars;
  try {
    args = normalizeArgs(task.args, spec);
  } catch (err) {
    throw new ParseError(task.pos, `${field}.${task.module}`, errorMessage(err));
  }
  const problems = checkArgsStatically(spec, args);
  if (problems.length > 0) {
    const p = problems[0]!;
    const pos: SourcePos = p.arg ? argPosition(task, spec, p.arg) : task.pos;
    throw new ParseError(pos, `${field}.${task.module}${p.arg ? '.' + p.arg : ''}`, p.message);
  }
  checkTaskTemplates(task, spec, args, templar);
  return { index, task, spec, args };
}

/**
 * Template syntax, and the filters and tests templates name, are checked before any host is
 * touched (variables are not: they exist per host). A bad template is a playbook error (exit 4).
 */
function checkTaskTemplates(task: Task, spec: ModuleSpec<Record<string, unknown>>, args: Vars, templar: PlanOptions['templar']): void {
  checked(() => {
    for (const [name, value] of Object.entries(args)) {
      const where = argPosition(task, spec, name);
      if (spec.expressionArgs?.includes(name)) {
        for (const e of Array.isArray(value) ? value : [value]) if (typeof e === 'string') templar.checkExpression(e, where);
      } else templar.checkTemplates(value, where);
    }
    templar.checkTemplates([task.name, task.loop, task.vars, task.retries, task.delay, task.timeout, task.ignore_errors, task.no_log, task.check_mode], task.pos);
    for (const e of [...(task.when ?? []), ...(task.until ?? []), ...(task.failed_when ?? []), ...(task.changed_when ?? [])]) templar.checkExpression(e, task.pos);
  });
}

/** Where an argument was written; a free-form string stands for the module's free-form argument. */
function argPosition(task: Task, spec: ModuleSpec<Record<string, unknown>>, arg: string): SourcePos {
  return task.argPos[arg] ?? (arg === spec.freeForm ? task.argPos._raw_params : undefined) ?? task.pos;
}

function checked(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    throw new FleetbootError(errorMessage(err), ExitCode.PARSE_ERROR);
  }
}
