// Loads an Ansible playbook: a YAML list of plays. Values stay as written (templates are
// rendered per host when a step runs); every error is one line with file:line:col and field.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { FleetbootError, ParseError } from '../core/errors.js';
import { parsePlay } from './play-parse.js';
import type { TaskContext } from './task-parse.js';
import type { Playbook } from './types.js';
import { describeNode, mapEntries, nodePos, parseYaml } from './yaml-pos.js';

export interface LoadPlaybookOptions {
  /** True for a module name the engine can run (`command`, `ansible.builtin.command`, ...). */
  isModule: (name: string) => boolean;
  /** The module names, for "did you mean" suggestions on a misspelled module. */
  moduleNames?: Iterable<string>;
}

/** Parses playbook text (no I/O); `file` is used in positions and for the playbook's dir. */
export function parsePlaybook(file: string, text: string, opts: LoadPlaybookOptions): Playbook {
  const y = parseYaml(file, text);
  const ctx: TaskContext = { y, isModule: opts.isModule, moduleNames: [...(opts.moduleNames ?? [])] };
  const root = y.doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) {
    throw new ParseError(nodePos(y, root), undefined, 'the playbook is empty (it should be a list of plays)');
  }
  if (!isSeq(root)) {
    const hint = isMap(root) && mapEntries(y, root, '').some((e) => e.key === 'hosts') ? ' (start the play with "- ")' : '';
    throw new ParseError(nodePos(y, root), undefined, `a playbook must be a list of plays, got ${describeNode(root)}${hint}`);
  }
  const plays = root.items.map((item, i) => parsePlay(ctx, item as Node | null, `plays[${i}]`));
  return { file, dir: dirname(resolve(file)), plays };
}

/** Reads and parses a playbook file. */
export async function loadPlaybook(file: string, opts: LoadPlaybookOptions): Promise<Playbook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    // As ansible-playbook: a missing file is an error (1), not a parse error (4).
    throw new FleetbootError(`${file}: cannot read the playbook (${code}); check the path`);
  }
  return parsePlaybook(file, text, opts);
}
