// Ansible's YAML inventory: top-level groups (usually just `all`), each with `hosts` (names or
// ranges, each with its variables), `children` (more groups, nested) and `vars`. Checked against
// the schema first, so a misspelled key stops here with its position.

import { isScalar, type Node } from 'yaml';
import { ParseError } from '../core/errors.js';
import type { InventoryBuilder } from './builder.js';
import { expandHostKey } from './host-range.js';
import { validateValue } from './validate.js';
import {
  isNullNode,
  joinPath,
  mapEntries,
  nodeAt,
  nodePos,
  resolveNode,
  toValue,
  type MapEntry,
  type YamlSource,
} from './yaml-source.js';

/** Adds the groups and hosts of a YAML inventory; returns its errors (then nothing was added). */
export function loadYamlInventory(src: YamlSource, b: InventoryBuilder): ParseError[] {
  const root = src.doc.contents as Node | null;
  const top = mapEntries(src, root);
  const plugin = top.find((e) => e.key === 'plugin');
  if (plugin) {
    return [
      new ParseError(
        nodePos(src, plugin.keyNode),
        'plugin',
        'inventory plugin configuration is not supported: list groups and hosts in YAML inventory form (all: hosts: ...)',
      ),
    ];
  }

  const locate = (segments: string[], key: boolean): ReturnType<typeof nodePos> => {
    const found = nodeAt(src, root, segments);
    if (key) return nodePos(src, found.keyNode, found.parent);
    return nodePos(src, found.node, found.keyNode ?? found.parent);
  };
  const errors = validateValue('inventory', toValue(src, root), locate);
  if (errors.length > 0) return errors;

  const walker = new Walker(src, b);
  for (const entry of top) walker.group(entry, '');
  return walker.errors;
}

class Walker {
  readonly errors: ParseError[] = [];
  constructor(
    private readonly src: YamlSource,
    private readonly b: InventoryBuilder,
  ) {}

  group(entry: MapEntry, parentPath: string): string | undefined {
    const path = joinPath(parentPath, entry.key);
    if (typeof entry.rawKey !== 'string') {
      this.fail(entry.keyNode, path, 'a group name must be a string: put it in quotes');
      return undefined;
    }
    const name = entry.rawKey;
    this.b.addGroup(name, nodePos(this.src, entry.keyNode));
    for (const section of mapEntries(this.src, entry.valueNode)) {
      if (isNullNode(this.src, section.valueNode)) continue;
      const at = joinPath(path, section.key);
      if (section.key === 'vars') this.vars(name, section.valueNode);
      else if (section.key === 'children') this.children(name, section.valueNode, at);
      else if (section.key === 'hosts') this.hosts(name, section.valueNode, at);
    }
    return name;
  }

  private vars(group: string, node: Node | null): void {
    for (const v of mapEntries(this.src, node)) this.b.setGroupVar(group, v.key, toValue(this.src, v.valueNode));
  }

  private children(group: string, node: Node | null, path: string): void {
    for (const child of this.entriesOrName(node)) {
      const name = this.group(child, path);
      if (name === undefined) continue;
      const loop = this.b.addChild(group, name);
      if (loop) this.fail(child.keyNode, joinPath(path, child.key), loop);
    }
  }

  private hosts(group: string, node: Node | null, path: string): void {
    for (const h of this.entriesOrName(node)) {
      const at = joinPath(path, h.key);
      if (typeof h.rawKey !== 'string') {
        this.fail(h.keyNode, at, 'a host name must be a string: put it in quotes');
        continue;
      }
      let expanded;
      try {
        expanded = expandHostKey(h.rawKey);
      } catch (err) {
        this.fail(h.keyNode, at, (err as Error).message);
        continue;
      }
      const pos = nodePos(this.src, h.keyNode);
      const vars = mapEntries(this.src, h.valueNode).map((v) => [v.key, toValue(this.src, v.valueNode)] as const);
      for (const name of expanded.names) {
        this.b.addHost(name, group, expanded.port, pos);
        for (const [k, v] of vars) this.b.setHostVar(name, k, v);
      }
    }
  }

  /** `hosts: web1` and `children: web` stand for a one-entry mapping, as in Ansible. */
  private entriesOrName(node: Node | null): MapEntry[] {
    const n = resolveNode(this.src, node);
    if (isScalar(n) && typeof n.value === 'string') {
      return [{ key: n.value, rawKey: n.value, keyNode: n, valueNode: null }];
    }
    return mapEntries(this.src, n);
  }

  private fail(node: Node | null, field: string, what: string): void {
    this.errors.push(new ParseError(nodePos(this.src, node), field, what));
  }
}
