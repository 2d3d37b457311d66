// Ansible's `serial`: split a play's hosts into batches. Sizes are numbers or percentages of the
// play's hosts; the last size repeats until every host has a batch.

export function batchSizes(total: number, serial: readonly (number | string)[] | undefined): number[] {
  if (!serial || serial.length === 0 || total === 0) return total === 0 ? [] : [total];
  const sizes: number[] = [];
  let left = total;
  let i = 0;
  while (left > 0) {
    const spec = serial[Math.min(i, serial.length - 1)]!;
    let size = typeof spec === 'number' ? spec : percent(spec, total);
    size = Math.max(1, Math.min(left, Math.floor(size)));
    sizes.push(size);
    left -= size;
    i++;
  }
  return sizes;
}

function percent(spec: string, total: number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(spec);
  if (m) return Math.floor((Number(m[1]) / 100) * total) || 1;
  const n = Number(spec);
  if (Number.isFinite(n)) return n;
  throw new Error(`serial: '${spec}' is neither a number nor a percentage`);
}

export function batches<T>(hosts: readonly T[], serial: readonly (number | string)[] | undefined): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const size of batchSizes(hosts.length, serial)) {
    out.push(hosts.slice(at, at + size));
    at += size;
  }
  return out;
}

/** Ansible aborts a batch once its failed share is strictly greater than max_fail_percentage. */
export function exceedsMaxFail(failed: number, batchSize: number, maxFailPercentage: number | undefined): boolean {
  if (maxFailPercentage === undefined || batchSize === 0) return false;
  return (failed / batchSize) * 100 > maxFailPercentage;
}
