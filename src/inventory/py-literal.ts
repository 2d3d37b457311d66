// INI inventory values as Ansible reads them: Python's ast.literal_eval (numbers, quoted strings,
// True/False/None, lists, tuples, dicts, sets); anything else stays the text it was.

type Tok =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string; bytes: boolean }
  | { t: 'name'; v: string }
  | { t: 'op'; v: string }
  | { t: 'nl' }
  | { t: 'end' };

class Fail extends Error {}

const STRING_START = /^([rRuUbBfF]{0,2})('''|"""|'|")/;
const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.?(?:[eE][+-]?\d(?:_?\d)*)?)[jJ]?/;
const NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/u;
const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** `{ ok: true, value }` when Python would read `text` as a literal; otherwise `{ ok: false }`. */
export function pyLiteral(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const p = new Parser(tokenize(text.replace(/^[ \t]+/, '')));
    const value = p.parseTop();
    return { ok: true, value };
  } catch (err) {
    if (err instanceof Fail) return { ok: false };
    throw err;
  }
}

/** Ansible's INI `_parse_value`: the literal if there is one, else the text unchanged. */
export function iniValue(text: string): unknown {
  const r = pyLiteral(text);
  return r.ok ? r.value : text;
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let depth = 0;
  let i = 0;
  while (i < src.length) {
    const ch = src.charAt(i);
    if (ch === ' ' || ch === '\t' || ch === '\f') {
      i++;
    } else if (ch === '#') {
      while (i < src.length && src.charAt(i) !== '\n') i++;
    } else if (ch === '\\' && src.charAt(i + 1) === '\n') {
      i += 2;
    } else if (ch === '\n' || ch === '\r') {
      if (depth === 0) toks.push({ t: 'nl' });
      i++;
    } else if (STRING_START.test(src.slice(i))) {
      i = readString(src, i, toks);
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src.charAt(i + 1)))) {
      i = readNumber(src, i, toks);
    } else if (NAME.test(src.slice(i))) {
      const m = NAME.exec(src.slice(i));
      const word = m ? m[0] : '';
      toks.push({ t: 'name', v: word });
      i += word.length;
    } else if ('([{'.includes(ch)) {
      depth++;
      toks.push({ t: 'op', v: ch });
      i++;
    } else if (')]}'.includes(ch)) {
      depth--;
      toks.push({ t: 'op', v: ch });
      i++;
    } else {
      // Any other operator makes the text something other than a literal.
      toks.push({ t: 'op', v: ch });
      i++;
    }
  }
  toks.push({ t: 'end' });
  return toks;
}

function readNumber(src: string, start: number, toks: Tok[]): number {
  const m = NUMBER.exec(src.slice(start));
  if (!m) throw new Fail();
  const text = m[0];
  const next = src.charAt(start + text.length);
  if (/[\p{L}\p{N}_.]/u.test(next)) throw new Fail();
  if (/[jJ]$/.test(text)) throw new Fail(); // complex numbers have no JSON form
  const clean = text.replace(/_/g, '');
  // Python refuses leading zeros in decimal integers ("010"), but "00" is zero.
  if (/^0\d+$/.test(clean) && !/^0+$/.test(clean)) throw new Fail();
  const value = Number(clean);
  if (Number.isNaN(value)) throw new Fail();
  toks.push({ t: 'num', v: value });
  return start + text.length;
}

function readString(src: string, start: number, toks: Tok[]): number {
  const m = STRING_START.exec(src.slice(start));
  if (!m) throw new Fail();
  const prefix = (m[1] ?? '').toLowerCase();
  const quote = m[2] ?? '';
  const valid = ['', 'r', 'u', 'b', 'br', 'rb'].includes(prefix);
  if (!valid) throw new Fail(); // f-strings and bad prefixes are not literals
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  const triple = quote.length === 3;
  let i = start + m[0].length;
  let out = '';
  for (;;) {
    if (i >= src.length) throw new Fail();
    if (src.startsWith(quote, i)) {
      i += quote.length;
      break;
    }
    const ch = src.charAt(i);
    if (!triple && ch === '\n') throw new Fail();
    if (bytes && ch.charCodeAt(0) > 127) throw new Fail();
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const nx = src.charAt(i + 1);
    if (raw) {
      out += ch + nx;
      i += 2;
      continue;
    }
    const [text, used] = decodeEscape(src, i + 1, bytes);
    out += text;
    i += 1 + used;
  }
  toks.push({ t: 'str', v: out, bytes });
  return i;
}

/** The character(s) an escape after a backslash stands for, and how many source chars it used. */
function decodeEscape(src: string, at: number, bytes: boolean): [string, number] {
  const c = src.charAt(at);
  if (c === '') throw new Fail();
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  if (/[0-7]/.test(c)) {
    const oct = /^[0-7]{1,3}/.exec(src.slice(at))?.[0] ?? c;
    return [String.fromCharCode(parseInt(oct, 8)), oct.length];
  }
  if (c === 'x') {
    const hex = src.slice(at + 1, at + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Fail();
    return [String.fromCharCode(parseInt(hex, 16)), 3];
  }
  if (!bytes && (c === 'u' || c === 'U')) {
    const n = c === 'u' ? 4 : 8;
    const hex = src.slice(at + 1, at + 1 + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Fail();
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) throw new Fail();
    return [String.fromCodePoint(cp), 1 + n];
  }
  if (!bytes && c === 'N') throw new Fail(); // named escapes: no table of names here
  return ['\\' + c, 1]; // unknown escapes keep their backslash, as Python does
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  parseTop(): unknown {
    const value = this.testList(true);
    while (this.peek().t === 'nl') this.i++;
    if (this.peek().t !== 'end') throw new Fail();
    return value;
  }

  private peek(): Tok {
    return this.toks[this.i] ?? { t: 'end' };
  }

  private isOp(v: string): boolean {
    const tok = this.peek();
    return tok.t === 'op' && tok.v === v;
  }

  private expectOp(v: string): void {
    if (!this.isOp(v)) throw new Fail();
    this.i++;
  }

  /** `a, b, c` makes a tuple (a list here); a single item without a comma is itself. */
  private testList(top: boolean): unknown {
    if (!top && this.isOp(')')) return [];
    const first = this.expr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.atListEnd()) break;
      items.push(this.expr());
    }
    return items;
  }

  private atListEnd(): boolean {
    const tok = this.peek();
    return tok.t === 'end' || tok.t === 'nl' || (tok.t === 'op' && [')', ']', '}'].includes(tok.v));
  }

  private expr(): unknown {
    const tok = this.peek();
    if (tok.t === 'op' && (tok.v === '-' || tok.v === '+')) {
      this.i++;
      const operand = this.peek();
      // Only a sign directly before a number is a literal: -1, +2.5 (not --1, not -True).
      if (operand.t === 'num') {
        this.i++;
        this.noBinaryOp();
        return tok.v === '-' ? -operand.v : operand.v;
      }
      if (operand.t === 'op' && operand.v === '(') {
        const inner = this.atom();
        if (typeof inner !== 'number') throw new Fail();
        this.noBinaryOp();
        return tok.v === '-' ? -inner : inner;
      }
      throw new Fail();
    }
    const value = this.atom();
    this.noBinaryOp();
    return value;
  }

  /** Python accepts `1+2j` only; without complex numbers nothing may follow an atom but a separator. */
  private noBinaryOp(): void {
    const tok = this.peek();
    if (tok.t === 'end' || tok.t === 'nl') return;
    if (tok.t === 'op' && [')', ']', '}', ',', ':'].includes(tok.v)) return;
    throw new Fail();
  }

  private atom(): unknown {
    const tok = this.peek();
    switch (tok.t) {
      case 'num':
        this.i++;
        return tok.v;
      case 'str':
        return this.strings();
      case 'name':
        return this.name(tok.v);
      case 'op':
        if (tok.v === '(') {
          this.i++;
          const inner = this.testList(false);
          this.expectOp(')');
          return inner;
        }
        if (tok.v === '[') return this.list();
        if (tok.v === '{') return this.dictOrSet();
        throw new Fail();
      default:
        throw new Fail();
    }
  }

  /** Adjacent literals join ("a" "b" is "ab"); str and bytes do not mix. */
  private strings(): string {
    let out = '';
    let kind: boolean | undefined;
    for (let tok = this.peek(); tok.t === 'str'; tok = this.peek()) {
      if (kind !== undefined && kind !== tok.bytes) throw new Fail();
      kind = tok.bytes;
      out += tok.v;
      this.i++;
    }
    return out;
  }

  private name(word: string): unknown {
    this.i++;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    if (word === 'set' && this.isOp('(')) {
      this.i++;
      this.expectOp(')');
      return [];
    }
    throw new Fail();
  }

  private list(): unknown[] {
    this.expectOp('[');
    const items: unknown[] = [];
    while (!this.isOp(']')) {
      items.push(this.expr());
      if (!this.isOp(',')) break;
      this.i++;
    }
    this.expectOp(']');
    return items;
  }

  private dictOrSet(): unknown {
    this.expectOp('{');
    if (this.isOp('}')) {
      this.i++;
      return {};
    }
    const first = this.expr();
    if (this.isOp(':')) {
      const out: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        this.expectOp(':');
        const value = this.expr();
        if (typeof key === 'object' && key !== null) throw new Fail(); // unhashable key
        out[pyKey(key)] = value;
        if (!this.isOp(',')) break;
        this.i++;
        if (this.isOp('}')) break;
        key = this.expr();
      }
      this.expectOp('}');
      return out;
    }
    const items: unknown[] = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp('}')) break;
      items.push(this.expr());
    }
    this.expectOp('}');
    return [...new Set(items)];
  }
}

/** How Python's json writes a non-string dict key. */
function pyKey(key: unknown): string {
  if (key === true) return 'true';
  if (key === false) return 'false';
  if (key === null) return 'null';
  return String(key);
}
