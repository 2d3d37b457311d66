// Splits an INI host line into words as Ansible does (Python's shlex.split in POSIX mode with
// comments): quotes group, backslash escapes, `#` outside quotes ends the line.

export interface Word {
  text: string;
  /** 0-based index in the line where the word starts. */
  start: number;
}

const WHITESPACE = ' \t\r\n';
const QUOTES = `'"`;

/** Throws an Error naming what is unterminated. */
export function shlexSplit(line: string): Word[] {
  const words: Word[] = [];
  let token = '';
  let start = -1;
  let quoted = false;
  let state: 'space' | 'word' | "'" | '"' = 'space';
  let i = 0;

  const emit = (): void => {
    if (token !== '' || quoted) words.push({ text: token, start });
    token = '';
    quoted = false;
    start = -1;
  };

  while (i < line.length) {
    const ch = line.charAt(i);
    if (state === 'space' || state === 'word') {
      if (WHITESPACE.includes(ch)) {
        if (state === 'word') emit();
        state = 'space';
        i++;
      } else if (ch === '#') {
        break;
      } else {
        if (state === 'space') start = i;
        state = 'word';
        if (QUOTES.includes(ch)) {
          state = ch === "'" ? "'" : '"';
          quoted = true;
          i++;
        } else if (ch === '\\') {
          if (i + 1 >= line.length) throw new Error('no character after the escaping backslash');
          token += line.charAt(i + 1);
          i += 2;
        } else {
          token += ch;
          i++;
        }
      }
    } else {
      // Inside quotes: only `"` quotes honour backslash, and only before `"` or `\`.
      if (ch === state) {
        state = 'word';
        i++;
      } else if (state === '"' && ch === '\\' && (line.charAt(i + 1) === '"' || line.charAt(i + 1) === '\\')) {
        token += line.charAt(i + 1);
        i += 2;
      } else {
        token += ch;
        i++;
      }
    }
  }
  if (state === "'" || state === '"') throw new Error('no closing quotation');
  if (state === 'word') emit();
  return words;
}
