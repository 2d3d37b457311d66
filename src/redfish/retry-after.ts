// `Retry-After` in both forms RFC 9110 allows: delay-seconds or an HTTP-date.

/**
 * Milliseconds to wait as the header asks, capped at `capMs`; undefined when the header is
 * absent or unreadable (the caller then uses its own backoff). A date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, capMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, capMs);
  // Only accept something that looks like a date: Date.parse is lenient with plain numbers.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), capMs);
}
