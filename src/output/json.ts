// JSON lines: each event as one JSON object on its own line, with the time it was written.
// Nothing else goes to the stream, so `fleetboot run --json | jq` always parses.

import type { FleetEvent } from '../core/events.js';

export function formatJsonLine(event: FleetEvent, at: number): string {
  const ts = new Date(at).toISOString();
  try {
    return JSON.stringify({ ts, ...event });
  } catch (err) {
    // A value JSON cannot hold (a BigInt in a loop item): say so rather than break the stream.
    const why = err instanceof Error ? err.message : String(err);
    return JSON.stringify({ ts, kind: event.kind, error: `event not serializable: ${why}` });
  }
}

export function createJsonOutput(opts: {
  write: (text: string) => void;
  now: () => number;
}): { consume(event: FleetEvent): void; close(): void } {
  return {
    consume(event) {
      opts.write(`${formatJsonLine(event, opts.now())}\n`);
    },
    close() {},
  };
}
