// The run's journal: append-only JSON lines in `.fleetboot/runs/<id>/journal.jsonl`. Each record
// is written (one write(2) of a whole line) before the host's next step starts, so a crash or a
// kill -9 loses at most the step in flight, and `--retry-failed` can read what happened.

import { open, type FileHandle } from 'node:fs/promises';
import type { FleetEvent } from '../core/events.js';
import type { HostOutcome, TaskStatus } from '../core/result.js';

export type JournalRecord =
  | {
      type: 'run';
      runId: string;
      ts: string;
      playbook: string;
      inventory: string[];
      hosts: string[];
      limit?: string;
      check: boolean;
    }
  | { type: 'task'; ts: string; host: string; taskIndex: number; task: string; status: TaskStatus; ignored: boolean; msg?: string; rc?: number }
  | { type: 'host'; ts: string; host: string; playIndex: number; outcome: HostOutcome; final: boolean; msg?: string }
  | { type: 'end'; ts: string; exitCode: number; interrupted: boolean; outcomes: Record<string, HostOutcome> };

export class JournalWriter {
  private chain: Promise<unknown> = Promise.resolve();
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<JournalWriter> {
    return new JournalWriter(await open(path, 'a', 0o600), path);
  }

  /** Appends a record; resolves once the line has been handed to the kernel. */
  append(record: JournalRecord): Promise<void> {
    const line = JSON.stringify(record) + '\n';
    const next = this.chain.then(() => this.handle.write(line));
    this.chain = next.catch(() => undefined);
    return next.then(() => undefined);
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.sync().catch(() => undefined);
    await this.handle.close();
  }
}

/** Which hosts a final record says are done, given that the host's last play is known. */
export function journalConsumer(
  writer: JournalWriter,
  isFinalPlay: (host: string, playIndex: number) => boolean,
): (event: FleetEvent) => Promise<void> | void {
  return (event) => {
    const ts = new Date().toISOString();
    switch (event.kind) {
      case 'task.end': {
        const rec: JournalRecord = { type: 'task', ts, host: event.host, taskIndex: event.taskIndex, task: event.task, status: event.status, ignored: event.ignored };
        if (typeof event.result.msg === 'string') rec.msg = event.result.msg;
        if (typeof event.result.rc === 'number') rec.rc = event.result.rc;
        return writer.append(rec);
      }
      case 'host.done': {
        const rec: JournalRecord = {
          type: 'host',
          ts,
          host: event.host,
          playIndex: event.playIndex,
          outcome: event.outcome,
          final: event.outcome !== 'ok' || isFinalPlay(event.host, event.playIndex),
        };
        if (event.msg) rec.msg = event.msg;
        return writer.append(rec);
      }
      case 'run.end':
        return writer.append({ type: 'end', ts, exitCode: event.exitCode, interrupted: event.interrupted, outcomes: event.outcomes });
      default:
        return undefined;
    }
  };
}

export interface JournalSummary {
  run?: Extract<JournalRecord, { type: 'run' }>;
  /** Each host's last known outcome; `pending` for hosts that never reached an end. */
  outcomes: Map<string, HostOutcome>;
  ended: boolean;
  /** Lines that could not be parsed (a torn last line after a crash). */
  damaged: number;
}

/** Reads a journal, tolerating a torn last line. Pure over the text. */
export function readJournal(text: string): JournalSummary {
  const summary: JournalSummary = { outcomes: new Map(), ended: false, damaged: 0 };
  const finished = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      summary.damaged++;
      continue;
    }
    if (rec.type === 'run') {
      summary.run = rec;
      for (const h of rec.hosts) summary.outcomes.set(h, 'pending');
    } else if (rec.type === 'host') {
      if (rec.final) finished.add(rec.host);
      summary.outcomes.set(rec.host, rec.final || rec.outcome !== 'ok' ? rec.outcome : 'pending');
    } else if (rec.type === 'end') {
      summary.ended = true;
    }
  }
  return summary;
}

/** The hosts `--retry-failed` runs again: every host that did not end ok. */
export function hostsToRetry(summary: JournalSummary): string[] {
  return [...summary.outcomes].filter(([, outcome]) => outcome !== 'ok').map(([host]) => host);
}
