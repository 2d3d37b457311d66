// Builders for the events a run emits, to feed the output in tests.

import type { EventOf } from '../../src/core/events.js';
import { emptyStats, type HostOutcome, type HostStats, type TaskResult, type TaskStatus } from '../../src/core/result.js';

export function taskEnd(
  host: string,
  taskIndex: number,
  task: string,
  status: TaskStatus,
  result: Partial<TaskResult> = {},
  ignored = false,
): EventOf<'task.end'> {
  return {
    kind: 'task.end',
    host,
    taskIndex,
    task,
    module: 'command',
    status,
    ignored,
    result: { changed: status === 'changed', failed: status === 'failed', ...result },
    durationMs: 5,
  };
}

export function taskStart(host: string, taskIndex: number, task: string): EventOf<'task.start'> {
  return { kind: 'task.start', host, taskIndex, task, module: 'command' };
}

export function stats(s: Partial<HostStats>): HostStats {
  return { ...emptyStats(), ...s };
}

export function hostName(i: number): string {
  return `node-${String(i).padStart(4, '0')}`;
}

/** A debug task's end, as the engine emits it: ok, with the module's result. */
export function debugEnd(host: string, taskIndex: number, task: string, result: Partial<TaskResult>): EventOf<'task.end'> {
  return { ...taskEnd(host, taskIndex, task, 'ok', result), module: 'debug' };
}

export function hostDone(host: string, outcome: HostOutcome, msg?: string, play = 'p'): EventOf<'host.done'> {
  return { kind: 'host.done', host, play, playIndex: 0, outcome, ...(msg ? { msg } : {}) };
}
