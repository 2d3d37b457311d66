// The live view's model: counters updated in O(1) per event, so that a thousand hosts cost
// the same per event as ten. Rendering reads these counters; it never walks the hosts.

import type { EventOf, FleetEvent } from '../core/events.js';
import type { TaskStatus } from '../core/result.js';
import { renderEvent, type Renderers } from './renderers.js';
import { describeFailure } from './text.js';

/** Failing hosts kept for the view, most recent first (the view shows at most these). */
export const RECENT_FAILURES = 8;

export type TaskCounts = Record<TaskStatus | 'running', number>;

export interface FailureNote {
  host: string;
  task: string;
  msg: string;
}

function zero(): TaskCounts {
  return { running: 0, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 };
}

export class LiveState {
  runStartedAt: number | undefined;
  runId = '';
  check = false;
  play = '';
  /** Between play.start and play.end: a frame is drawn. */
  active = false;
  playIndex = -1;
  playStartedAt = 0;
  batch: { n: number; of: number } | undefined;
  tasks: string[] = [];
  counts: TaskCounts[] = [];
  /** Index of the task a host reached last, across the play (the "active" rows). */
  lastStartedTask = -1;
  hostsTotal = 0;
  hostsDone = 0;
  hostsFailed = 0;
  hostsUnreachable = 0;
  /** Steps finished, a host that left the play counting all its remaining steps: the ETA's rate. */
  stepsDone = 0;
  recentFailures: FailureNote[] = [];
  failuresTotal = 0;
  interrupt: 'graceful' | 'abort' | undefined;
  /** Bumped by every event: the view redraws only when it moved. */
  version = 0;

  private now = 0;
  private readonly runningTask = new Map<string, number>();
  private readonly hostSteps = new Map<string, number>();
  private readonly doneHosts = new Set<string>();
  private readonly failedHosts = new Set<string>();

  private readonly reducers: Renderers<void> = {
    'run.start': (e) => {
      this.runStartedAt = this.now;
      this.runId = e.runId;
      this.check = e.check;
    },
    'play.start': (e) => this.startPlay(e),
    'batch.start': (e) => {
      this.batch = { n: e.batch, of: e.batches };
    },
    'task.start': (e) => {
      const current = this.runningTask.get(e.host);
      if (current === e.taskIndex) return; // the next item of a loop: the same step
      if (current !== undefined) this.task(current).running -= 1;
      this.runningTask.set(e.host, e.taskIndex);
      this.task(e.taskIndex, e.task).running += 1;
      if (e.taskIndex > this.lastStartedTask) this.lastStartedTask = e.taskIndex;
    },
    'host.output': () => {},
    'task.retry': () => {},
    'task.end': (e) => {
      const counts = this.task(e.taskIndex, e.task);
      if (this.runningTask.get(e.host) === e.taskIndex) {
        counts.running -= 1;
        this.runningTask.delete(e.host);
      }
      counts[e.status] += 1;
      if (!this.doneHosts.has(e.host)) {
        this.stepsDone += 1;
        this.hostSteps.set(e.host, (this.hostSteps.get(e.host) ?? 0) + 1);
      }
      if ((e.status === 'failed' && !e.ignored) || e.status === 'unreachable') {
        this.noteFailure(e.host, e.task, describeFailure(e.result));
      }
    },
    'host.done': (e) => {
      if (this.doneHosts.has(e.host)) return;
      this.doneHosts.add(e.host);
      this.hostsDone += 1;
      const running = this.runningTask.get(e.host);
      if (running !== undefined) {
        this.task(running).running -= 1;
        this.runningTask.delete(e.host);
      }
      const steps = this.hostSteps.get(e.host) ?? 0;
      this.stepsDone += Math.max(0, this.tasks.length - steps);
      this.hostSteps.delete(e.host);
      if (e.outcome === 'failed') this.hostsFailed += 1;
      if (e.outcome === 'unreachable') this.hostsUnreachable += 1;
      if (e.outcome === 'failed' || e.outcome === 'unreachable') this.noteFailure(e.host, '', e.msg ?? e.outcome);
    },
    'play.end': () => {
      this.active = false;
    },
    'run.end': () => {},
    interrupt: (e) => {
      this.interrupt = e.phase;
    },
    transport: () => {},
    message: () => {},
  };

  apply(event: FleetEvent, now: number): void {
    this.now = now;
    this.version += 1;
    renderEvent(this.reducers, event);
  }

  /** Share of the play's steps done, for the ETA. */
  stepFraction(): number {
    const total = this.hostsTotal * this.tasks.length;
    return total > 0 ? Math.min(1, this.stepsDone / total) : 0;
  }

  /** Hosts running a step now. */
  runningHosts(): number {
    return this.runningTask.size;
  }

  private startPlay(e: EventOf<'play.start'>): void {
    this.play = e.play;
    this.active = true;
    this.playIndex = e.playIndex;
    this.playStartedAt = this.now;
    this.batch = undefined;
    this.tasks = [...e.tasks];
    this.counts = e.tasks.map(zero);
    this.lastStartedTask = -1;
    this.hostsTotal = e.hosts.length;
    this.hostsDone = this.hostsFailed = this.hostsUnreachable = this.stepsDone = 0;
    this.recentFailures = [];
    this.failuresTotal = 0;
    this.runningTask.clear();
    this.hostSteps.clear();
    this.doneHosts.clear();
    this.failedHosts.clear();
  }

  private task(index: number, name?: string): TaskCounts {
    // Tasks the play did not announce (a task list that grew) get a row when first seen.
    while (this.counts.length <= index) {
      this.counts.push(zero());
      this.tasks.push('');
    }
    if (name && !this.tasks[index]) this.tasks[index] = name;
    return this.counts[index]!;
  }

  private noteFailure(host: string, task: string, msg: string): void {
    if (this.failedHosts.has(host)) return;
    this.failedHosts.add(host);
    this.failuresTotal += 1;
    this.recentFailures.unshift({ host, task, msg });
    if (this.recentFailures.length > RECENT_FAILURES) this.recentFailures.pop();
  }
}
