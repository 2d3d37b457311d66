// group_vars/ and host_vars/ beside an inventory source, read as Ansible's host_group_vars plugin
// reads them: for a group or host NAME the first of `NAME` (file or directory), `NAME.yml`,
// `NAME.yaml`, `NAME.json`; a directory's files (recursively, sorted, no hidden or backup files,
// only those extensions or none) merge in order, later files winning.

import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isMap, type Node } from 'yaml';
import { ParseError } from '../core/errors.js';
import { byteOrder } from './load-dir.js';
import type { Vars } from './types.js';
import { validateValue } from './validate.js';
import { nodeAt, nodePos, parseYaml, resolveNode, toValue } from './yaml-source.js';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export type VarsKind = 'group_vars' | 'host_vars';

export interface VarsDirResult {
  /** Merged variables of each name that has files. */
  byName: Map<string, Vars>;
  errors: ParseError[];
  warnings: string[];
}

/** Reads each file once per load, however many sources share a directory. */
export type FileCache = Map<string, Promise<{ vars?: Vars; errors: ParseError[] }>>;

export async function loadVarsDir(basedir: string, kind: VarsKind, names: Iterable<string>, cache: FileCache): Promise<VarsDirResult> {
  const result: VarsDirResult = { byName: new Map(), errors: [], warnings: [] };
  const dir = join(basedir, kind);
  const st = await stat(dir).catch(() => undefined);
  if (!st) return result;
  if (!st.isDirectory()) {
    result.warnings.push(`${dir} is not a directory; its variables are not read`);
    return result;
  }
  const entries = new Set(await readdir(dir));
  const used = new Set<string>();
  const wanted = new Set<string>();
  for (const name of names) {
    wanted.add(name);
    if (name.startsWith('/')) continue; // Ansible skips 'chroot'-style names
    const found = await findEntry(dir, name, entries);
    if (!found) continue;
    used.add(found.entry);
    let merged: Vars | undefined;
    for (const file of found.files) {
      const loaded = await loadCached(file, kind, cache, result.warnings);
      result.errors.push(...loaded.errors);
      if (loaded.vars) merged = { ...(merged ?? {}), ...loaded.vars };
    }
    if (merged) result.byName.set(name, merged);
  }
  result.warnings.push(...unusedEntries(dir, kind, entries, used, wanted));
  return result;
}

async function findEntry(dir: string, name: string, entries: Set<string>): Promise<{ entry: string; files: string[] } | undefined> {
  for (const ext of EXTENSIONS) {
    const entry = name + ext;
    if (!name.includes('/') && !entries.has(entry)) continue;
    const full = join(dir, entry);
    const st = await stat(full).catch(() => undefined);
    if (!st) continue;
    return { entry, files: st.isDirectory() ? await listVarsFiles(full) : [full] };
  }
  return undefined;
}

async function listVarsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort(byteOrder)) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = join(dir, name);
    const ext = extname(name);
    const st = await stat(full).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory() && !ext) out.push(...(await listVarsFiles(full)));
    else if (st.isFile() && EXTENSIONS.includes(ext)) out.push(full);
  }
  return out;
}

function loadCached(file: string, kind: VarsKind, cache: FileCache, warnings: string[]): Promise<{ vars?: Vars; errors: ParseError[] }> {
  let p = cache.get(file);
  if (!p) {
    p = loadVarsFile(file).then((r) => {
      if (kind === 'group_vars' && r.vars && 'ansible_group_priority' in r.vars) {
        warnings.push(`${file}: ansible_group_priority here is an ordinary variable; Ansible takes a group's priority only from inventory files`);
      }
      return r;
    });
    cache.set(file, p);
  }
  return p;
}

/** One variables file: a YAML (or JSON) mapping, checked against the variables schema. */
export async function loadVarsFile(file: string): Promise<{ vars?: Vars; errors: ParseError[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { errors: [new ParseError({ file, line: 1, col: 1 }, undefined, `cannot read: ${(err as Error).message}`)] };
  }
  const { source, errors } = parseYaml(text, file);
  if (!source) return { errors };
  const root = source.doc.contents as Node | null;
  const value = toValue(source, root);
  if (value === null) return { errors: [] }; // an empty file adds nothing
  if (!isMap(resolveNode(source, root))) {
    return { errors: [new ParseError(nodePos(source, root), undefined, 'must be a mapping of variable names to values')] };
  }
  const locate = (segments: string[], key: boolean): ReturnType<typeof nodePos> => {
    const found = nodeAt(source, root, segments);
    return key ? nodePos(source, found.keyNode, found.parent) : nodePos(source, found.node, found.keyNode ?? found.parent);
  };
  const invalid = validateValue('vars', value, locate);
  return invalid.length > 0 ? { errors: invalid } : { vars: value as Vars, errors: [] };
}

/** Files Ansible never reads: named for no group/host, or shadowed by an earlier candidate. */
function unusedEntries(dir: string, kind: VarsKind, entries: Set<string>, used: Set<string>, wanted: Set<string>): string[] {
  const warnings: string[] = [];
  const what = kind === 'group_vars' ? 'group' : 'host';
  for (const entry of [...entries].sort(byteOrder)) {
    if (used.has(entry) || entry.startsWith('.') || entry.endsWith('~')) continue;
    const ext = EXTENSIONS.find((e) => e && entry.endsWith(e)) ?? '';
    if (!ext && extname(entry)) continue; // README.md and the like
    const name = entry.slice(0, entry.length - ext.length);
    if (wanted.has(name)) {
      warnings.push(`${join(dir, entry)} is not read: Ansible reads only the first of ${name}, ${name}.yml, ${name}.yaml, ${name}.json`);
    } else {
      warnings.push(`${join(dir, entry)} is not read: no ${what} named '${name}' in the inventory`);
    }
  }
  return warnings;
}
