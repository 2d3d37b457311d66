// Python's textwrap.wrap as Jinja2's `wordwrap` filter calls it (tabs kept, whitespace inside a
// line kept, whitespace at line breaks dropped): greedy filling of words, long words broken.

export interface WrapOptions {
  width: number;
  breakLongWords: boolean;
  breakOnHyphens: boolean;
}

/** Words, runs of whitespace, and (with breakOnHyphens) the parts of hyphenated words. */
function chunks(text: string, breakOnHyphens: boolean): string[] {
  const parts = text.split(/(\s+)/u).filter((p) => p !== '');
  if (!breakOnHyphens) return parts;
  // textwrap breaks after the hyphens of a word like "well-known" (letters on both sides).
  return parts.flatMap((p) => (/\s/u.test(p) ? [p] : p.split(/(?<=\p{L}-+)(?=\p{L})/u)));
}

const isSpace = (s: string): boolean => s.trim() === '';

/** The lines of one paragraph line; none for an empty one, as textwrap.wrap gives. */
export function wrapLine(text: string, opts: WrapOptions): string[] {
  if (opts.width <= 0) throw new Error(`invalid width ${opts.width} (must be > 0)`);
  const pending = chunks(text, opts.breakOnHyphens).reverse();
  const lines: string[] = [];
  while (pending.length > 0) {
    const line: string[] = [];
    let len = 0;
    // Whitespace at the start of every line but the first is dropped.
    if (lines.length > 0 && isSpace(pending[pending.length - 1] ?? 'x')) pending.pop();
    while (pending.length > 0) {
      const chunk = pending[pending.length - 1] ?? '';
      const size = [...chunk].length;
      if (len + size > opts.width) break;
      line.push(chunk);
      len += size;
      pending.pop();
    }
    const next = pending[pending.length - 1];
    if (next !== undefined && [...next].length > opts.width) {
      // A chunk longer than a whole line: cut it to fill this line, or put it on its own line.
      const room = opts.width - len;
      if (opts.breakLongWords) {
        const chars = [...next];
        let end = room;
        if (opts.breakOnHyphens) {
          // Prefer breaking after the word's last hyphen that fits, when letters come before it.
          const hyphen = chars.slice(0, room).lastIndexOf('-');
          if (hyphen > 0 && chars.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
        }
        // An empty piece when the line is full, as textwrap does: the line's trailing space stays.
        line.push(chars.slice(0, end).join(''));
        pending[pending.length - 1] = chars.slice(end).join('');
      } else if (line.length === 0) {
        line.push(next);
        pending.pop();
      }
    }
    if (line.length > 0 && isSpace(line[line.length - 1] ?? '')) line.pop();
    if (line.length > 0) lines.push(line.join(''));
  }
  return lines;
}
