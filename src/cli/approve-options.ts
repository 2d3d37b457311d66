// `fleetboot approve`'s option values that need more than yargs: `--since` and `--settle`.

import { OptionsError } from '../core/errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from now (`90s`, `30m`, `2h`, `1d`) or an ISO 8601 time with its zone
 * (`2026-11-25T16:00:00Z`). No client CSR created before it is approved.
 */
export function parseSince(text: string, now: Date): Date {
  const d = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (d) return new Date(now.getTime() - Number(d[1]) * (UNIT_MS[d[2] ?? 's'] ?? 1000));
  // A time without a zone would be read in the local zone of whatever machine runs this: refuse.
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text.trim())) {
    const t = new Date(text.trim());
    if (!Number.isNaN(t.getTime())) {
      if (t.getTime() > now.getTime()) throw new OptionsError(`--since ${text}: that is in the future; give when the installs began`);
      return t;
    }
  }
  throw new OptionsError(`--since ${text}: give a duration back from now (90s, 30m, 2h, 1d) or an ISO time with its zone (2026-11-25T16:00:00Z)`);
}

/** `--settle SECONDS` as milliseconds. */
export function parseSettle(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 600) throw new OptionsError(`--settle: seconds from 0 to 600, got '${String(value)}'`);
  return Math.round(n * 1000);
}
