// Compiles a template with nunjucks and a compiler subclass that gives it Jinja2's meaning
// as Ansible uses it: undefined variables are errors (except under `is defined` and
// `default`), conditions use Python truthiness, `==`/`in`/`+` compare and combine like Python,
// and a template that is a single `{{ expr }}` yields the expression's value, not its text.
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

class JinjaCompiler extends Compiler {
  /** The template is one `{{ expr }}`: its result is the value, not text. */
  native = false;

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
      } else if (this.native) {
        this._emit(`${this.buffer} = `);
        this._compileExpression(part, frame);
        this._emit(';\n');
      } else {
        this._emit(`${this.buffer} += env.fb.out(`);
        this._compileExpression(part, frame);
        this._emit(');\n');
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

export interface CompiledTemplate {
  /** True when render returns the expression's value rather than text. */
  native: boolean;
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
  const parser = new JinjaParser(lexer.lex(normalizeSource(src), LEXER_OPTIONS));
  const root = parser.parseAsRoot();
  const native = allowNative && isSingleExpression(root);
  prepare(root);
  const compiler = new JinjaCompiler('template', false);
  compiler.native = native;
  compiler.compile(transform(root, [], 'template'), undefined);
  // The compiled module is code nunjucks generated from the AST: this is how nunjucks itself
  // loads every template.
  const props: unknown = new Function(compiler.getCode())();
  const Template = nunjucks.Template as unknown as TemplateCtor;
  const template = new Template({ type: 'code', obj: props }, env, 'template', true);
  return {
    native,
    render(vars) {
      const value = template.render({ [VARS_KEY]: vars });
      if (value instanceof JinjaUndefined) throw new UndefinedError(value.reason);
      return value;
    },
  };
}
