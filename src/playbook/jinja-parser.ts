// nunjucks' parser with Jinja2's test syntax: `x is divisibleby 3` (one argument without
// parentheses), `x is none`, `x is true`; every test becomes a call node the compiler reads.

import { lexer, nodes, Parser, type NjNode, type NjNodeList } from './nunjucks-internals.js';

/** Symbols after `is <test>` that end the test rather than start its argument. */
const NOT_AN_ARGUMENT = new Set(['else', 'or', 'and', 'if', 'is', 'not', 'in']);

export class JinjaParser extends Parser {
  /** A float literal with a whole value (`3.0`) stays a float: it prints as `3.0`, as in Jinja2. */
  override parsePrimary(noPostfix?: boolean): NjNode {
    const tok = this.peekToken();
    if (tok?.type !== lexer.TOKEN_FLOAT || !Number.isInteger(parseFloat(tok.value))) return super.parsePrimary(noPostfix);
    this.nextToken();
    const literal = new nodes.Literal(tok.lineno, tok.colno, parseFloat(tok.value));
    const args = new nodes.NodeList(tok.lineno, tok.colno, [literal]);
    const node = new nodes.FunCall(tok.lineno, tok.colno, new nodes.Symbol(tok.lineno, tok.colno, '__fb_float'), args);
    return noPostfix ? node : this.parsePostfix(node);
  }

  override parseIs(): NjNode {
    const node = this.parseCompare();
    if (!this.skipSymbol('is')) return node;
    const negate = this.skipSymbol('not');
    const tok = this.nextToken();
    let name: string;
    if (tok?.type === lexer.TOKEN_SYMBOL || tok?.type === lexer.TOKEN_BOOLEAN) name = tok.value;
    else if (tok?.type === lexer.TOKEN_NONE) name = 'none';
    else return this.fail(`expected a test name after 'is', got '${tok?.value ?? 'end'}'`, tok?.lineno, tok?.colno);
    const next = this.peekToken();
    let args: NjNodeList;
    if (next?.type === lexer.TOKEN_LEFT_PAREN) {
      args = this.parseSignature();
    } else if (next && startsArgument(next.type, next.value)) {
      args = new nodes.NodeList(next.lineno, next.colno, [this.parsePrimary()]);
    } else {
      args = new nodes.NodeList(tok.lineno, tok.colno, []);
    }
    const test = new nodes.FunCall(tok.lineno, tok.colno, new nodes.Symbol(tok.lineno, tok.colno, name), args);
    const is = new nodes.Is(node.lineno, node.colno, node, test);
    return negate ? new nodes.Not(node.lineno, node.colno, is) : is;
  }
}

function startsArgument(type: string, value: string): boolean {
  if (type === lexer.TOKEN_SYMBOL) return !NOT_AN_ARGUMENT.has(value);
  return [
    lexer.TOKEN_STRING,
    lexer.TOKEN_INT,
    lexer.TOKEN_FLOAT,
    lexer.TOKEN_BOOLEAN,
    lexer.TOKEN_NONE,
    lexer.TOKEN_LEFT_BRACKET,
    lexer.TOKEN_LEFT_CURLY,
  ].includes(type);
}
