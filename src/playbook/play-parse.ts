// One play of a playbook: its keywords and its tasks.

import { isMap, isSeq, type Node } from 'yaml';
import { ParseError } from '../core/errors.js';
import { PLAY_KEYWORDS, PLAY_UNSUPPORTED, TASK_KEYWORDS, unsupportedMessage } from './keywords.js';
import { checkPlayValues } from './play-schema.js';
import { suggest } from './suggest.js';
import { parseTask, type TaskContext } from './task-parse.js';
import type { Play, Vars } from './types.js';
import { describeNode, fieldPath, mapEntries, nodePos, toJs, type YamlEntry } from './yaml-pos.js';

const KEYWORDS = new Set<string>(PLAY_KEYWORDS);
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function unknownPlayKey(ctx: TaskContext, entry: YamlEntry, field: string): ParseError {
  const where = fieldPath(field, entry.key);
  const hit = suggest(entry.key, PLAY_KEYWORDS);
  if (hit !== undefined) return new ParseError(entry.pos, where, `unknown key '${entry.key}' (did you mean '${hit}'?)`);
  // A task written where a play belongs: say where tasks go.
  if (ctx.isModule(entry.key) || (TASK_KEYWORDS as readonly string[]).includes(entry.key)) {
    return new ParseError(entry.pos, where, `unknown key '${entry.key}' in a play (tasks go in a list under 'tasks:', and a play needs 'hosts:')`);
  }
  return new ParseError(entry.pos, where, `unknown key '${entry.key}' in a play (a play has ${PLAY_KEYWORDS.join(', ')})`);
}

function asList<T>(value: T | T[] | undefined): T[] | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Parses the play at `node`; `field` is its path, such as `plays[0]`. */
export function parsePlay(ctx: TaskContext, node: Node | null, field: string): Play {
  if (!isMap(node)) {
    throw new ParseError(nodePos(ctx.y, node), field, `a play must be a mapping (hosts, tasks, ...), got ${describeNode(node)}`);
  }
  const entries = new Map<string, YamlEntry>();
  for (const entry of mapEntries(ctx.y, node, field)) {
    if (KEYWORDS.has(entry.key)) entries.set(entry.key, entry);
    else if (Object.hasOwn(PLAY_UNSUPPORTED, entry.key)) {
      throw new ParseError(entry.pos, fieldPath(field, entry.key), unsupportedMessage(entry.key, PLAY_UNSUPPORTED[entry.key]));
    } else throw unknownPlayKey(ctx, entry, field);
  }
  const values: Record<string, unknown> = {};
  for (const [key, entry] of entries) values[key] = toJs(ctx.y, entry.value);
  checkPlayValues(ctx.y, node, values, field);
  if (values['hosts'] === undefined) {
    throw new ParseError(nodePos(ctx.y, node), field, "the play has no 'hosts:' (a host pattern such as all, a group or a host name)");
  }
  const varsEntry = entries.get('vars');
  if (varsEntry && isMap(varsEntry.value)) {
    for (const v of mapEntries(ctx.y, varsEntry.value, fieldPath(field, 'vars'))) {
      if (!VAR_NAME.test(v.key)) throw new ParseError(v.pos, fieldPath(fieldPath(field, 'vars'), v.key), `'${v.key}' is not a valid variable name`);
    }
  }

  const tasksNode = entries.get('tasks')?.value ?? null;
  const tasksField = fieldPath(field, 'tasks');
  const tasks = isSeq(tasksNode)
    ? tasksNode.items.map((item, i) => parseTask(ctx, item as Node | null, fieldPath(tasksField, i)))
    : [];
  const hosts = asList(values['hosts'] as string | string[]) ?? [];
  const play: Play = {
    name: values['name'] === undefined || values['name'] === null ? hosts.join(',') : String(values['name']),
    hosts: hosts.join(','),
    vars: (values['vars'] as Vars | undefined) ?? {},
    vars_files: asList(values['vars_files'] as string | string[]) ?? [],
    any_errors_fatal: (values['any_errors_fatal'] as boolean | undefined) ?? false,
    // Ansible's default; fleetboot gathers no facts either way.
    gather_facts: (values['gather_facts'] as boolean | undefined) ?? true,
    tasks,
    pos: nodePos(ctx.y, node),
  };
  const serial = asList(values['serial'] as number | string | (number | string)[] | undefined);
  if (serial) play.serial = serial;
  const maxFail = values['max_fail_percentage'];
  if (typeof maxFail === 'number') play.max_fail_percentage = maxFail;
  return play;
}
