// JSON Schemas (checked with ajv) for the values of play and task keywords. A template string
// (`retries: "{{ n }}"`) is accepted wherever a task expects a number or a boolean; it is
// checked when rendered. An error names the offending value's position and what was expected.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Node, YAMLMap } from 'yaml';
import { ParseError } from '../core/errors.js';
import { describeNode, fieldPath, nodePos, type YamlFile } from './yaml-pos.js';

const IDENTIFIER = '^[A-Za-z_][A-Za-z0-9_]*$';
const template = { type: 'string', pattern: '\\{\\{|\\{%' };
const condition = { type: ['string', 'boolean'] };
const conditions = { anyOf: [condition, { type: 'array', items: condition }] };
const templatedBool = { anyOf: [{ type: 'boolean' }, template] };
const serialItem = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$' }, template] };
const strings = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

const playSchema = {
  type: 'object',
  properties: {
    name: { type: ['string', 'number'] },
    hosts: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string' } }] },
    vars: { type: 'object' },
    vars_files: strings,
    serial: { anyOf: [serialItem, { type: 'array', minItems: 1, items: serialItem }] },
    max_fail_percentage: { type: 'number', minimum: 0, maximum: 100 },
    any_errors_fatal: { type: 'boolean' },
    gather_facts: { type: 'boolean' },
    tasks: { type: ['array', 'null'] },
  },
};

const taskSchema = {
  type: 'object',
  properties: {
    name: { type: ['string', 'number'] },
    args: { type: 'object' },
    when: conditions,
    until: conditions,
    failed_when: conditions,
    changed_when: conditions,
    register: { type: 'string', pattern: IDENTIFIER },
    retries: { anyOf: [{ type: 'integer', minimum: 0 }, template] },
    delay: { anyOf: [{ type: 'number', minimum: 0 }, template] },
    timeout: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, template] },
    ignore_errors: templatedBool,
    no_log: templatedBool,
    check_mode: templatedBool,
    loop: { anyOf: [{ type: 'array' }, template] },
    loop_control: { type: 'object' },
    vars: { type: 'object' },
  },
};

/** What each keyword takes, for error messages. */
const EXPECTED: Record<string, string> = {
  name: 'a string',
  hosts: 'a host pattern (a string) or a list of them',
  vars: 'a mapping of variable names to values',
  vars_files: 'a file path or a list of them',
  serial: "a number of hosts, a percentage like '30%', a template, or a list of those",
  max_fail_percentage: 'a number from 0 to 100',
  any_errors_fatal: 'true or false',
  gather_facts: 'true or false',
  tasks: 'a list of tasks',
  args: 'a mapping of module arguments',
  when: 'a condition (an expression), true/false, or a list of them',
  until: 'a condition (an expression), true/false, or a list of them',
  failed_when: 'a condition (an expression), true/false, or a list of them',
  changed_when: 'a condition (an expression), true/false, or a list of them',
  register: 'a variable name (letters, digits and _, not starting with a digit)',
  retries: 'a whole number (0 or more) or a template',
  delay: 'a number of seconds (0 or more) or a template',
  timeout: 'a number of seconds (more than 0) or a template',
  ignore_errors: 'true/false or a template',
  no_log: 'true/false or a template',
  check_mode: 'true/false or a template',
  loop: 'a list or a template that gives one',
  loop_control: 'a mapping (loop_var, label)',
};

const ajv = new Ajv({ allErrors: false, strict: false });
const validatePlay = ajv.compile(playSchema);
const validateTask = ajv.compile(taskSchema);

function nodeAt(map: YAMLMap, path: string[]): Node | null {
  const keys = path.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const hit: unknown = map.getIn(keys, true);
  return hit !== null && typeof hit === 'object' ? (hit as Node) : null;
}

/** The error to report: the one deepest in the value (an item of a list beats the list). */
function deepest(errors: ErrorObject[]): ErrorObject | undefined {
  return [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
}

function check(validate: ValidateFunction, y: YamlFile, map: YAMLMap, values: Record<string, unknown>, field: string): void {
  if (validate(values)) return;
  const err = deepest(validate.errors ?? []);
  if (!err) return;
  const path = err.instancePath.split('/').slice(1);
  const key = path[0] ?? '';
  const node = nodeAt(map, path);
  const where = path.reduce<string>((f, p) => fieldPath(f, /^\d+$/.test(p) ? Number(p) : p), field);
  throw new ParseError(nodePos(y, node), where, `expected ${EXPECTED[key] ?? 'another value'}, got ${describeNode(node)}`);
}

/** Checks the values of a play's keywords (`values` holds them as plain data). */
export function checkPlayValues(y: YamlFile, map: YAMLMap, values: Record<string, unknown>, field: string): void {
  check(validatePlay, y, map, values, field);
}

/** Checks the values of a task's keywords (module arguments are checked by the planner). */
export function checkTaskValues(y: YamlFile, map: YAMLMap, values: Record<string, unknown>, field: string): void {
  check(validateTask, y, map, values, field);
}
