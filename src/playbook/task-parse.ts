// One task of a play: its keywords, its one module and that module's arguments, with the
// position of the task and of each argument kept for later errors. Every mistake is one
// ParseError at the offending key.

import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { ParseError, type SourcePos } from '../core/errors.js';
import {
  isWithLoop,
  LOOP_CONTROL_KEYS,
  TASK_KEYWORDS,
  TASK_UNSUPPORTED,
  unsupportedMessage,
} from './keywords.js';
import { checkTaskValues } from './play-schema.js';
import { didYouMean, suggest } from './suggest.js';
import type { Task, Vars } from './types.js';
import { describeNode, fieldPath, mapEntries, nodePos, toJs, type YamlEntry, type YamlFile } from './yaml-pos.js';

export interface TaskContext {
  y: YamlFile;
  isModule(name: string): boolean;
  /** Known module names, for "did you mean". */
  moduleNames: readonly string[];
}

const KEYWORDS = new Set<string>(TASK_KEYWORDS);
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `when: x`, `when: [a, b]`, `when: true` → a list of expression strings. */
function conditions(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map((c) => String(c));
}

function unknownKey(ctx: TaskContext, entry: YamlEntry, field: string, hasModule: boolean): ParseError {
  // With a module present the key was meant as a keyword; without one it may be the module.
  const order = hasModule ? [...TASK_KEYWORDS, ...ctx.moduleNames] : [...ctx.moduleNames, ...TASK_KEYWORDS];
  const hit = suggest(entry.key, order);
  const what = hasModule || (hit !== undefined && KEYWORDS.has(hit)) ? 'key' : 'module';
  const hint = hit === undefined ? '' : ` (did you mean '${hit}'?)`;
  return new ParseError(entry.pos, fieldPath(field, entry.key), `unknown ${what} '${entry.key}'${hint}`);
}

interface ModuleArgs {
  args: Vars | string;
  argPos: Record<string, SourcePos>;
}

function moduleArgs(ctx: TaskContext, entry: YamlEntry, field: string): ModuleArgs {
  const node = entry.value;
  const where = fieldPath(field, entry.key);
  if (node === null || (isScalar(node) && node.value === null)) return { args: {}, argPos: {} };
  if (isMap(node)) {
    const argPos: Record<string, SourcePos> = {};
    const args: Vars = {};
    for (const arg of mapEntries(ctx.y, node, where)) {
      argPos[arg.key] = arg.pos;
      args[arg.key] = toJs(ctx.y, arg.value);
    }
    return { args, argPos };
  }
  if (isScalar(node) && typeof node.value === 'string') {
    return { args: node.value, argPos: { _raw_params: entry.valuePos } };
  }
  throw new ParseError(
    entry.valuePos,
    where,
    `arguments of '${entry.key}' must be a mapping or a string, got ${describeNode(node)}`,
  );
}

/** Merges `args:` into the module's arguments; module arguments win, as in Ansible. */
function mergeArgs(ctx: TaskContext, own: ModuleArgs, entry: YamlEntry | undefined, field: string): ModuleArgs {
  if (!entry || !isMap(entry.value)) return own;
  const extra = moduleArgs(ctx, entry, field);
  const extraArgs = extra.args as Vars;
  // A free-form string beside args: becomes `_raw_params`, Ansible's name for it.
  const base = typeof own.args === 'string' ? { _raw_params: own.args } : own.args;
  return { args: { ...extraArgs, ...base }, argPos: { ...extra.argPos, ...own.argPos } };
}

function loopControl(ctx: TaskContext, node: Node | null, field: string): { loop_var?: string; loop_label?: string } {
  if (!isMap(node)) return {};
  const out: { loop_var?: string; loop_label?: string } = {};
  for (const entry of mapEntries(ctx.y, node, field)) {
    const where = fieldPath(field, entry.key);
    const value = toJs(ctx.y, entry.value);
    if (entry.key === 'loop_var') {
      if (typeof value !== 'string' || !VAR_NAME.test(value)) {
        throw new ParseError(entry.valuePos, where, `expected a variable name, got ${describeNode(entry.value)}`);
      }
      out.loop_var = value;
    } else if (entry.key === 'label') {
      out.loop_label = String(value);
    } else {
      const hint = didYouMean(entry.key, LOOP_CONTROL_KEYS);
      throw new ParseError(entry.pos, where, `'${entry.key}' is not supported in loop_control (fleetboot has loop_var and label)${hint}`);
    }
  }
  return out;
}

function checkVarNames(ctx: TaskContext, node: Node | null, field: string): void {
  if (!isMap(node)) return;
  for (const entry of mapEntries(ctx.y, node, field)) {
    if (!VAR_NAME.test(entry.key)) {
      throw new ParseError(entry.pos, fieldPath(field, entry.key), `'${entry.key}' is not a valid variable name`);
    }
  }
}

/** Parses the task at `node`; `field` is its path, such as `plays[0].tasks[3]`. */
export function parseTask(ctx: TaskContext, node: Node | null, field: string): Task {
  if (!isMap(node)) {
    const got = isSeq(node) ? 'a list (one task per list item; is it indented one level too deep?)' : describeNode(node);
    throw new ParseError(nodePos(ctx.y, node), field, `a task must be a mapping (name, one module and its arguments), got ${got}`);
  }
  const map: YAMLMap = node;
  const entries = mapEntries(ctx.y, map, field);
  const keywords = new Map<string, YamlEntry>();
  const modules: YamlEntry[] = [];
  const unknown: YamlEntry[] = [];
  for (const entry of entries) {
    if (KEYWORDS.has(entry.key)) keywords.set(entry.key, entry);
    else if (Object.hasOwn(TASK_UNSUPPORTED, entry.key) || isWithLoop(entry.key)) {
      const hint = isWithLoop(entry.key) ? 'use loop:' : TASK_UNSUPPORTED[entry.key];
      throw new ParseError(entry.pos, fieldPath(field, entry.key), unsupportedMessage(entry.key, hint));
    } else if (ctx.isModule(entry.key)) modules.push(entry);
    else unknown.push(entry);
  }
  const [first, second] = modules;
  if (first && second) {
    throw new ParseError(
      second.pos,
      fieldPath(field, second.key),
      `two modules in one task: '${first.key}' and '${second.key}' (a task runs exactly one module; split it into two tasks)`,
    );
  }
  const stray = unknown[0];
  if (stray) throw unknownKey(ctx, stray, field, first !== undefined);
  if (!first) {
    throw new ParseError(nodePos(ctx.y, map), field, 'the task has no module (a task runs exactly one module, such as command: or debug:)');
  }

  const values: Record<string, unknown> = {};
  for (const [key, entry] of keywords) values[key] = toJs(ctx.y, entry.value);
  checkTaskValues(ctx.y, map, values, field);
  checkVarNames(ctx, keywords.get('vars')?.value ?? null, fieldPath(field, 'vars'));

  const { args, argPos } = mergeArgs(ctx, moduleArgs(ctx, first, field), keywords.get('args'), field);
  const name = values['name'];
  const task: Task = {
    name: name === undefined || name === null ? first.key : String(name),
    named: name !== undefined && name !== null,
    module: first.key,
    args,
    pos: nodePos(ctx.y, map),
    argPos,
  };
  const optional: Partial<Task> = {
    when: conditions(values['when']),
    until: conditions(values['until']),
    failed_when: conditions(values['failed_when']),
    changed_when: conditions(values['changed_when']),
    register: values['register'] as string | undefined,
    retries: values['retries'] as number | string | undefined,
    delay: values['delay'] as number | string | undefined,
    timeout: values['timeout'] as number | string | undefined,
    ignore_errors: values['ignore_errors'] as boolean | string | undefined,
    no_log: values['no_log'] as boolean | string | undefined,
    check_mode: values['check_mode'] as boolean | string | undefined,
    loop: values['loop'],
    vars: values['vars'] as Vars | undefined,
    ...loopControl(ctx, keywords.get('loop_control')?.value ?? null, fieldPath(field, 'loop_control')),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined && value !== null) Object.assign(task, { [key]: value });
  }
  return task;
}
