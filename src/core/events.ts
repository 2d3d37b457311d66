// Every observable thing fleetboot does is one of these events. Modules and the engine emit
// them; only consumers (output, journal, per-host logs) turn them into text or records, and
// all of them receive the events after the dispatcher has redacted secrets.

import type { HostOutcome, HostStats, TaskResult, TaskStatus } from './result.js';

export interface RunStartEvent {
  kind: 'run.start';
  runId: string;
  playbook: string;
  runDir: string;
  hosts: string[];
  check: boolean;
  forks: number;
}
export interface PlayStartEvent {
  kind: 'play.start';
  play: string;
  playIndex: number;
  hosts: string[];
  tasks: string[];
}
export interface BatchStartEvent {
  kind: 'batch.start';
  play: string;
  batch: number;
  batches: number;
  hosts: string[];
}
export interface TaskStartEvent {
  kind: 'task.start';
  host: string;
  taskIndex: number;
  task: string;
  module: string;
  item?: unknown;
}
export interface HostOutputEvent {
  kind: 'host.output';
  host: string;
  taskIndex: number;
  stream: 'stdout' | 'stderr';
  text: string;
}
/** How far a long step has come on a host (coreos-installer's percent), for the live view. */
export interface TaskProgressEvent {
  kind: 'task.progress';
  host: string;
  taskIndex: number;
  /** 0-100 when the step knows it. */
  percent?: number;
  /** The step's own progress line, short ("Read disk 1.2 GiB/3.5 GiB (34%)"). */
  text: string;
}
export interface TaskRetryEvent {
  kind: 'task.retry';
  host: string;
  taskIndex: number;
  task: string;
  attempt: number;
  retries: number;
  msg: string;
}
export interface TaskEndEvent {
  kind: 'task.end';
  host: string;
  taskIndex: number;
  task: string;
  module: string;
  status: TaskStatus;
  /** failed but `ignore_errors: true`. */
  ignored: boolean;
  result: TaskResult;
  durationMs: number;
}
export interface HostDoneEvent {
  kind: 'host.done';
  host: string;
  play: string;
  playIndex: number;
  outcome: HostOutcome;
  /** The failing task's message, for the live view and recap. */
  msg?: string;
}
export interface PlayEndEvent {
  kind: 'play.end';
  play: string;
  playIndex: number;
}
export interface RunEndEvent {
  kind: 'run.end';
  runId: string;
  stats: Record<string, HostStats>;
  outcomes: Record<string, HostOutcome>;
  interrupted: boolean;
  exitCode: number;
  retryFile?: string;
  durationMs: number;
}
export interface InterruptEvent {
  kind: 'interrupt';
  phase: 'graceful' | 'abort';
  signal: string;
}
export interface TransportEvent {
  kind: 'transport';
  host: string;
  transport: 'ssh' | 'redfish' | 'http' | 'kube';
  action: string;
  detail?: string;
  durationMs?: number;
}
export interface MessageEvent {
  kind: 'message';
  level: 'warning' | 'info' | 'debug';
  /** Verbosity (-v count) from which a debug message is shown. */
  verbosity?: number;
  host?: string;
  msg: string;
}

/** What `fleetboot approve` did with one CSR (once per CSR and rule). */
export interface CsrDecisionEvent {
  kind: 'csr.decision';
  /** approved/denied: written by fleetboot; left: a rule failed, stays pending; ignored: not fleetboot's; failed: the API refused. */
  outcome: 'approved' | 'denied' | 'left' | 'ignored' | 'failed';
  csr: string;
  csrKind: 'client' | 'serving' | 'other';
  /** The inventory host and node it concerns, when it names one. */
  host?: string;
  node?: string;
  /** The rule it failed (not for approved). */
  rule?: string;
  /** The inventory host whose names or addresses it asks for, when it claims no inventory node. */
  names?: string;
  reason: string;
  /** From the CSR's creation to its approval. */
  latencyMs?: number;
  error?: string;
}

export type FleetEvent =
  | RunStartEvent
  | PlayStartEvent
  | BatchStartEvent
  | TaskStartEvent
  | HostOutputEvent
  | TaskRetryEvent
  | TaskProgressEvent
  | TaskEndEvent
  | HostDoneEvent
  | PlayEndEvent
  | RunEndEvent
  | InterruptEvent
  | TransportEvent
  | MessageEvent
  | CsrDecisionEvent;

export type EventKind = FleetEvent['kind'];
export type EventOf<K extends EventKind> = Extract<FleetEvent, { kind: K }>;

/** A consumer may be async: the dispatcher awaits it (the journal is such a consumer). */
export type EventConsumer = (event: FleetEvent) => void | Promise<void>;
