// The live view's model: counters updated in O(1) per event, so that a thousand hosts cost
// the same per event as ten. Rendering reads these counters; it never walks the hosts.

import type { EventOf, FleetEvent } from '../core/events.js';
import type { HostOutcome, TaskStatus } from '../core/result.js';
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

/**
 * How the play's hosts ended, each host in exactly one bucket: by its outcome, except that a
 * host stopped before its first step (interrupted or play stopped) counts as not started, and one
 * stopped after it (or not ended at all) as not finished.
 */
export interface HostTally {
  ok: number;
  failed: number;
  unreachable: number;
  interrupted: number;
  notFinished: number;
  notStarted: number;
}

function zero(): TaskCounts {
  return { running: 0, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 };
}

function emptyTally(): HostTally {
  return { ok: 0, failed: 0, unreachable: 0, interrupted: 0, notFinished: 0, notStarted: 0 };
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
  /** Hosts that ended the play, whatever their outcome: the progress bar. */
  hostsDone = 0;
  /** Steps finished, a host that left the play counting all its remaining steps: the ETA's rate. */
  stepsDone = 0;
  recentFailures: FailureNote[] = [];
  failuresTotal = 0;
  interrupt: 'graceful' | 'abort' | undefined;
  /** Bumped by every event: the view redraws only when it moved. */
  version = 0;

  private now = 0;
  private readonly runningTask = new Map<string, number>();
  /** Last progress percent per host in its running step, summed per task for O(1) averages. */
  private readonly hostProgress = new Map<string, { task: number; percent: number }>();
  private progressSum: number[] = [];
  private progressHosts: number[] = [];
  private readonly hostSteps = new Map<string, number>();
  private readonly doneHosts = new Set<string>();
  private readonly failedHosts = new Set<string>();
  /** Hosts that began a step in this play and have not ended it. */
  private readonly startedHosts = new Set<string>();
  private playHosts: readonly string[] = [];
  private tally: HostTally = emptyTally();

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
      if (!this.doneHosts.has(e.host)) this.startedHosts.add(e.host);
      this.task(e.taskIndex, e.task).running += 1;
      if (e.taskIndex > this.lastStartedTask) this.lastStartedTask = e.taskIndex;
    },
    'host.output': () => {},
    'task.retry': () => {},
    'task.progress': (e) => {
      if (e.percent === undefined || this.runningTask.get(e.host) !== e.taskIndex) return;
      this.dropProgress(e.host);
      this.hostProgress.set(e.host, { task: e.taskIndex, percent: e.percent });
      this.progressSum[e.taskIndex] = (this.progressSum[e.taskIndex] ?? 0) + e.percent;
      this.progressHosts[e.taskIndex] = (this.progressHosts[e.taskIndex] ?? 0) + 1;
    },
    'task.end': (e) => {
      this.dropProgress(e.host);
      const counts = this.task(e.taskIndex, e.task);
      if (this.runningTask.get(e.host) === e.taskIndex) {
        counts.running -= 1;
        this.runningTask.delete(e.host);
      }
      counts[e.status] += 1;
      if (!this.doneHosts.has(e.host)) {
        this.startedHosts.add(e.host);
        this.stepsDone += 1;
        this.hostSteps.set(e.host, (this.hostSteps.get(e.host) ?? 0) + 1);
      }
      if ((e.status === 'failed' && !e.ignored) || e.status === 'unreachable') {
        this.noteFailure(e.host, e.task, describeFailure(e.result));
      }
    },
    'host.done': (e) => {
      this.endHost(e.host, e.outcome);
      if (e.outcome === 'failed' || e.outcome === 'unreachable') this.noteFailure(e.host, '', e.msg ?? e.outcome);
    },
    'play.end': () => {
      this.active = false;
    },
    'run.end': (e) => {
      // A play cut short without its host.done events: the run's final outcomes say how its
      // hosts ended (a host missing from them did not finish).
      if (!this.active) return;
      for (const h of this.playHosts) if (!this.doneHosts.has(h)) this.endHost(h, e.outcomes[h] ?? 'pending');
    },
    interrupt: (e) => {
      this.interrupt = e.phase;
    },
    transport: () => {},
    message: () => {},
    'csr.decision': () => {},
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

  /** How the play's hosts ended so far; hosts yet to end count as not finished or not started. */
  hostTally(): HostTally {
    const open = this.hostsTotal - this.hostsDone;
    const started = Math.min(open, this.startedHosts.size);
    return { ...this.tally, notFinished: this.tally.notFinished + started, notStarted: this.tally.notStarted + open - started };
  }

  /** Mean percent of the hosts reporting progress in task `i`, and how many report. */
  progress(i: number): { percent: number; hosts: number } | undefined {
    const n = this.progressHosts[i] ?? 0;
    return n > 0 ? { percent: Math.round((this.progressSum[i] ?? 0) / n), hosts: n } : undefined;
  }

  private dropProgress(host: string): void {
    const p = this.hostProgress.get(host);
    if (!p) return;
    this.hostProgress.delete(host);
    this.progressSum[p.task] = (this.progressSum[p.task] ?? 0) - p.percent;
    this.progressHosts[p.task] = (this.progressHosts[p.task] ?? 0) - 1;
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
    this.playHosts = e.hosts;
    this.hostsDone = this.stepsDone = 0;
    this.tally = emptyTally();
    this.startedHosts.clear();
    this.recentFailures = [];
    this.failuresTotal = 0;
    this.runningTask.clear();
    this.hostProgress.clear();
    this.progressSum = [];
    this.progressHosts = [];
    this.hostSteps.clear();
    this.doneHosts.clear();
    this.failedHosts.clear();
  }

  /** A host ended the play (a host gets one host.done per play: later ones are ignored). */
  private endHost(host: string, outcome: HostOutcome): void {
    if (this.doneHosts.has(host)) return;
    this.doneHosts.add(host);
    this.dropProgress(host);
    this.hostsDone += 1;
    const started = this.startedHosts.delete(host);
    const running = this.runningTask.get(host);
    if (running !== undefined) {
      this.task(running).running -= 1;
      this.runningTask.delete(host);
    }
    const steps = this.hostSteps.get(host) ?? 0;
    this.stepsDone += Math.max(0, this.tasks.length - steps);
    this.hostSteps.delete(host);
    switch (outcome) {
      case 'ok':
      case 'failed':
      case 'unreachable':
        this.tally[outcome] += 1;
        break;
      case 'interrupted':
        if (started) this.tally.interrupted += 1;
        else this.tally.notStarted += 1;
        break;
      case 'pending':
        if (started) this.tally.notFinished += 1;
        else this.tally.notStarted += 1;
        break;
    }
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
