// The output layer's entry: one `Output` per run, in the mode the CLI chose. Only this folder
// (and the CLI) writes to the terminal; everything it shows arrives as already-redacted events.

import type { FleetEvent } from '../core/events.js';
import { createJsonOutput } from './json.js';
import { createLinesOutput } from './lines.js';
import { intervalScheduler, LiveView, type Scheduler } from './live.js';
import type { OutputMode } from './mode.js';
import type { Invocation } from './run-facts.js';

export { useColor } from './color.js';
export { chooseOutputMode, type OutputMode } from './mode.js';
export { formatRecap, exitCodeMeaning, PER_HOST_RECAP_LIMIT, type RecapInput, type RecapStyle } from './recap.js';
export type { Invocation } from './run-facts.js';
export type { Scheduler } from './live.js';

export interface OutputOptions {
  mode: OutputMode;
  stream: NodeJS.WriteStream | NodeJS.WritableStream;
  color: boolean;
  /** The -v count. */
  verbosity: number;
  /** Lines mode: show each CSR approval at any verbosity (`fleetboot approve`). */
  showApprovals?: boolean;
  /** Terminal width; read from the stream when not given. */
  columns?: number;
  /** Clock in milliseconds (tests pass a fake one). */
  now?: () => number;
  /** How the live view's redraw timer runs (tests drive it by hand). */
  schedule?: Scheduler;
  /** The playbook and inventory as given on the command line, for the recap's retry hint. */
  invocation?: Invocation;
}

export interface Output {
  consume(event: FleetEvent): void;
  close(): void;
}

interface TtySize {
  rows?: unknown;
  columns?: unknown;
  isTTY?: unknown;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

export function createOutput(opts: OutputOptions): Output {
  const stream = opts.stream;
  const tty = stream as TtySize;
  const write = (text: string): void => {
    stream.write(text);
  };
  const now = opts.now ?? Date.now;
  const columns = (): number | undefined => opts.columns ?? (tty.isTTY ? positive(tty.columns) : undefined);
  const extra = opts.invocation ? { invocation: opts.invocation } : {};

  switch (opts.mode) {
    case 'json':
      return createJsonOutput({ write, now });
    case 'lines': {
      const cols = columns();
      return createLinesOutput({
        write,
        color: opts.color,
        verbosity: opts.verbosity,
        ...(opts.showApprovals ? { showApprovals: true } : {}),
        ...(cols !== undefined ? { columns: cols } : {}),
        ...extra,
      });
    }
    case 'live':
      return new LiveView({
        write,
        size: () => ({ rows: positive(tty.rows) ?? 24, columns: columns() ?? 80 }),
        color: opts.color,
        verbosity: opts.verbosity,
        now,
        schedule: opts.schedule ?? intervalScheduler,
        ...extra,
      });
  }
}
