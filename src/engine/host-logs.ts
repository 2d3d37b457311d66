// Per-host logs in the run directory: every step's start, its output as it arrives, and its end.
// Events reach this consumer after redaction.

import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { FleetEvent } from '../core/events.js';

/** Lines are gathered and written at most this often: one write per host, not one per line. */
const FLUSH_MS = 100;

export class HostLogs {
  private readonly streams = new Map<string, WriteStream>();
  private readonly pending = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly dir: string) {}

  private stream(host: string): { write(text: string): void } {
    return { write: (text) => this.buffer(host, text) };
  }

  private buffer(host: string, text: string): void {
    this.pending.set(host, (this.pending.get(host) ?? '') + text);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    for (const [host, text] of this.pending) {
      let s = this.streams.get(host);
      if (!s) {
        s = createWriteStream(join(this.dir, `${host.replace(/[^A-Za-z0-9._-]/g, '_')}.log`), { flags: 'a', mode: 0o600 });
        this.streams.set(host, s);
      }
      s.write(text);
    }
    this.pending.clear();
  }

  readonly consume = (event: FleetEvent): void => {
    const ts = new Date().toISOString();
    switch (event.kind) {
      case 'task.start':
        this.stream(event.host).write(`${ts} TASK [${event.task}] start${event.item !== undefined ? ` item=${JSON.stringify(event.item)}` : ''}\n`);
        break;
      case 'host.output':
        this.stream(event.host).write(event.text);
        if (!event.text.endsWith('\n')) this.stream(event.host).write('\n');
        break;
      case 'task.retry':
        this.stream(event.host).write(`${ts} TASK [${event.task}] retry ${event.attempt}/${event.retries}: ${event.msg}\n`);
        break;
      case 'task.end': {
        const r = event.result;
        const msg = typeof r.msg === 'string' ? `: ${r.msg}` : '';
        const rc = typeof r.rc === 'number' ? ` rc=${r.rc}` : '';
        this.stream(event.host).write(`${ts} TASK [${event.task}] ${event.status}${event.ignored ? ' (ignored)' : ''}${rc} ${event.durationMs}ms${msg}\n`);
        break;
      }
      case 'host.done':
        this.stream(event.host).write(`${ts} PLAY [${event.play}] ${event.outcome}${event.msg ? `: ${event.msg}` : ''}\n`);
        break;
      case 'transport':
        this.stream(event.host).write(`${ts} ${event.transport} ${event.action}${event.detail ? ` ${event.detail}` : ''}\n`);
        break;
      case 'csr.decision': {
        const host = event.host ?? event.names;
        if (host) this.stream(host).write(`${ts} csr ${event.outcome} ${event.csrKind} CSR ${event.csr}${event.rule ? `: rule ${event.rule}` : ''}: ${event.reason}${event.error ? ` (${event.error})` : ''}\n`);
        break;
      }
      default:
        break;
    }
  };

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.flush();
    await Promise.all([...this.streams.values()].map((s) => new Promise<void>((r) => s.end(r))));
    this.streams.clear();
  }
}
