// Parses the small subset of POSIX sh the lab hosts understand: words with '...', "..." and
// backslash quoting, $NAME / ${NAME} / $? parameters, a leading ~, comments, and lists joined by
// `;`, newlines, `&&` and `||`. Pipes, redirections, subshells and substitutions are refused
// with a syntax error rather than half-understood.

export type WordPart = { kind: 'lit'; text: string; quoted: boolean } | { kind: 'param'; name: string };

export interface Word {
  parts: WordPart[];
  /** Any quoting in the word: then it survives even when it expands to nothing. */
  quoted: boolean;
}

export type Connector = ';' | '&&' | '||';

/** One simple command, run or skipped depending on its connector and the previous status. */
export interface ListItem {
  connector: Connector;
  words: Word[];
}

export class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShellSyntaxError';
  }
}

type Token = { t: 'word'; word: Word } | { t: 'op'; op: Connector } | { t: 'nl' };

const UNSUPPORTED = new Set(['|', '&', '<', '>', '(', ')', '`']);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL_PARAMS = new Set(['?', '$', '#', '@', '*', '!', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

function unsupported(what: string): ShellSyntaxError {
  return new ShellSyntaxError(`syntax error: ${what} is not supported by the lab shell`);
}

class Lexer {
  private i = 0;
  private parts: WordPart[] | null = null;
  private quoted = false;
  readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  run(): Token[] {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i] ?? '';
      const next = s[this.i + 1];
      if (c === ' ' || c === '\t' || c === '\r') {
        this.endWord();
        this.i++;
      } else if (c === '\n') {
        this.endWord();
        this.tokens.push({ t: 'nl' });
        this.i++;
      } else if (c === ';') {
        this.endWord();
        if (next === ';') throw new ShellSyntaxError("syntax error near unexpected token `;;'");
        this.tokens.push({ t: 'op', op: ';' });
        this.i++;
      } else if ((c === '&' || c === '|') && next === c) {
        this.endWord();
        this.tokens.push({ t: 'op', op: c === '&' ? '&&' : '||' });
        this.i += 2;
      } else if (UNSUPPORTED.has(c)) {
        throw unsupported(`'${c}'`);
      } else if (c === '#' && this.parts === null) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (c === '\\') {
        if (next === '\n') this.i += 2;
        else {
          this.lit(next ?? '\\', true);
          this.i += 2;
        }
      } else if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
        this.lit(s.slice(this.i + 1, end), true);
        this.i = end + 1;
      } else if (c === '"') {
        this.doubleQuoted();
      } else if (c === '$') {
        this.param(false);
      } else if (c === '~' && this.parts === null && (next === undefined || next === '/' || /[\s;]/.test(next))) {
        this.push({ kind: 'param', name: 'HOME' });
        this.i++;
      } else {
        this.lit(c, false);
        this.i++;
      }
    }
    this.endWord();
    return this.tokens;
  }

  private doubleQuoted(): void {
    const s = this.src;
    this.quoted = true;
    this.lit('', true);
    this.i++;
    for (;;) {
      if (this.i >= s.length) throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'');
      const c = s[this.i] ?? '';
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === '\\' && this.i + 1 < s.length && '"\\$`\n'.includes(s[this.i + 1] ?? '')) {
        if (s[this.i + 1] !== '\n') this.lit(s[this.i + 1] ?? '', true);
        this.i += 2;
      } else if (c === '$') {
        this.param(true);
      } else if (c === '`') {
        throw unsupported('command substitution');
      } else {
        this.lit(c, true);
        this.i++;
      }
    }
  }

  /** At a `$`: a parameter, or a literal dollar sign when nothing parameter-like follows. */
  private param(inQuotes: boolean): void {
    const s = this.src;
    const c = s[this.i + 1] ?? '';
    if (c === '(') throw unsupported('command substitution');
    if (c === '{') {
      const end = s.indexOf('}', this.i + 2);
      const name = end < 0 ? '' : s.slice(this.i + 2, end);
      if (!/^([A-Za-z_][A-Za-z0-9_]*|[?$#@*!\-0-9])$/.test(name)) throw unsupported(`'\${${name}...}'`);
      this.push({ kind: 'param', name });
      this.i = end + 1;
    } else if (SPECIAL_PARAMS.has(c)) {
      this.push({ kind: 'param', name: c });
      this.i += 2;
    } else if (NAME_START.test(c)) {
      let j = this.i + 1;
      while (j < s.length && NAME_CHAR.test(s[j] ?? '')) j++;
      this.push({ kind: 'param', name: s.slice(this.i + 1, j) });
      this.i = j;
    } else {
      this.lit('$', inQuotes);
      this.i++;
    }
  }

  private lit(text: string, quoted: boolean): void {
    if (quoted) this.quoted = true;
    const parts = (this.parts ??= []);
    const last = parts[parts.length - 1];
    if (last?.kind === 'lit' && last.quoted === quoted) last.text += text;
    else parts.push({ kind: 'lit', text, quoted });
  }

  private push(part: WordPart): void {
    (this.parts ??= []).push(part);
  }

  private endWord(): void {
    if (this.parts === null) return;
    this.tokens.push({ t: 'word', word: { parts: this.parts, quoted: this.quoted } });
    this.parts = null;
    this.quoted = false;
  }
}

/** Parses a command string into a list of simple commands; throws ShellSyntaxError. */
export function parseScript(src: string): ListItem[] {
  const items: ListItem[] = [];
  let words: Word[] = [];
  let connector: Connector = ';';
  let pending = false; // an && or || waits for its right-hand command
  const finish = (): void => {
    items.push({ connector, words });
    words = [];
    pending = false;
  };
  for (const tok of new Lexer(src).run()) {
    if (tok.t === 'word') {
      words.push(tok.word);
    } else if (tok.t === 'nl') {
      if (words.length > 0) {
        finish();
        connector = ';';
      }
    } else {
      if (words.length === 0) throw new ShellSyntaxError(`syntax error near unexpected token \`${tok.op}'`);
      finish();
      connector = tok.op;
      pending = tok.op !== ';';
    }
  }
  if (words.length > 0) finish();
  else if (pending) throw new ShellSyntaxError('syntax error: unexpected end of file');
  return items;
}
