// Typed access to the parts of nunjucks that its public typings leave out: the parser,
// compiler, lexer and AST node classes. fleetboot subclasses the parser and compiler to give
// templates Jinja2's semantics (strict undefined, Python truthiness and equality, native
// values); nunjucks 3.2 is the final 3.x line, so these internals are stable.

import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';

const require = createRequire(import.meta.url);

/** An AST node: `fields` names the child properties, in order. */
export interface NjNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  [field: string]: unknown;
}

export interface NjNodeList extends NjNode {
  children: NjNode[];
}

export type NjNodeClass = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;

interface NodesModule {
  Node: NjNodeClass;
  NodeList: new (lineno: number, colno: number, children?: NjNode[]) => NjNodeList;
  Root: new (lineno: number, colno: number, children?: NjNode[]) => NjNodeList;
  Output: new (lineno: number, colno: number, children?: NjNode[]) => NjNodeList;
  Literal: NjNodeClass;
  Symbol: NjNodeClass;
  FunCall: NjNodeClass;
  Is: NjNodeClass;
  Not: NjNodeClass;
  TemplateData: NjNodeClass;
}

export interface NjToken {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

interface LexerModule {
  lex(src: string, opts?: Record<string, unknown>): unknown;
  TOKEN_LEFT_PAREN: string;
  TOKEN_LEFT_BRACKET: string;
  TOKEN_LEFT_CURLY: string;
  TOKEN_STRING: string;
  TOKEN_INT: string;
  TOKEN_FLOAT: string;
  TOKEN_BOOLEAN: string;
  TOKEN_NONE: string;
  TOKEN_SYMBOL: string;
}

/** The members of nunjucks' Parser that the subclass uses. */
export interface NjParser {
  nextToken(withWhitespace?: boolean): NjToken | null;
  peekToken(): NjToken;
  pushToken(tok: NjToken | null): void;
  skipSymbol(value: string): boolean;
  fail(msg: string, lineno?: number, colno?: number): never;
  parseCompare(): NjNode;
  parsePrimary(noPostfix?: boolean): NjNode;
  parsePostfix(node: NjNode): NjNode;
  parseSignature(tolerant?: boolean, noParens?: boolean): NjNodeList;
  parseIs(): NjNode;
  parseAsRoot(): NjNodeList;
}

/** The members of nunjucks' Compiler that the subclass uses or overrides. */
export interface NjCompiler {
  buffer: string;
  _emit(code: string): void;
  _compileExpression(node: NjNode, frame: unknown): void;
  _compileAggregate(node: NjNode, frame: unknown, start?: string, end?: string): void;
  compile(node: NjNode, frame: unknown): void;
  compileLiteral(node: NjNode, frame: unknown): void;
  compileFunCall(node: NjNode, frame: unknown): void;
  compileSymbol(node: NjNode, frame: unknown): void;
  compileLookupVal(node: NjNode, frame: unknown): void;
  compileIs(node: NjNode, frame: unknown): void;
  compileIn(node: NjNode, frame: unknown): void;
  compileNot(node: NjNode, frame: unknown): void;
  compileOr(node: NjNode, frame: unknown): void;
  compileAnd(node: NjNode, frame: unknown): void;
  compileAdd(node: NjNode, frame: unknown): void;
  compileSub(node: NjNode, frame: unknown): void;
  compileMul(node: NjNode, frame: unknown): void;
  compileDiv(node: NjNode, frame: unknown): void;
  compileFloorDiv(node: NjNode, frame: unknown): void;
  compileMod(node: NjNode, frame: unknown): void;
  compilePow(node: NjNode, frame: unknown): void;
  compileNeg(node: NjNode, frame: unknown): void;
  compilePos(node: NjNode, frame: unknown): void;
  compileGroup(node: NjNode, frame: unknown): void;
  compileConcat(node: NjNode, frame: unknown): void;
  compileCompare(node: NjNode, frame: unknown): void;
  compileFilter(node: NjNode, frame: unknown): void;
  compileOutput(node: NjNode, frame: unknown): void;
  getCode(): string;
}

/** A nunjucks runtime Frame (template-local variables: `set`, loop variables). */
export interface NjFrame {
  lookup(name: string): unknown;
}

/** A nunjucks runtime Context: `ctx` is a copy of the variables passed to render. */
export interface NjContext {
  ctx: Record<string, unknown>;
  env: NjEnvironment;
}

export type NjFunction = (...args: unknown[]) => unknown;

/** The members of nunjucks' Environment used here (its typings omit tests and globals). */
export interface NjEnvironment {
  globals: Record<string, unknown>;
  filters: Record<string, NjFunction>;
  tests: Record<string, NjFunction>;
  addFilter(name: string, fn: NjFunction): unknown;
  getFilter(name: string): NjFunction;
  addTest(name: string, fn: NjFunction): unknown;
  getTest(name: string): NjFunction;
  addGlobal(name: string, value: unknown): unknown;
}

interface CompilerModule {
  Compiler: new (templateName: string, throwOnUndefined: boolean) => NjCompiler;
}

interface ParserModule {
  Parser: new (tokens: unknown) => NjParser;
}

interface TransformerModule {
  transform(ast: NjNode, asyncFilters: string[], name?: string): NjNode;
}

// Jinja2 slices (`x[1:3]`) come from nunjucks' own Jinja compatibility layer, which patches
// the parser; fleetboot's compiler compiles the Slice nodes it produces.
nunjucks.installJinjaCompat();

export const nodes = require('nunjucks/src/nodes.js') as NodesModule;
export const lexer = require('nunjucks/src/lexer.js') as LexerModule;
export const { Compiler } = require('nunjucks/src/compiler.js') as CompilerModule;
export const { Parser } = require('nunjucks/src/parser.js') as ParserModule;
export const { transform } = require('nunjucks/src/transformer.js') as TransformerModule;
export { nunjucks };
