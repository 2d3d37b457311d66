// Reading coreos-installer's output for the task: its error as one line, and its progress
// lines as live-view updates, at most one per whole percent. Pure.

import type { InstallProgress } from '../coreos/install-progress.js';

/**
 * coreos-installer prints errors as anyhow does: `Error: <what>`, then (after a blank line)
 * `Caused by:` and indented causes, numbered `0: ...` when several. On an install failure it then
 * resets the partition table and ends with a bare `Error: install failed`; that one says nothing
 * the earlier block does not, so the last informative block is condensed: `what: cause: cause`.
 */
export function installerError(stderr: string): string | undefined {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  let inCauses = false;
  for (const raw of stderr.split(/\r\n|\r|\n/)) {
    const line = raw.trimEnd();
    if (line.startsWith('Error: ')) {
      current = [line.slice('Error: '.length).trim()];
      blocks.push(current);
      inCauses = false;
    } else if (current && line.trim() === 'Caused by:') {
      inCauses = true;
    } else if (current && inCauses && /^\s+\S/.test(line)) {
      current.push(line.trim().replace(/^\d+:\s*/, ''));
    } else if (line.trim() !== '') {
      current = undefined;
      inCauses = false;
    }
  }
  const informative = blocks.filter((b) => !(b.length === 1 && b[0] === 'install failed'));
  const pick = informative.at(-1) ?? blocks.at(-1);
  return pick?.join(': ');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatSize(n: number): string {
  let u = 0;
  let v = n;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** Progress updates worth showing: a new whole percent, or (without a total) each further 256 MiB. */
export class ProgressThrottle {
  private lastPercent = -1;
  private lastDone = -Infinity;
  private lastArtifact = '';

  next(p: InstallProgress): { text: string; percent?: number } | undefined {
    if (p.artifact !== this.lastArtifact) {
      this.lastArtifact = p.artifact;
      this.lastPercent = -1;
      this.lastDone = -Infinity;
    }
    if (p.percent !== undefined && p.total !== undefined) {
      if (p.percent === this.lastPercent) return undefined;
      this.lastPercent = p.percent;
      return { text: `writing ${p.artifact}: ${formatSize(p.done)} of ${formatSize(p.total)}`, percent: p.percent };
    }
    if (p.done - this.lastDone < 256 * 2 ** 20) return undefined;
    this.lastDone = p.done;
    return { text: `writing ${p.artifact}: ${formatSize(p.done)}` };
  }
}
