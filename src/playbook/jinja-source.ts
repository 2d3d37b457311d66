// Template source rewritten where nunjucks' lexer reads it differently from Jinja2's.

/**
 * Rewrites template source where nunjucks' lexer reads differently from Jinja2's, inside tags:
 * - Jinja2 keeps a backslash before a character that is no escape (`'\d+'` stays `\d+`, as
 *   regexes in playbooks expect); nunjucks drops it, so such backslashes are doubled.
 * - Jinja2 balances braces, so `{{ {'a': {'b': 1}} }}` is one expression; nunjucks ends the
 *   tag at the first `}}`, so a closing brace followed by another gets a space between.
 */
export function normalizeSource(src: string): string {
  if (!src.includes('\\') && !src.includes('}}}') && !/\}\}[^]*\}\}/.test(src)) return src;
  let out = '';
  let end: string | null = null;
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charAt(i);
    const n = src.charAt(i + 1);
    if (end === null) {
      if (c === '{' && (n === '{' || n === '%')) {
        end = n === '{' ? '}}' : '%}';
        depth = 0;
        out += c + n;
        i++;
      } else out += c;
    } else if (quote !== null) {
      if (c === '\\' && n !== '') {
        out += 'ntr\\"\''.includes(n) ? c + n : '\\\\' + n;
        i++;
      } else {
        if (c === quote) quote = null;
        out += c;
      }
    } else if (c === '"' || c === "'") {
      quote = c;
      out += c;
    } else if (c === '{') {
      depth++;
      out += c;
    } else if (c === '}' && depth > 0) {
      depth--;
      out += n === '}' ? '} ' : '}';
    } else if (src.startsWith(end, i)) {
      out += end;
      i++;
      end = null;
    } else out += c;
  }
  return out;
}
