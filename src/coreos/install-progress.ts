// coreos-installer's download progress, for the live view. Format from coreos-installer
// src/download.rs `ProgressReader` (v0.26.0 @ bee45001): on stderr,
//   `Read <artifact> <done>/<total> (<percent>%)`   or, without a length, `Read <artifact> <done>`
// with sizes from byte-unit 5 `get_appropriate_unit(Binary)` at one decimal (`{:.1}`): "1.2 GiB",
// "512 B" (bytes print without decimals). When stderr is a TTY each update is `> ...   \r`;
// otherwise one line per update. The artifact is `disk` for the OS image.

export interface InstallProgress {
  artifact: string;
  /** Bytes read so far (as printed: rounded to the unit's first decimal). */
  done: number;
  /** Total bytes, when coreos-installer knew the length. */
  total?: number;
  /** coreos-installer's own integer percentage, when there is a total. */
  percent?: number;
}

const UNITS: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50, EiB: 2 ** 60 };
const SIZE = String.raw`(\d+(?:\.\d+)?) (B|KiB|MiB|GiB|TiB|PiB|EiB)`;
const LINE = new RegExp(String.raw`^(?:> )?Read (\S+(?: \S+)*?) ${SIZE}(?:/${SIZE} \((\d+)%\))?\s*$`);

function toBytes(value: string, unit: string): number {
  return Math.round(Number(value) * UNITS[unit]!);
}

/** Parses one progress line (any `> ` prefix and trailing spaces allowed); undefined for other lines. */
export function parseProgressLine(line: string): InstallProgress | undefined {
  const m = LINE.exec(line.replace(/\r/g, ''));
  if (!m) return undefined;
  const [, artifact, doneV, doneU, totalV, totalU, percent] = m;
  const out: InstallProgress = { artifact: artifact!, done: toBytes(doneV!, doneU!) };
  if (totalV !== undefined && totalU !== undefined && percent !== undefined) {
    out.total = toBytes(totalV, totalU);
    out.percent = Number(percent);
  }
  return out;
}

/**
 * Splits streamed stderr into lines at `\n` and `\r` (the TTY form rewrites one line with CR),
 * keeping the unfinished tail for the next chunk. Feed it chunks; it returns the progress
 * updates found and the other complete lines.
 */
export class ProgressSplitter {
  private tail = '';

  push(chunk: string): { progress: InstallProgress[]; lines: string[] } {
    const parts = (this.tail + chunk).split(/\r\n|\r|\n/);
    this.tail = parts.pop() ?? '';
    return this.sort(parts);
  }

  /** What is left when the stream ends. */
  end(): { progress: InstallProgress[]; lines: string[] } {
    const rest = this.tail;
    this.tail = '';
    return this.sort(rest === '' ? [] : [rest]);
  }

  private sort(parts: string[]): { progress: InstallProgress[]; lines: string[] } {
    const progress: InstallProgress[] = [];
    const lines: string[] = [];
    for (const p of parts) {
      const update = parseProgressLine(p);
      if (update) progress.push(update);
      else if (p.trim() !== '') lines.push(p);
    }
    return { progress, lines };
  }
}
