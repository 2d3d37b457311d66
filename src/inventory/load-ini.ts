// Ansible's INI inventory (`hosts` files): `[group]` host lines with `key=value` variables,
// `[group:vars]`, `[group:children]`; lines before any section belong to `ungrouped`. Read in two
// steps: `parseIni` turns text into records (pure, fails on malformed lines), `applyIni` adds
// them to the inventory (where undefined groups are found).

import { ParseError, type SourcePos } from '../core/errors.js';
import type { InventoryBuilder } from './builder.js';
import { closest } from './did-you-mean.js';
import { expandHostKey } from './host-range.js';
import { iniValue } from './py-literal.js';
import { shlexSplit } from './shlex.js';
import { validateValue } from './validate.js';

type Section = 'hosts' | 'children' | 'vars';

interface VarToken {
  key: string;
  value: unknown;
  pos: SourcePos;
}

export type IniRecord =
  | { kind: 'section'; group: string; state: Section; pos: SourcePos }
  | { kind: 'hosts'; group: string; key: string; names: string[]; port?: number; vars: VarToken[]; pos: SourcePos }
  | { kind: 'var'; group: string; v: VarToken }
  | { kind: 'child'; group: string; child: string; pos: SourcePos };

const SECTION = /^\[([^:\]\s]+)(?::([\p{L}\p{N}_]+))?\]\s*(?:#.*)?$/u;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/u;
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
const SECTIONS: Section[] = ['hosts', 'children', 'vars'];

/** The records of an INI inventory, or the errors of its malformed lines. */
export function parseIni(text: string, file: string): { records: IniRecord[]; errors: ParseError[] } {
  const records: IniRecord[] = [];
  const errors: ParseError[] = [];
  let group = 'ungrouped';
  let state: Section = 'hosts';
  text.split(LINE_BREAK).forEach((raw, index) => {
    const line = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    const at = (offset = 0): SourcePos => ({ file, line: index + 1, col: indent + offset + 1 });
    if (!line || line.startsWith('#') || line.startsWith(';')) return;

    const m = SECTION.exec(line);
    if (m) {
      const type = m[2] ?? 'hosts';
      group = m[1] ?? '';
      if (!(SECTIONS as string[]).includes(type)) {
        const guess = closest(type, SECTIONS);
        const hint = guess ? `did you mean '${guess}'? ` : '';
        errors.push(new ParseError(at(group.length + 2), group, `unknown section type '${type}' (${hint}allowed: ${SECTIONS.join(', ')})`));
        state = 'hosts';
        group = '';
        return;
      }
      state = type as Section;
      records.push({ kind: 'section', group, state, pos: at(1) });
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      errors.push(new ParseError(at(), undefined, `invalid section header '${line}': write [group], [group:vars] or [group:children], without spaces`));
      return;
    }
    if (!group) return; // inside a section already reported as invalid

    if (state === 'hosts') {
      const rec = parseHostLine(line, group, at, errors);
      if (rec) records.push(rec);
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) {
        errors.push(new ParseError(at(), `${group}.vars`, `expected key=value, got '${line}'`));
        return;
      }
      const key = line.slice(0, eq).trim();
      records.push({ kind: 'var', group, v: { key, value: iniValue(line.slice(eq + 1).trim()), pos: at() } });
    } else {
      const c = GROUP_NAME.exec(line);
      if (!c) {
        errors.push(new ParseError(at(), `${group}.children`, `expected a group name, got '${line}'`));
        return;
      }
      records.push({ kind: 'child', group, child: c[1] ?? '', pos: at() });
    }
  });
  return { records, errors };
}

function parseHostLine(
  line: string,
  group: string,
  at: (offset?: number) => SourcePos,
  errors: ParseError[],
): IniRecord | undefined {
  let words;
  try {
    words = shlexSplit(line);
  } catch (err) {
    errors.push(new ParseError(at(), `${group}.hosts`, `cannot read host line: ${(err as Error).message}`));
    return undefined;
  }
  const first = words[0];
  if (!first) return undefined;
  const field = `${group}.hosts.${first.text}`;
  if (first.text.trim() === '---') {
    errors.push(new ParseError(at(), field, "'---' starts a YAML document: name the file .yml so it is read as YAML"));
    return undefined;
  }
  let expanded;
  try {
    expanded = expandHostKey(first.text);
  } catch (err) {
    errors.push(new ParseError(at(first.start), field, (err as Error).message));
    return undefined;
  }
  if (first.text.trim().endsWith(':') && expanded.port === undefined) {
    errors.push(new ParseError(at(first.start), field, "a host name may not end with ':' (that is where a port number goes)"));
    return undefined;
  }
  const vars: VarToken[] = [];
  for (const w of words.slice(1)) {
    const eq = w.text.indexOf('=');
    if (eq < 0) {
      errors.push(new ParseError(at(w.start), field, `expected key=value host variable, got '${w.text}'`));
      return undefined;
    }
    vars.push({ key: w.text.slice(0, eq), value: iniValue(w.text.slice(eq + 1)), pos: at(w.start) });
  }
  return { kind: 'hosts', group, key: first.text, names: expanded.names, port: expanded.port, vars, pos: at(first.start) };
}

interface Pending {
  state: 'vars' | 'children';
  pos: SourcePos;
  parents: string[];
}

/** Adds parsed records to the inventory; returns what is wrong (schema, undefined groups). */
export function applyIni(records: IniRecord[], b: InventoryBuilder): ParseError[] {
  const errors: ParseError[] = [];
  const pending = new Map<string, Pending>();

  const addPendingChildren = (group: string): void => {
    const p = pending.get(group);
    if (!p) return;
    pending.delete(group);
    for (const parent of p.parents) {
      const loop = b.addChild(parent, group);
      if (loop) errors.push(new ParseError(p.pos, `${parent}.children.${group}`, loop));
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
  };

  for (const rec of records) {
    switch (rec.kind) {
      case 'section': {
        if (!b.groups.has(rec.group)) {
          if (rec.state === 'vars' && !pending.has(rec.group)) {
            pending.set(rec.group, { state: 'vars', pos: rec.pos, parents: [] });
          }
          b.addGroup(rec.group, rec.pos);
        }
        const p = pending.get(rec.group);
        if (p && rec.state !== 'vars') {
          if (p.state === 'children') addPendingChildren(rec.group);
          else pending.delete(rec.group);
        }
        break;
      }
      case 'hosts': {
        const vars = Object.fromEntries(rec.vars.map((v) => [v.key, v.value]));
        errors.push(...validateValue('vars', vars, (seg) => varPos(rec.vars, seg, rec.pos), [rec.group, 'hosts', rec.key]));
        for (const name of rec.names) {
          b.addHost(name, rec.group, rec.port, rec.pos);
          for (const v of rec.vars) b.setHostVar(name, v.key, v.value);
        }
        break;
      }
      case 'var': {
        const { key, value, pos } = rec.v;
        errors.push(...validateValue('groupVars', { [key]: value }, () => pos, [rec.group, 'vars']));
        b.setGroupVar(rec.group, key, value);
        break;
      }
      case 'child': {
        if (b.groups.has(rec.child)) {
          const loop = b.addChild(rec.group, rec.child);
          if (loop) errors.push(new ParseError(rec.pos, `${rec.group}.children.${rec.child}`, loop));
        } else {
          const p = pending.get(rec.child);
          if (p) p.parents.push(rec.group);
          else pending.set(rec.child, { state: 'children', pos: rec.pos, parents: [rec.group] });
        }
        break;
      }
    }
  }

  for (const [name, p] of pending) {
    if (p.state === 'vars') {
      errors.push(new ParseError(p.pos, name, `[${name}:vars] names a group defined nowhere; add a [${name}] or [${name}:children] section, or fix the name`));
    } else {
      const parent = p.parents[p.parents.length - 1] ?? '';
      errors.push(new ParseError(p.pos, `${parent}.children.${name}`, `group '${name}' is defined nowhere; add a [${name}] section, or fix the name`));
    }
  }
  return errors;
}

function varPos(vars: VarToken[], segments: string[], fallback: SourcePos): SourcePos {
  const key = segments[0];
  return vars.find((v) => v.key === key)?.pos ?? fallback;
}
