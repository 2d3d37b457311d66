// Pure helpers for the progress line: a bar, durations, an ETA from the completion rate.

/** `[#####.....]`, `width` counting the brackets. */
export function progressBar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.floor(f * inner);
  return `[${'#'.repeat(full)}${'.'.repeat(inner - full)}]`;
}

/** `4.2s`, `42s`, `3m07s`, `1h05m`. */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, Number.isFinite(ms) ? ms : 0);
  if (safe < 10_000) return `${(safe / 1000).toFixed(1)}s`;
  const s = Math.round(safe / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Time left if the work goes on at the rate it went so far; undefined until there is a rate.
 * `fraction` is the share of the work done, `elapsedMs` the time it took.
 */
export function estimateRemaining(fraction: number, elapsedMs: number): number | undefined {
  if (!(fraction > 0) || elapsedMs <= 0) return undefined;
  if (fraction >= 1) return 0;
  return (elapsedMs * (1 - fraction)) / fraction;
}
