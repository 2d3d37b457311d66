// One host through one play's task list, at its own pace (no lockstep with other hosts). A host
// that fails or becomes unreachable leaves the play; the others go on.

import type { EventDispatcher } from '../core/dispatcher.js';
import { errorMessage } from '../core/errors.js';
import type { HostOutcome, HostStats } from '../core/result.js';
import type { HostScope, PlayLayer } from './host-scope.js';
import type { PlannedPlay } from './plan-types.js';
import { runTaskOnHost, type StepDeps } from './run-task.js';
import type { Vars } from './templating.js';
import { markUnsafe } from '../playbook/template.js';

export interface HostPlayDeps extends Omit<StepDeps, 'onRetry' | 'onOutput' | 'graceful'> {
  dispatcher: EventDispatcher;
  /** Aborted on the first Ctrl-C. */
  graceful: AbortSignal;
  /** Aborted when the play must stop for every host (any_errors_fatal, max_fail_percentage). */
  playStop: AbortSignal;
  stats: HostStats;
}

export interface HostPlayResult {
  outcome: HostOutcome;
  msg?: string;
}

export async function runHostPlay(scope: HostScope, planned: PlannedPlay, layer: PlayLayer, playMagic: Vars, deps: HostPlayDeps): Promise<HostPlayResult> {
  const host = scope.host;
  const d = deps.dispatcher;
  const stats = deps.stats;
  for (const pt of planned.tasks.slice(planned.startAt)) {
    if (deps.graceful.aborted) return { outcome: 'interrupted', msg: `interrupted before task '${pt.task.name}'` };
    if (deps.playStop.aborted) return { outcome: 'pending', msg: `play stopped before task '${pt.task.name}' (another host failed)` };
    const vars = scope.varsFor(layer, pt.task.vars, playMagic);
    const noLog = noLogOf(pt.task.no_log, vars, deps);
    await d.emit({ kind: 'task.start', host, taskIndex: pt.index, task: pt.task.name, module: pt.spec.name });
    d.setNoLog(host, noLog);
    const started = Date.now();
    const outcome = await runTaskOnHost(host, pt, vars, {
      ...deps,
      onRetry: (attempt, retries, msg) =>
        void d.emit({ kind: 'task.retry', host, taskIndex: pt.index, task: pt.task.name, attempt, retries, msg }),
      onOutput: (e) => {
        if (e.kind === 'output') void d.emit({ kind: 'host.output', host, taskIndex: pt.index, stream: e.stream, text: e.text });
        else if (e.kind === 'message') void d.emit({ ...e, host });
        else if (e.kind === 'progress') void d.emit({ kind: 'task.progress', host, taskIndex: pt.index, text: e.text, ...(e.percent !== undefined ? { percent: e.percent } : {}) });
        else void d.emit(e);
      },
    });
    // Module output is data, never a template (Ansible marks it unsafe).
    if (pt.task.register) scope.setFacts({ [pt.task.register]: markUnsafe(outcome.result) });
    if (outcome.result.ansible_facts && !outcome.result.failed) scope.setFacts(outcome.result.ansible_facts);
    count(stats, outcome.status, outcome.ignored);
    await d.emit({
      kind: 'task.end',
      host,
      taskIndex: pt.index,
      task: pt.task.name,
      module: pt.spec.name,
      status: outcome.status,
      ignored: outcome.ignored,
      result: outcome.result,
      durationMs: Date.now() - started,
    });
    d.setNoLog(host, false);
    const msg = typeof outcome.result.msg === 'string' ? `${pt.task.name}: ${outcome.result.msg}` : pt.task.name;
    if (outcome.status === 'unreachable') return { outcome: 'unreachable', msg: noLog ? pt.task.name : msg };
    if (outcome.status === 'failed' && !outcome.ignored) {
      if (outcome.result.interrupted) return { outcome: 'interrupted', msg };
      return { outcome: 'failed', msg: noLog ? pt.task.name : msg };
    }
  }
  return { outcome: 'ok' };
}

function count(stats: HostStats, status: string, ignored: boolean): void {
  switch (status) {
    case 'changed':
      stats.changed++;
      stats.ok++;
      break;
    case 'ok':
      stats.ok++;
      break;
    case 'skipped':
      stats.skipped++;
      break;
    case 'unreachable':
      stats.unreachable++;
      break;
    case 'failed':
      // As Ansible counts them: an ignored failure is also ok.
      if (ignored) {
        stats.ignored++;
        stats.ok++;
      } else stats.failed++;
      break;
  }
}

function noLogOf(value: boolean | string | undefined, vars: Vars, deps: HostPlayDeps): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  try {
    return Boolean(deps.templar.render(value, vars));
  } catch (err) {
    // When in doubt, hide: a secret shown is worse than output hidden.
    void deps.dispatcher.emit({ kind: 'message', level: 'warning', msg: `no_log: ${errorMessage(err)}; output hidden` });
    return true;
  }
}
