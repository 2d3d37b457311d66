// Which CPU architecture each lab host has: `--arch aarch64=15,x86_64=5` (counts), `--arch x86_64`
// (all hosts), or by default about three quarters aarch64, like the fleets this tool is for.
// Everything is decided from the host index alone, so a lab of the same size looks the same every time.

export const LAB_ARCHES = ['aarch64', 'x86_64', 'ppc64le', 's390x'] as const;
export type LabArch = (typeof LAB_ARCHES)[number];

/** A parsed `--arch`: one architecture for all hosts, or a count per architecture. */
export type ArchSpec = { kind: 'all'; arch: LabArch } | { kind: 'counts'; counts: Array<[LabArch, number]> };

export function isLabArch(s: string): s is LabArch {
  return (LAB_ARCHES as readonly string[]).includes(s);
}

/** Parses `--arch`; throws an Error whose message says what is wrong and what is accepted. */
export function parseArchSpec(text: string): ArchSpec {
  const t = text.trim();
  const known = LAB_ARCHES.join(', ');
  if (!t.includes('=') && !t.includes(',')) {
    if (!isLabArch(t)) throw new Error(`unknown architecture "${t}" (expected one of: ${known})`);
    return { kind: 'all', arch: t };
  }
  const counts: Array<[LabArch, number]> = [];
  for (const part of t.split(',')) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m || m[1] === undefined || m[2] === undefined) throw new Error(`"${part}" is not ARCH=COUNT (e.g. aarch64=15,x86_64=5)`);
    const arch = m[1];
    if (!isLabArch(arch)) throw new Error(`unknown architecture "${arch}" (expected one of: ${known})`);
    if (counts.some(([a]) => a === arch)) throw new Error(`architecture "${arch}" is given twice`);
    counts.push([arch, Number(m[2])]);
  }
  if (counts.reduce((s, [, n]) => s + n, 0) === 0) throw new Error('the counts add up to no host at all');
  return { kind: 'counts', counts };
}

/** How many hosts a spec asks for, when it gives counts. */
export function archSpecTotal(spec: ArchSpec | undefined): number | undefined {
  return spec?.kind === 'counts' ? spec.counts.reduce((s, [, n]) => s + n, 0) : undefined;
}

/** The default: host index 3, 7, 11… is x86_64, every other one aarch64. */
export function defaultArch(index: number): LabArch {
  return index % 4 === 3 ? 'x86_64' : 'aarch64';
}

/**
 * The architecture of each of `count` hosts. Counts are interleaved (each host goes to the
 * architecture furthest behind its share), so any slice of the lab has both kinds.
 */
export function planArches(count: number, spec?: ArchSpec): LabArch[] {
  if (!spec) return Array.from({ length: count }, (_, i) => defaultArch(i));
  if (spec.kind === 'all') return Array.from({ length: count }, () => spec.arch);
  const total = archSpecTotal(spec) ?? 0;
  if (total !== count) throw new Error(`--arch asks for ${total} hosts but the lab has ${count}`);
  const given = spec.counts.map(() => 0);
  const out: LabArch[] = [];
  for (let i = 0; i < count; i++) {
    let best = -1;
    let bestLag = -Infinity;
    spec.counts.forEach(([, n], k) => {
      const lag = (n * (i + 1)) / count - (given[k] ?? 0);
      if ((given[k] ?? 0) < n && lag > bestLag + 1e-9) {
        best = k;
        bestLag = lag;
      }
    });
    const chosen = spec.counts[best];
    if (!chosen) break;
    given[best] = (given[best] ?? 0) + 1;
    out.push(chosen[0]);
  }
  return out;
}
