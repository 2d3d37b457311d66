// Building command lines for a POSIX shell on the far side of SSH: pure functions.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell (single quotes, as Python's shlex.quote does). */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

export function joinArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * Splits a command string into words as Python's shlex.split (POSIX mode) does, which is what
 * Ansible's `command` module does with `cmd`: quotes group, backslash escapes, no operators.
 */
export function splitWords(cmd: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < cmd.length && '\\"$`\n'.includes(cmd[i + 1]!)) word += cmd[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      word += cmd[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote === '"' ? 'double' : 'single'} quote in command: ${cmd}`);
  if (inWord) words.push(word);
  return words;
}

/** Whether a path is a glob pattern (`*`, `?` or a `[...]` class), as `creates`/`removes` allow. */
export function isGlob(path: string): boolean {
  return /[*?]|\[!?[A-Za-z0-9._-]+\]/.test(path);
}

/**
 * A glob pattern as one shell word: `*`, `?` and simple `[...]` classes stay active, all else
 * is quoted (so `$`, spaces or quotes in a path are never interpreted).
 */
export function globWord(pattern: string): string {
  return pattern
    .split(/([*?]|\[!?[A-Za-z0-9._-]+\])/)
    .map((part, i) => (i % 2 === 1 ? part : part === '' ? '' : shellQuote(part)))
    .join('');
}

/** Prefixes `cd DIR &&` so the command runs in DIR. */
export function inDirectory(command: string, chdir: string | undefined): string {
  return chdir ? `cd ${shellQuote(chdir)} && ${command}` : command;
}

export function lines(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}
