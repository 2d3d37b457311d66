// One inventory file, its format told as Ansible tells it: names ending .yml/.yaml/.json or with
// no extension are tried as YAML (a mapping of groups), and otherwise, or failing that, as INI.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, type Node } from 'yaml';
import { ParseError } from '../core/errors.js';
import type { InventoryBuilder } from './builder.js';
import { parseHostAddress } from './host-range.js';
import { applyIni, parseIni } from './load-ini.js';
import { loadYamlInventory } from './load-yaml.js';
import { nodePos, parseYaml, resolveNode, toValue } from './yaml-source.js';

const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

export async function loadInventoryFile(file: string, b: InventoryBuilder): Promise<ParseError[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return [new ParseError(undefined, undefined, `cannot read inventory file ${file}: ${(err as Error).message}`)];
  }
  const ext = extname(file);
  if (ext === '.toml') {
    return [new ParseError({ file, line: 1, col: 1 }, undefined, 'TOML inventories are not supported: write it as YAML or INI')];
  }
  if (ext !== '' && !YAML_EXTENSIONS.includes(ext)) return loadIni(text, file, b);

  const yaml = parseYaml(text, file);
  if (yaml.source) {
    const root = resolveNode(yaml.source, yaml.source.doc.contents as Node | null);
    if (isMap(root)) return loadYamlInventory(yaml.source, b);
    if (toValue(yaml.source, root) === null) return []; // empty or only comments
  }
  // Not a YAML mapping: Ansible goes on to the INI reader.
  const ini = parseIni(text, file);
  if (ini.errors.length === 0) return applyIni(ini.records, b);
  if (ext === '') return ini.errors; // extension-less files are mostly INI `hosts` files
  if (yaml.errors.length > 0) return yaml.errors;
  const where = yaml.source ? nodePos(yaml.source, yaml.source.doc.contents as Node | null) : { file, line: 1, col: 1 };
  return [new ParseError(where, undefined, 'a YAML inventory must be a mapping of group names (such as all) to groups')];
}

function loadIni(text: string, file: string, b: InventoryBuilder): ParseError[] {
  const ini = parseIni(text, file);
  if (ini.errors.length > 0) return ini.errors;
  return applyIni(ini.records, b);
}

/** Ansible's host_list source: `-i 'web1,web2:2222,'` (names with optional ports, no ranges). */
export function loadHostList(list: string, b: InventoryBuilder): ParseError[] {
  for (const part of list.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const parsed = parseHostAddress(item);
    const ok = parsed !== undefined && !parsed.host.includes('[');
    const name = ok ? parsed.host : item;
    if (!b.hosts.has(name)) b.addHost(name, 'ungrouped', ok ? parsed.port : undefined);
  }
  return [];
}
