// YAML as Ansible reads it (YAML 1.1 the way PyYAML resolves it), with the source position
// of every node kept for one-line `file:line:col: field: what` errors. Reusable by any loader
// of Ansible YAML (playbooks, vars files).

import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type ParseOptions,
  type DocumentOptions,
  type SchemaOptions,
  type ScalarTag,
  type TagId,
  type Tags,
  type YAMLMap,
} from 'yaml';
import { ParseError, type SourcePos } from '../core/errors.js';

/** A parsed YAML file: the document and what turns offsets into lines and columns. */
export interface YamlFile {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** One key of a mapping, with where the key and the value are. */
export interface YamlEntry {
  key: string;
  value: Node | null;
  pos: SourcePos;
  valuePos: SourcePos;
}

// PyYAML's booleans (YAML 1.1 without y/n), so `answer: y` stays a string as in Ansible.
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;

function isScalarTag(t: TagId | Tags[number]): t is ScalarTag {
  return typeof t === 'object' && 'test' in t && t.test instanceof RegExp;
}

const unsafeTag: ScalarTag = {
  tag: '!unsafe',
  // Ansible's `!unsafe` marks text that is never templated; fleetboot keeps it as text.
  resolve: (value) => value,
};

const vaultTag: ScalarTag = {
  tag: '!vault',
  resolve: (_value, onError) => {
    onError('ansible-vault encrypted values are not supported yet (use a *_file or *_env reference instead)');
    return '';
  },
};

/** The YAML 1.1 tags as PyYAML resolves them, plus Ansible's `!unsafe` and `!vault`. */
export function ansibleTags(tags: Tags): Tags {
  const out: Tags = [];
  for (const t of tags) {
    if (typeof t === 'object' && t.tag === 'tag:yaml.org,2002:timestamp') continue; // PyYAML dates: keep text
    if (isScalarTag(t) && t.tag === 'tag:yaml.org,2002:bool') {
      const value = t.test?.test('true') === true;
      out.push({ ...t, test: value ? PY_TRUE : PY_FALSE });
    } else out.push(t);
  }
  return [...out, unsafeTag, vaultTag];
}

export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: ansibleTags,
  uniqueKeys: true,
  prettyErrors: false,
  merge: true,
};

/** Position of a character offset. */
export function posAt(y: YamlFile, offset: number): SourcePos {
  const { line, col } = y.lines.linePos(Math.max(0, Math.min(offset, y.text.length)));
  return { file: y.file, line, col };
}

/** Position where a node starts (the file's start when there is no node). */
export function nodePos(y: YamlFile, node: Node | null | undefined): SourcePos {
  return posAt(y, node?.range?.[0] ?? 0);
}

const ERROR_TEXT: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate key',
  MULTIPLE_DOCS: 'the file holds several YAML documents; put them in one',
  TAB_AS_INDENT: 'tab used for indentation; indent with spaces',
};

function keyText(text: string, offset: number): string {
  const m = /^("[^"\n]*"|'[^'\n]*'|[^:\n]+)/.exec(text.slice(offset));
  return (m?.[1] ?? '').trim();
}

/** Parses YAML text; a syntax error or duplicate key throws one ParseError naming its position. */
export function parseYaml(file: string, text: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  const y: YamlFile = { file, text, doc, lines };
  const err = doc.errors[0];
  if (err) {
    let pos = posAt(y, err.pos[0]);
    const lineText = text.split('\n')[pos.line - 1] ?? '';
    // A tab in the indentation confuses the YAML parser into other messages: point at the tab.
    const tabbed = /^ *\t/.test(lineText);
    if (tabbed) pos = { ...pos, col: lineText.indexOf('\t') + 1 };
    const base = tabbed ? ERROR_TEXT['TAB_AS_INDENT'] : ERROR_TEXT[err.code];
    const what =
      err.code === 'DUPLICATE_KEY'
        ? `duplicate key '${keyText(text, err.pos[0])}' (each key may appear once in a mapping)`
        : err.code === 'TAG_RESOLVE_FAILED'
          ? err.message
          : `YAML syntax error: ${base ?? err.message.replace(/\s+/g, ' ').trim()}`;
    throw new ParseError(pos, undefined, what);
  }
  const warning = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (warning) throw new ParseError(posAt(y, warning.pos[0]), undefined, `${warning.message} (fleetboot knows !unsafe only)`);
  return y;
}

/** A node's value as plain data. */
export function toJs(y: YamlFile, node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  return node.toJS(y.doc, { maxAliasCount: 1000 }) as unknown;
}

/** What a node is, for "expected X, got Y" messages. */
export function describeNode(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `'${v}'`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an alias';
}

/** The keys of a mapping in order; a key that is not a plain scalar is an error at `field`. */
export function mapEntries(y: YamlFile, map: YAMLMap, field: string): YamlEntry[] {
  return map.items.map((pair: Pair) => {
    const keyNode = pair.key as Node | null;
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
      throw new ParseError(nodePos(y, keyNode), field, `a key must be a plain name, got ${describeNode(keyNode)}`);
    }
    const value = (pair.value as Node | null) ?? null;
    const pos = nodePos(y, keyNode);
    return { key: String(keyNode.value), value, pos, valuePos: value ? nodePos(y, value) : pos };
  });
}

/** Joins a field path: `plays[0]` + `tasks` → `plays[0].tasks`; + 3 → `plays[0].tasks[3]`. */
export function fieldPath(base: string, part: string | number): string {
  if (typeof part === 'number') return `${base}[${part}]`;
  return base ? `${base}.${part}` : part;
}
