// The single point every event passes: secrets are redacted here, once, before any consumer
// (output, journal, logs) sees the event.

import type { EventConsumer, FleetEvent } from './events.js';
import { NO_LOG_MESSAGE, SecretSet } from './redact.js';

export class EventDispatcher {
  readonly secrets = new SecretSet();
  private readonly consumers: EventConsumer[] = [];
  /** Consumers that must have the event before anyone shows it (the journal). */
  private readonly durable: EventConsumer[] = [];
  /** Hosts whose current task has `no_log: true`: their output and results are censored. */
  private readonly noLog = new Set<string>();

  subscribe(consumer: EventConsumer, opts: { durable?: boolean } = {}): () => void {
    const list = opts.durable ? this.durable : this.consumers;
    list.push(consumer);
    return () => {
      const i = list.indexOf(consumer);
      if (i >= 0) list.splice(i, 1);
    };
  }

  setNoLog(host: string, on: boolean): void {
    if (on) this.noLog.add(host);
    else this.noLog.delete(host);
  }

  /** Redacts, then hands the event to every consumer; resolves when async consumers are done. */
  async emit(event: FleetEvent): Promise<void> {
    const clean = this.clean(event);
    if (clean === undefined) return;
    // What is shown has been recorded first: after a crash, the journal knows at least as much
    // as the operator saw.
    if (this.durable.length) await Promise.all(this.durable.map((c) => c(clean)));
    const pending: Promise<void>[] = [];
    for (const consumer of this.consumers) {
      const r = consumer(clean);
      if (r) pending.push(r);
    }
    if (pending.length) await Promise.all(pending);
  }

  private clean(event: FleetEvent): FleetEvent | undefined {
    if ('host' in event && event.host && this.noLog.has(event.host)) {
      if (event.kind === 'host.output') return undefined;
      if (event.kind === 'task.end') {
        const { changed, failed, skipped, unreachable } = event.result;
        return this.secrets.redact({
          ...event,
          result: { changed, failed, skipped, unreachable, censored: NO_LOG_MESSAGE },
        });
      }
      if (event.kind === 'task.retry') return this.secrets.redact({ ...event, msg: NO_LOG_MESSAGE });
      if (event.kind === 'host.done' && event.msg) return this.secrets.redact({ ...event, msg: NO_LOG_MESSAGE });
    }
    return this.secrets.redact(event);
  }
}
