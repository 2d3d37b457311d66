// The single point every event passes: secrets are redacted here, once, before any consumer
// (output, journal, logs) sees the event.

import type { EventConsumer, FleetEvent } from './events.js';
import { NO_LOG_MESSAGE, SecretSet } from './redact.js';

export class EventDispatcher {
  readonly secrets = new SecretSet();
  private readonly consumers: EventConsumer[] = [];
  /** Hosts whose current task has `no_log: true`: their output and results are censored. */
  private readonly noLog = new Set<string>();

  subscribe(consumer: EventConsumer): () => void {
    this.consumers.push(consumer);
    return () => {
      const i = this.consumers.indexOf(consumer);
      if (i >= 0) this.consumers.splice(i, 1);
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
