// Variables files (`vars_files:`, `-e @file.yml`): one YAML mapping of variable names.

import { readFile } from 'node:fs/promises';
import { isMap, isScalar } from 'yaml';
import { ParseError } from '../core/errors.js';
import type { Vars } from './types.js';
import { describeNode, mapEntries, nodePos, parseYaml, toJs } from './yaml-pos.js';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses the text of a variables file; an empty file has no variables. */
export function parseVarsText(file: string, text: string): Vars {
  const y = parseYaml(file, text);
  const root = y.doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return {};
  if (!isMap(root)) {
    throw new ParseError(nodePos(y, root), undefined, `a variables file must be a mapping of names to values, got ${describeNode(root)}`);
  }
  const vars: Vars = {};
  for (const entry of mapEntries(y, root, '')) {
    if (!VAR_NAME.test(entry.key)) {
      throw new ParseError(entry.pos, entry.key, `'${entry.key}' is not a valid variable name (letters, digits and _, not starting with a digit)`);
    }
    vars[entry.key] = toJs(y, entry.value);
  }
  return vars;
}

/** Reads a variables file. */
export async function loadVarsFile(file: string): Promise<Vars> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ParseError(undefined, undefined, `${file}: cannot read variables file (${code}); check the path`);
  }
  return parseVarsText(file, text);
}
