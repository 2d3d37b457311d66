// Compiles a template with nunjucks and a compiler subclass that gives it Jinja2's meaning
// as Ansible uses it: undefined variables are errors (except under `is defined` and
// `default`), conditions use Python truthiness, comparisons, `in` and arithmetic (`'-' * 20`,
// `'%s' % x`) behave as Python's, `(a, b)` is a tuple, and a template that is a single
// `{{ expr }}` yields the expression's value, not its text. An expression whose value is
// JavaScript's undefined or NaN is an error naming it.
// The emitted code calls the helpers of jinja-runtime.ts as `env.fb.*`.

import { JinjaParser } from './jinja-parser.js';
import { JinjaUndefined, UndefinedError, VARS_KEY } from './jinja-runtime.js';
import { normalizeSource } from './jinja-source.js';
import {
  Compiler,
  lexer,
  nodes,
  nunjucks,
  transform,
  type NjEnvironment,
  type NjNode,
  type NjNodeList,
} from './nunjucks-internals.js';

/** Filters whose input may be undefined, and tests whose operand may be. */
const LENIENT_FILTERS = new Set(['default', 'd', 'mandatory']);
const LENIENT_TESTS = new Set(['defined', 'undefined']);
const PY_CONSTANTS = new Map([
  ['True', 'true'],
  ['False', 'false'],
  ['None', 'null'],
]);

export const LEXER_OPTIONS = { trimBlocks: true, lstripBlocks: false };

interface CompileFrame {
  lookup(name: string): string | undefined;
}

function lookupLocal(frame: unknown, name: string): string | undefined {
  return (frame as CompileFrame).lookup(name);
}

function child(node: NjNode, field: string): NjNode {
  return node[field] as NjNode;
}

/** The text of the `{{ ... }}` starting at `offset` (without its braces), for error messages. */
function expressionAt(src: string, offset: number): string | undefined {
  if (!src.startsWith('{{', offset)) return undefined;
  let quote: string | null = null;
  let depth = 0;
  for (let i = offset + 2; i < src.length; i++) {
    const c = src.charAt(i);
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === '}' && src.charAt(i + 1) === '}') {
      return src.slice(offset + 2, i).replace(/^[-+]/, '').replace(/[-+]$/, '').trim();
    }
  }
  return undefined;
}

class JinjaCompiler extends Compiler {
  /** The template is one `{{ expr }}`: its result is the value, not text. */
  native = false;
  /** The (normalized) source and where each of its lines starts, to name expressions in errors. */
  source = '';
  private lineStarts: number[] = [0];

  setSource(src: string): void {
    this.source = src;
    this.lineStarts = [0];
    for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  private expressionText(node: NjNode): string {
    const offset = (this.lineStarts[node.lineno] ?? 0) + node.colno;
    return expressionAt(this.source, offset) ?? 'expression';
  }

  private emitStr(s: string): void {
    this._emit(JSON.stringify(s));
  }

  override compileSymbol(node: NjNode, frame: unknown): void {
    const name = node['value'] as string;
    const constant = PY_CONSTANTS.get(name);
    const local = lookupLocal(frame, name);
    if (local) this._emit(local);
    else if (constant) this._emit(constant);
    else this._emit(`env.fb.lookup(context, frame, ${JSON.stringify(name)})`);
  }

  /** A variable or attribute chain that may be missing: yields a JinjaUndefined, not an error. */
  private compileLenient(node: NjNode, frame: unknown): void {
    if (node.typename === 'Symbol') {
      const name = node['value'] as string;
      const local = lookupLocal(frame, name);
      if (local) this._emit(local);
      else if (PY_CONSTANTS.has(name)) this._emit(PY_CONSTANTS.get(name) ?? '');
      else this._emit(`env.fb.soft(context, frame, ${JSON.stringify(name)})`);
    } else if (node.typename === 'LookupVal' && child(node, 'val').typename !== 'Slice') {
      this._emit('env.fb.attrSoft(');
      this.compileLenient(child(node, 'target'), frame);
      this._emit(',');
      this._compileExpression(child(node, 'val'), frame);
      this._emit(')');
    } else {
      this.compile(node, frame);
    }
  }

  override compileLookupVal(node: NjNode, frame: unknown): void {
    const val = child(node, 'val');
    this._emit(val.typename === 'Slice' ? 'env.fb.slice(' : 'env.fb.attr(');
    this._compileExpression(child(node, 'target'), frame);
    this._emit(',');
    if (val.typename === 'Slice') this.compile(val, frame);
    else this._compileExpression(val, frame);
    this._emit(')');
  }

  override compileIs(node: NjNode, frame: unknown): void {
    const right = child(node, 'right');
    const nameNode = right.typename === 'FunCall' ? child(right, 'name') : right;
    const name = String(nameNode['value']);
    this._emit(`env.fb.test(${JSON.stringify(name)}, context, `);
    if (LENIENT_TESTS.has(name)) this.compileLenient(child(node, 'left'), frame);
    else this._compileExpression(child(node, 'left'), frame);
    if (right.typename === 'FunCall') {
      for (const arg of (child(right, 'args') as NjNodeList).children) {
        this._emit(',');
        this.compile(arg, frame);
      }
    }
    this._emit(')');
  }

  override compileFilter(node: NjNode, frame: unknown): void {
    const name = String(child(node, 'name')['value']);
    this._emit(`env.fb.filter(${JSON.stringify(name)}, context`);
    (child(node, 'args') as NjNodeList).children.forEach((arg, i) => {
      this._emit(',');
      if (i === 0 && LENIENT_FILTERS.has(name)) this.compileLenient(arg, frame);
      else this.compile(arg, frame);
    });
    this._emit(')');
  }

  override compileFunCall(node: NjNode, frame: unknown): void {
    const name = child(node, 'name');
    const value = name['value'];
    if (name.typename === 'Symbol' && typeof value === 'string' && value.startsWith('__fb_')) {
      this._emit(`env.fb.${value.slice(5)}(`);
      this._compileAggregate(child(node, 'args'), frame);
      this._emit(')');
      return;
    }
    super.compileFunCall(node, frame);
  }

  override compileIn(node: NjNode, frame: unknown): void {
    this.binaryCall('contains', child(node, 'right'), child(node, 'left'), frame);
  }

  override compileAdd(node: NjNode, frame: unknown): void {
    this.binaryCall('add', child(node, 'left'), child(node, 'right'), frame);
  }

  override compileSub(node: NjNode, frame: unknown): void {
    this.binaryCall('sub', child(node, 'left'), child(node, 'right'), frame);
  }

  override compileMul(node: NjNode, frame: unknown): void {
    this.binaryCall('mul', child(node, 'left'), child(node, 'right'), frame);
  }

  override compileDiv(node: NjNode, frame: unknown): void {
    this.binaryCall('div', child(node, 'left'), child(node, 'right'), frame);
  }

  override compileFloorDiv(node: NjNode, frame: unknown): void {
    this.binaryCall('floordiv', child(node, 'left'), child(node, 'right'), frame);
  }

  override compileMod(node: NjNode, frame: unknown): void {
    this.binaryCall('mod', child(node, 'left'), child(node, 'right'), frame);
  }

  override compilePow(node: NjNode, frame: unknown): void {
    this.binaryCall('pow', child(node, 'left'), child(node, 'right'), frame);
  }

  override compileNeg(node: NjNode, frame: unknown): void {
    this.unaryCall('neg', child(node, 'target'), frame);
  }

  override compilePos(node: NjNode, frame: unknown): void {
    this.unaryCall('pos', child(node, 'target'), frame);
  }

  /** `(a, b)` is a tuple (JavaScript would read it as the comma operator); `(a)` is grouping. */
  override compileGroup(node: NjNode, frame: unknown): void {
    if ((node as NjNodeList).children.length > 1) {
      this._emit('env.fb.tuple(');
      this._compileAggregate(node, frame);
      this._emit(')');
    } else super.compileGroup(node, frame);
  }

  override compileConcat(node: NjNode, frame: unknown): void {
    this._emit('(env.fb.str(');
    this._compileExpression(child(node, 'left'), frame);
    this._emit(') + env.fb.str(');
    this._compileExpression(child(node, 'right'), frame);
    this._emit('))');
  }

  override compileNot(node: NjNode, frame: unknown): void {
    this._emit('!env.fb.truthy(');
    this._compileExpression(child(node, 'target'), frame);
    this._emit(')');
  }

  override compileOr(node: NjNode, frame: unknown): void {
    this.lazyCall('or', node, frame);
  }

  override compileAnd(node: NjNode, frame: unknown): void {
    this.lazyCall('and', node, frame);
  }

  override compileCompare(node: NjNode, frame: unknown): void {
    this._emit('env.fb.cmp(');
    this._compileExpression(child(node, 'expr'), frame);
    for (const op of node['ops'] as NjNode[]) {
      this._emit(',');
      this.emitStr(String(op['type']));
      this._emit(',');
      this._compileExpression(child(op, 'expr'), frame);
    }
    this._emit(')');
  }

  override compileOutput(node: NjNode, frame: unknown): void {
    for (const part of (node as NjNodeList).children) {
      if (part.typename === 'TemplateData') {
        if (part['value']) {
          this._emit(`${this.buffer} += `);
          this.compileLiteral(part, frame);
          this._emit(';\n');
        }
      } else {
        this._emit(this.native ? `${this.buffer} = env.fb.value(` : `${this.buffer} += env.fb.out(`);
        this._compileExpression(part, frame);
        this._emit(`, ${JSON.stringify(this.expressionText(node))});\n`);
      }
    }
  }

  private binaryCall(fn: string, a: NjNode, b: NjNode, frame: unknown): void {
    this._emit(`env.fb.${fn}(`);
    this._compileExpression(a, frame);
    this._emit(',');
    this._compileExpression(b, frame);
    this._emit(')');
  }

  private unaryCall(fn: string, target: NjNode, frame: unknown): void {
    this._emit(`env.fb.${fn}(`);
    this._compileExpression(target, frame);
    this._emit(')');
  }

  private lazyCall(fn: string, node: NjNode, frame: unknown): void {
    this._emit(`env.fb.${fn}(`);
    this._compileExpression(child(node, 'left'), frame);
    this._emit(', () => (');
    this._compileExpression(child(node, 'right'), frame);
    this._emit('))');
  }
}

function wrapCall(fn: string, node: NjNode): NjNode {
  const sym = new nodes.Symbol(node.lineno, node.colno, `__fb_${fn}`);
  return new nodes.FunCall(node.lineno, node.colno, sym, new nodes.NodeList(node.lineno, node.colno, [node]));
}

/** Conditions get Python truthiness; a one-target `for` iterates a dict's keys as Jinja2 does. */
function prepare(node: NjNode): void {
  if (['If', 'IfAsync', 'InlineIf'].includes(node.typename)) node['cond'] = wrapCall('truthy', child(node, 'cond'));
  if (['For', 'AsyncEach', 'AsyncAll'].includes(node.typename) && child(node, 'name').typename !== 'Array') {
    node['arr'] = wrapCall('iter', child(node, 'arr'));
  }
  for (const field of node.fields) {
    const value = node[field];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) if (item instanceof nodes.Node) prepare(item);
  }
}

/** True when the template is exactly one `{{ expr }}`. */
function isSingleExpression(root: NjNodeList): boolean {
  if (root.children.length !== 1) return false;
  const only = root.children[0];
  if (only?.typename !== 'Output') return false;
  const parts = (only as NjNodeList).children;
  return parts.length === 1 && parts[0]?.typename !== 'TemplateData';
}

/** The filters, tests and lookup plugins a template names, to check before it renders. */
export interface TemplateNames {
  filters: string[];
  tests: string[];
  /** Plugins named by a literal first argument of lookup()/query()/q(). */
  lookups: string[];
}

const LOOKUP_FUNCTIONS = new Set(['lookup', 'query', 'q']);

function symbolName(node: NjNode | undefined): string | undefined {
  return node?.typename === 'Symbol' ? String(node['value']) : undefined;
}

/** Collects the names of filters, tests and lookups anywhere in the parsed template. */
function collectNames(node: NjNode, names: TemplateNames): void {
  if (node.typename === 'Filter' || node.typename === 'FilterAsync') {
    const name = symbolName(child(node, 'name'));
    if (name !== undefined) names.filters.push(name);
  } else if (node.typename === 'Is') {
    const right = child(node, 'right');
    const name = symbolName(right.typename === 'FunCall' ? child(right, 'name') : right);
    if (name !== undefined) names.tests.push(name);
  } else if (node.typename === 'FunCall' && LOOKUP_FUNCTIONS.has(symbolName(child(node, 'name')) ?? '')) {
    const first = (child(node, 'args') as NjNodeList).children[0];
    if (first?.typename === 'Literal' && typeof first['value'] === 'string') names.lookups.push(first['value']);
  }
  for (const field of node.fields) {
    const value = node[field];
    for (const item of Array.isArray(value) ? value : [value]) if (item instanceof nodes.Node) collectNames(item, names);
  }
}

export interface CompiledTemplate {
  /** True when render returns the expression's value rather than text. */
  native: boolean;
  /** What the template names, checked against the environment by Templar.checkTemplates. */
  names: TemplateNames;
  render(vars: Record<string, unknown>): unknown;
}

type TemplateCtor = new (
  src: { type: 'code'; obj: unknown },
  env: NjEnvironment,
  path: string,
  eager: boolean,
) => { render(ctx: object): unknown };

/** Compiles `src`; a syntax error throws nunjucks' TemplateError (message, lineno, colno). */
export function compileJinja(src: string, env: NjEnvironment, allowNative: boolean): CompiledTemplate {
  const source = normalizeSource(src);
  const parser = new JinjaParser(lexer.lex(source, LEXER_OPTIONS));
  const root = parser.parseAsRoot();
  const native = allowNative && isSingleExpression(root);
  const names: TemplateNames = { filters: [], tests: [], lookups: [] };
  collectNames(root, names);
  prepare(root);
  const compiler = new JinjaCompiler('template', false);
  compiler.native = native;
  compiler.setSource(source);
  compiler.compile(transform(root, [], 'template'), undefined);
  // The compiled module is code nunjucks generated from the AST: this is how nunjucks itself
  // loads every template.
  const props: unknown = new Function(compiler.getCode())();
  const Template = nunjucks.Template as unknown as TemplateCtor;
  const template = new Template({ type: 'code', obj: props }, env, 'template', true);
  return {
    native,
    names,
    render(vars) {
      const value = template.render({ [VARS_KEY]: vars });
      if (value instanceof JinjaUndefined) throw new UndefinedError(value.reason);
      return value;
    },
  };
}
