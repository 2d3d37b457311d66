// One task on one host: when, loop, templated arguments, the module run with its timeout,
// retries/until, failed_when/changed_when, register. Returns the result; never throws for
// anything a host or a playbook can cause.

import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, formatPos } from '../core/errors.js';
import type { TaskResult, TaskStatus } from '../core/result.js';
import { ModuleFailure, type ModuleContext, type ModuleEvent } from '../modules/contract.js';
import { SshUnreachableError } from '../ssh/types.js';
import type { PlannedTask } from './plan-types.js';
import type { TemplateEngine, Vars } from './templating.js';
import { validateArgs } from './validate-args.js';
import { removeOmitted } from '../playbook/template.js';

export interface StepDeps {
  templar: TemplateEngine;
  check: boolean;
  /** Aborted on the second Ctrl-C. */
  abort: AbortSignal;
  /** Aborted on the first Ctrl-C: no new attempt or loop item starts. */
  graceful: AbortSignal;
  contextFor(host: string, vars: Vars, signal: AbortSignal, timeoutMs: number | undefined, check: boolean, emit: (e: ModuleEvent) => void): ModuleContext;
  onRetry(attempt: number, retries: number, msg: string): void;
  onOutput(e: ModuleEvent): void;
}

export interface StepOutcome {
  status: TaskStatus;
  ignored: boolean;
  result: TaskResult;
}

const DEFAULT_RETRIES = 3;
const DEFAULT_DELAY_S = 5;

export async function runTaskOnHost(host: string, planned: PlannedTask, vars: Vars, deps: StepDeps): Promise<StepOutcome> {
  const { task } = planned;
  const t = deps.templar;
  let result: TaskResult;
  try {
    if (task.loop !== undefined) {
      const items = t.render(task.loop, vars, task.pos);
      if (!Array.isArray(items)) throw new ModuleFailure(`loop: expected a list, got ${typeof items}`);
      const loopVar = task.loop_var ?? 'item';
      const results: TaskResult[] = [];
      for (const item of items) {
        if (deps.graceful.aborted) break;
        const r = await runOnce(host, planned, { ...vars, [loopVar]: item, ansible_loop_var: loopVar }, deps);
        results.push({ ...r, [loopVar]: item, ansible_loop_var: loopVar });
        if (r.unreachable) break;
      }
      result = aggregateLoop(results);
    } else {
      result = await runOnce(host, planned, vars, deps);
    }
  } catch (err) {
    result = failure(err);
  }
  return outcomeOf(result, truthy(t, task.ignore_errors, vars, task));
}

async function runOnce(host: string, planned: PlannedTask, vars: Vars, deps: StepDeps): Promise<TaskResult> {
  const { task, spec } = planned;
  const t = deps.templar;
  if (task.when && !t.isTrue(task.when, vars, task.pos)) {
    return { changed: false, failed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: task.when.join(' and ') };
  }
  // A task's own check_mode overrides --check (`check_mode: false` runs a read-only command anyway).
  const check = task.check_mode === undefined ? deps.check : truthy(t, task.check_mode, vars, task);
  if (check && !spec.supportsCheck) {
    return { changed: false, failed: false, skipped: true, msg: `skipped: ${spec.name} does not support check mode` };
  }
  const rendered = t.render(planned.args, vars, task.pos) as Vars;
  const args = removeOmitted(rendered);
  const invalid = validateArgs(spec, args);
  if (invalid) {
    return { changed: false, failed: true, msg: `${formatPos(task.pos)}: ${spec.name}: ${invalid}` };
  }
  const timeoutMs = task.timeout === undefined ? undefined : Number(t.render(task.timeout, vars, task.pos)) * 1000;
  const retriesSet = task.retries !== undefined;
  const until = task.until;
  const attempts = until || retriesSet ? Math.max(1, Number(t.render(task.retries ?? DEFAULT_RETRIES, vars, task.pos))) + 1 : 1;
  const delayMs = Number(t.render(task.delay ?? DEFAULT_DELAY_S, vars, task.pos)) * 1000;

  let result: TaskResult = { changed: false, failed: true, msg: 'not run' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    result = await runModule(host, planned, args, vars, timeoutMs, check, deps);
    result = applyConditions(result, planned, vars, t);
    if (result.unreachable) return result;
    const done = until ? t.isTrue(until, { ...vars, ...(task.register ? { [task.register]: result } : {}) }, task.pos) : !result.failed;
    if (attempts > 1) result.attempts = attempt;
    if (done) return result;
    if (attempt === attempts) {
      if (until) result = { ...result, failed: true, msg: result.msg ?? `until condition not met after ${attempt} attempts` };
      return result;
    }
    if (deps.graceful.aborted) return result;
    deps.onRetry(attempt, attempts - 1, typeof result.msg === 'string' ? result.msg : 'condition not met');
    try {
      await sleep(delayMs, undefined, { signal: deps.abort });
    } catch {
      return result;
    }
  }
  return result;
}

async function runModule(host: string, planned: PlannedTask, args: Vars, vars: Vars, timeoutMs: number | undefined, check: boolean, deps: StepDeps): Promise<TaskResult> {
  const signals = [deps.abort];
  const timeout = timeoutMs && timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  if (timeout) signals.push(timeout);
  const signal = signals.length === 1 ? deps.abort : AbortSignal.any(signals);
  const ctx = deps.contextFor(host, vars, signal, timeoutMs, check, deps.onOutput);
  const run = planned.spec.run(args, ctx);
  try {
    if (!timeout) return await run;
    // A module that ignores its signal must not hold the host past the timeout.
    let onAbort: (() => void) | undefined;
    const expired = new Promise<never>((_, reject) => {
      onAbort = () => reject(new TaskTimeout());
      timeout.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([run, expired]);
    } finally {
      if (onAbort) timeout.removeEventListener('abort', onAbort);
      run.catch(() => undefined);
    }
  } catch (err) {
    if (err instanceof TaskTimeout || (timeout?.aborted && !deps.abort.aborted)) {
      return { changed: false, failed: true, msg: `The ${planned.spec.name} action failed to execute in the expected time frame (${timeoutMs! / 1000}s) and was terminated` };
    }
    if (deps.abort.aborted) return { changed: false, failed: true, msg: 'aborted by a second interrupt', interrupted: true };
    return failure(err);
  }
}

class TaskTimeout extends Error {}

function failure(err: unknown): TaskResult {
  if (err instanceof SshUnreachableError) return { changed: false, failed: false, unreachable: true, msg: err.message };
  if (err instanceof ModuleFailure) return { changed: false, ...err.result, failed: true, msg: err.message };
  return { changed: false, failed: true, msg: errorMessage(err) };
}

function applyConditions(result: TaskResult, planned: PlannedTask, vars: Vars, t: TemplateEngine): TaskResult {
  const { task } = planned;
  if (result.unreachable || (!task.changed_when && !task.failed_when)) return result;
  const withResult = { ...vars, ...(task.register ? { [task.register]: result } : {}), result };
  const out = { ...result };
  if (task.changed_when) out.changed = t.isTrue(task.changed_when, withResult, task.pos);
  if (task.failed_when) {
    out.failed = t.isTrue(task.failed_when, withResult, task.pos);
    out.failed_when_result = out.failed;
    if (!out.failed && result.failed) delete out.msg;
  }
  return out;
}

function aggregateLoop(results: TaskResult[]): TaskResult {
  const failed = results.some((r) => r.failed);
  const unreachable = results.some((r) => r.unreachable);
  const skipped = results.length > 0 && results.every((r) => r.skipped);
  const out: TaskResult = { changed: results.some((r) => r.changed), failed, results };
  if (skipped) out.skipped = true;
  if (unreachable) {
    out.unreachable = true;
    out.msg = results.find((r) => r.unreachable)?.msg;
  } else if (failed) out.msg = 'One or more items failed';
  else out.msg = 'All items completed';
  return out;
}

function outcomeOf(result: TaskResult, ignoreErrors: boolean): StepOutcome {
  if (result.unreachable) return { status: 'unreachable', ignored: false, result };
  if (result.failed) return { status: 'failed', ignored: ignoreErrors, result };
  if (result.skipped) return { status: 'skipped', ignored: false, result };
  return { status: result.changed ? 'changed' : 'ok', ignored: false, result };
}

function truthy(t: TemplateEngine, value: boolean | string | undefined, vars: Vars, task: PlannedTask['task']): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  try {
    return Boolean(t.evaluate(value.replace(/^\s*\{\{\s*|\s*\}\}\s*$/g, ''), vars, task.pos));
  } catch {
    return false;
  }
}
