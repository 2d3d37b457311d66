// A YAML file read with positions: the document, its mappings walked the way Ansible's loader
// builds them (merge keys first, later keys win), and where any node sits as file:line:col.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { ParseError, type SourcePos } from '../core/errors.js';
import { pyyamlTags } from './yaml-tags.js';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface MapEntry {
  /** The key as text (Ansible's keys are strings; others print as Python's JSON would). */
  key: string;
  /** The key as loaded, to tell `1:` or `yes:` from a string. */
  rawKey: unknown;
  keyNode: Node | null;
  valueNode: Node | null;
}

const MAX_ALIAS_DEPTH = 100;

/** Parses one YAML document; syntax errors come back as one-line ParseErrors. */
export function parseYaml(text: string, file: string): { source?: YamlSource; errors: ParseError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: pyyamlTags,
    lineCounter: lines,
    uniqueKeys: false,
    prettyErrors: false,
  });
  const source: YamlSource = { file, doc, lines };
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => {
      const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      // A value our tags refused is not a syntax error; say only what is wrong with it.
      const what = e.code === 'TAG_RESOLVE_FAILED' ? first : `YAML syntax: ${first}`;
      return new ParseError(offsetPos(source, e.pos[0]), undefined, what);
    });
    return { errors };
  }
  const errors = findDuplicateKeys(source, doc.contents, '');
  return errors.length > 0 ? { errors } : { source, errors };
}

export function offsetPos(src: YamlSource, offset: number): SourcePos {
  const { line, col } = src.lines.linePos(offset);
  return { file: src.file, line, col };
}

export function nodePos(src: YamlSource, node: Node | null | undefined, fallback?: Node | null): SourcePos {
  const n = node && node.range ? node : fallback;
  return offsetPos(src, n?.range?.[0] ?? 0);
}

export function resolveNode(src: YamlSource, node: Node | null): Node | null {
  let n: Node | null = node;
  for (let i = 0; n && isAlias(n); i++) {
    if (i > MAX_ALIAS_DEPTH) return null;
    n = (n.resolve(src.doc) as Node | undefined) ?? null;
  }
  return n;
}

/** Whether a node is a null value (absent, `~`, `null` or nothing after the colon). */
export function isNullNode(src: YamlSource, node: Node | null): boolean {
  const n = resolveNode(src, node);
  return n === null || (isScalar(n) && n.value === null);
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.tag === undefined && key.type === 'PLAIN'));
}

/**
 * The entries of a mapping in PyYAML's order: merged mappings (`<<: *x`) first, then the map's
 * own keys; a later key replaces an earlier one's value but keeps its place.
 */
export function mapEntries(src: YamlSource, node: Node | null): MapEntry[] {
  const map = resolveNode(src, node);
  if (!isMap(map)) return [];
  const known = entriesCache.get(map);
  if (known) return known;
  const merged: MapEntry[] = [];
  const own: MapEntry[] = [];
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const keyNode = (pair.key ?? null) as Node | null;
    const valueNode = (pair.value ?? null) as Node | null;
    if (isMergeKey(keyNode)) {
      const target = resolveNode(src, valueNode);
      const sources = isSeq(target) ? target.items.map((n) => n as Node) : [target];
      // The first mapping listed wins, so later ones go in first.
      for (const s of [...sources].reverse()) merged.push(...mapEntries(src, s));
      continue;
    }
    const rawKey = toValue(src, keyNode);
    own.push({ key: keyText(rawKey), rawKey, keyNode, valueNode });
  }
  const out = new Map<string, MapEntry>();
  for (const e of [...merged, ...own]) {
    const prev = out.get(e.key);
    if (prev) out.set(e.key, { ...e, keyNode: e.keyNode ?? prev.keyNode });
    else out.set(e.key, e);
  }
  const entries = [...out.values()];
  entriesCache.set(map, entries);
  return entries;
}

// The walk, the schema check and error lookups all read the same mappings.
const entriesCache = new WeakMap<object, MapEntry[]>();

/** The JavaScript value of a node (aliases followed, merges applied in PyYAML's order). */
export function toValue(src: YamlSource, node: Node | null, depth = 0): unknown {
  if (depth > MAX_ALIAS_DEPTH) return null;
  const n = resolveNode(src, node);
  if (n === null) return null;
  if (isScalar(n)) return n.value;
  if (isSeq(n)) return n.items.map((item) => toValue(src, item as Node, depth + 1));
  if (isMap(n)) {
    const out: Record<string, unknown> = {};
    for (const e of mapEntries(src, n)) out[e.key] = toValue(src, e.valueNode, depth + 1);
    return out;
  }
  return null;
}

/** How a non-string key reads once Ansible has dumped it as JSON. */
export function keyText(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null || key === undefined) return 'null';
  if (typeof key === 'object') return JSON.stringify(key);
  return String(key);
}

/** Dotted field path: `all.children.arm`, `vars.list[2]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/**
 * Follows a JSON-pointer-like list of keys from a node; returns the node found and the key node
 * that names it (for errors about a key rather than its value).
 */
export function nodeAt(
  src: YamlSource,
  root: Node | null,
  segments: string[],
): { node: Node | null; keyNode: Node | null; parent: Node | null } {
  let node: Node | null = root;
  let keyNode: Node | null = null;
  let parent: Node | null = null;
  for (const seg of segments) {
    const n = resolveNode(src, node);
    parent = n;
    if (isMap(n)) {
      const entry = mapEntries(src, n).find((e) => e.key === seg);
      if (!entry) return { node: null, keyNode: null, parent };
      node = entry.valueNode;
      keyNode = entry.keyNode;
    } else if (isSeq(n)) {
      node = (n.items[Number(seg)] as Node | undefined) ?? null;
      keyNode = null;
    } else {
      return { node: null, keyNode: null, parent };
    }
  }
  return { node, keyNode, parent };
}

function findDuplicateKeys(src: YamlSource, node: unknown, path: string): ParseError[] {
  const errors: ParseError[] = [];
  if (isMap(node)) {
    const seen = new Map<string, Node>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      if (isMergeKey(keyNode)) continue;
      const key = keyText(toValue(src, keyNode));
      const first = seen.get(key);
      if (first) {
        const at = nodePos(src, first);
        errors.push(
          new ParseError(nodePos(src, keyNode), joinPath(path, key), `duplicate key (first at line ${at.line}); keep one of them`),
        );
      } else if (keyNode) {
        seen.set(key, keyNode);
      }
      errors.push(...findDuplicateKeys(src, pair.value, joinPath(path, key)));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => errors.push(...findDuplicateKeys(src, item, joinPath(path, i))));
  }
  return errors;
}
