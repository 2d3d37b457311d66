// Jinja2's built-in text filters with Jinja2's (Python's) results: capitalize, title, center,
// indent, truncate, wordcount, wordwrap, striptags, escape, urlencode, format, filesizeformat.
// nunjucks ships filters of the same names that behave differently; these replace them.

import { defined, type FilterImpl } from './filter-args.js';
import { pyFixed, pyPercent } from './py-format.js';
import { wrapLine } from './py-textwrap.js';
import { isMapping, isNone, numberOf, pyIter, pyStr, pyTypeName } from './py-values.js';

function str(v: unknown): string {
  return pyStr(defined(v));
}

/** A whole-number argument (`width=4`); a clear error for anything else. */
function intArg(v: unknown, what: string): number {
  const n = numberOf(v) ?? (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : undefined);
  if (n === undefined || !Number.isInteger(n)) throw new TypeError(`${what} must be a whole number, got ${pyStr(v)}`);
  return n;
}

/** Python's str.splitlines line breaks. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/u;

function splitlines(s: string): string[] {
  const lines = s.split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function capitalize(s: string): string {
  const [first = '', ...rest] = [...s];
  return first.toUpperCase() + rest.join('').toLowerCase();
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** markupsafe's escape. */
export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Python's html.unescape for the entities HTML text commonly has. */
function htmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m: string, e: string) => {
    if (e.startsWith('#')) {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED_ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** Python's urllib quote: letters, digits and `_.-~` (and `/` unless for a query) stay. */
function urlQuote(v: unknown, forQuery: boolean): string {
  const safe = forQuery ? /[A-Za-z0-9_.~-]/ : /[A-Za-z0-9_.~/-]/;
  let out = '';
  for (const byte of Buffer.from(pyStr(v), 'utf8')) {
    const c = String.fromCharCode(byte);
    out += safe.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQuery ? out.replace(/%20/g, '+') : out;
}

const SIZE_PREFIXES = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

export const TEXT_FILTERS: Record<string, FilterImpl> = {
  capitalize: (value) => capitalize(str(value)),
  // Jinja2 capitalizes each word, a word starting after whitespace, '-', '(', '{', '[' or '<'.
  title: (value) =>
    str(value)
      .split(/([-\s({[<]+)/u)
      .filter((p) => p !== '')
      .map(capitalize)
      .join(''),
  center(value, args) {
    const s = str(value);
    const width = intArg(args.get(0, 'width', 80), 'center: width');
    const len = [...s].length;
    const margin = width - len;
    if (margin <= 0) return s;
    // CPython's str.center puts the odd space on the left when the width is odd.
    const left = Math.floor(margin / 2) + (margin & width & 1);
    return ' '.repeat(left) + s + ' '.repeat(margin - left);
  },
  indent(value, args) {
    const width = args.get(0, 'width', 4);
    const pad = typeof width === 'string' ? width : ' '.repeat(intArg(width, 'indent: width'));
    const first = args.bool(1, 'first', args.bool(99, 'indentfirst'));
    const blank = args.bool(2, 'blank');
    const lines = splitlines(str(value) + '\n');
    let out = blank
      ? lines.join('\n' + pad)
      : [lines[0] ?? '', ...lines.slice(1).map((l) => (l === '' ? l : pad + l))].join('\n');
    if (first) out = pad + out;
    return out;
  },
  truncate(value, args) {
    const s = [...str(value)];
    const length = intArg(args.get(0, 'length', 255), 'truncate: length');
    const killwords = args.bool(1, 'killwords');
    const end = pyStr(args.get(2, 'end', '...'));
    const leeway = intArg(args.get(3, 'leeway', 5), 'truncate: leeway');
    if (length < [...end].length) throw new Error(`truncate: expected length >= ${[...end].length}, got ${length}`);
    if (leeway < 0) throw new Error(`truncate: expected leeway >= 0, got ${leeway}`);
    if (s.length <= length + leeway) return s.join('');
    const head = s.slice(0, length - [...end].length).join('');
    if (killwords) return head + end;
    const space = head.lastIndexOf(' ');
    return (space < 0 ? head : head.slice(0, space)) + end;
  },
  wordcount: (value) => (str(value).match(/[\p{L}\p{N}\p{M}_]+/gu) ?? []).length,
  wordwrap(value, args) {
    const opts = {
      width: intArg(args.get(0, 'width', 79), 'wordwrap: width'),
      breakLongWords: args.bool(1, 'break_long_words', true),
      breakOnHyphens: args.bool(3, 'break_on_hyphens', true),
    };
    const wrapstring = args.get(2, 'wrapstring');
    const sep = isNone(wrapstring) ? '\n' : pyStr(wrapstring);
    return splitlines(str(value))
      .map((line) => wrapLine(line, opts).join(sep))
      .join(sep);
  },
  striptags(value) {
    // markupsafe: comments, then tags, are removed; whitespace runs become one space.
    const text = str(value)
      .replace(/<!--[^]*?-->/g, '')
      .replace(/<[^>]*>/g, '')
      .split(/\s+/u)
      .filter((w) => w !== '')
      .join(' ');
    return htmlUnescape(text);
  },
  escape: (value) => htmlEscape(str(value)),
  forceescape: (value) => htmlEscape(str(value)),
  // Output is never HTML-escaped, so marking a value safe only makes it a string, as Markup does.
  safe: (value) => str(value),
  urlencode(value) {
    const v = defined(value);
    if (typeof v === 'string' || (!Array.isArray(v) && !isMapping(v))) return urlQuote(v, false);
    const pairs = isMapping(v) ? Object.entries(v) : pyIter(v);
    return pairs
      .map((pair) => {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError(`urlencode: expected a dict or a list of (key, value) pairs, got an item ${pyStr(pair)}`);
        }
        return `${urlQuote(pair[0], true)}=${urlQuote(pair[1], true)}`;
      })
      .join('&');
  },
  format(value, args) {
    const hasKeywords = Object.keys(args.keywords).length > 0;
    if (hasKeywords && args.positional.length > 0) {
      throw new Error("format: can't handle positional and keyword arguments at the same time");
    }
    return pyPercent(str(value), hasKeywords ? [args.keywords] : args.positional);
  },
  filesizeformat(value, args) {
    const v = defined(value);
    const bytes = numberOf(v) ?? (typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
    if (Number.isNaN(bytes)) throw new TypeError(`filesizeformat: expected a number of bytes, got ${pyTypeName(v)} ${pyStr(v)}`);
    const binary = args.bool(0, 'binary');
    const base = binary ? 1024 : 1000;
    if (bytes === 1) return '1 Byte';
    if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
    let unit = base;
    let prefix = '';
    for (const p of SIZE_PREFIXES) {
      unit *= base;
      prefix = binary ? `${p.toUpperCase()}iB` : `${p}B`;
      if (bytes < unit) break;
    }
    return `${pyFixed((base * bytes) / unit, 1)} ${prefix}`;
  },
};
