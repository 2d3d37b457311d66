// `lsblk` over a host's simulated block devices, the way util-linux 2.38+ prints them: the table
// (ASCII tree, as in the C locale of an SSH exec), --list, --raw, --pairs and --json with
// libsmartcols' layout and types (SIZE a number with --bytes, ROTA/RM/RO booleans, MOUNTPOINTS an
// array, empty values null). Pure: arguments and devices in, output and exit status out.

import type { BlockDevice } from './disks.js';
import { findDevice } from './disks.js';

type Value = string | number | boolean | null | Array<string | null>;

interface Column {
  /** JSON key: the column name in lower case. */
  key: string;
  right?: boolean;
  get(d: BlockDevice, ctx: Ctx): Value;
}

interface Ctx {
  bytes: boolean;
  paths: boolean;
  parent?: BlockDevice;
}

const dev = (name: string, ctx: Ctx): string => (ctx.paths ? `/dev/${name}` : name);

/** util-linux's size_to_human_string with one-letter suffixes: 894.3G, 16G, 0B. */
export function humanSize(bytes: number): string {
  let exp = 0;
  while (exp < 60 && bytes >= 2 ** (exp + 10)) exp += 10;
  let dec = Math.floor(bytes / 2 ** exp);
  let frac = exp ? bytes % 2 ** exp : 0;
  if (frac) {
    frac = Math.floor((frac * 1000) / 2 ** exp);
    frac = Math.floor((frac + 50) / 100);
    if (frac === 10) {
      dec++;
      frac = 0;
    }
  }
  const letter = 'BKMGTPE'[exp / 10] ?? '?';
  return frac ? `${dec}.${frac}${letter}` : `${dec}${letter}`;
}

const COLUMNS: Record<string, Column> = {
  NAME: { key: 'name', get: (d, c) => dev(d.name, c) },
  KNAME: { key: 'kname', get: (d, c) => dev(d.name, c) },
  PATH: { key: 'path', get: (d) => `/dev/${d.name}` },
  'MAJ:MIN': { key: 'maj:min', get: (d) => d.majMin },
  SIZE: { key: 'size', right: true, get: (d, c) => (c.bytes ? d.size : humanSize(d.size)) },
  TYPE: { key: 'type', get: (d) => d.type },
  ROTA: { key: 'rota', right: true, get: (d) => d.rota },
  RM: { key: 'rm', right: true, get: (d) => d.rm },
  RO: { key: 'ro', right: true, get: (d) => d.ro },
  HOTPLUG: { key: 'hotplug', right: true, get: (d) => d.rm },
  MODEL: { key: 'model', get: (d) => d.model },
  VENDOR: { key: 'vendor', get: (d) => d.vendor },
  SERIAL: { key: 'serial', get: (d) => d.serial },
  WWN: { key: 'wwn', get: (d) => d.wwn },
  HCTL: { key: 'hctl', get: (d) => d.hctl },
  TRAN: { key: 'tran', get: (d) => d.tran },
  REV: { key: 'rev', get: (d) => (d.type === 'part' ? null : d.tran === 'nvme' ? 'GDC5602Q' : '1.00') },
  FSTYPE: { key: 'fstype', get: (d) => d.fstype },
  LABEL: { key: 'label', get: (d) => d.label },
  UUID: { key: 'uuid', get: (d) => d.uuid },
  PARTLABEL: { key: 'partlabel', get: (d) => d.partlabel },
  PTTYPE: { key: 'pttype', get: (d) => d.pttype },
  PKNAME: { key: 'pkname', get: (d, c) => (c.parent ? dev(c.parent.name, c) : null) },
  MOUNTPOINT: { key: 'mountpoint', get: (d) => d.mountpoints[0] ?? null },
  MOUNTPOINTS: { key: 'mountpoints', get: (d) => (d.mountpoints.length ? [...d.mountpoints] : [null]) },
  'LOG-SEC': { key: 'log-sec', right: true, get: (d) => (d.type === 'rom' ? 2048 : 512) },
  'PHY-SEC': { key: 'phy-sec', right: true, get: (d) => (d.type === 'rom' ? 2048 : d.tran === 'nvme' ? 512 : 4096) },
  STATE: { key: 'state', get: (d) => (d.type === 'part' ? null : 'running') },
  SUBSYSTEMS: { key: 'subsystems', get: (d) => (d.tran === 'nvme' ? 'block:nvme:pci' : d.tran === 'usb' ? 'block:scsi:usb:pci' : 'block:scsi:pci') },
};

const DEFAULT_COLUMNS = ['NAME', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINTS'];

export interface LsblkResult {
  stdout: string;
  stderr: string;
  rc: number;
}

type Mode = 'tree' | 'list' | 'raw' | 'pairs' | 'json';

interface Options {
  mode: Mode;
  bytes: boolean;
  nodeps: boolean;
  paths: boolean;
  noheadings: boolean;
  columns: string[];
  exclude: Set<number>;
  include?: Set<number>;
  devices: string[];
}

class UsageError extends Error {}

const VALUE_LONG = new Set(['output', 'exclude', 'include', 'sort', 'width', 'sysroot', 'tree']);
const SHORT_VALUE = new Set(['o', 'e', 'I', 'x', 'w']);

function parseArgs(args: string[]): Options {
  const o: Options = { mode: 'tree', bytes: false, nodeps: false, paths: false, noheadings: false, columns: [...DEFAULT_COLUMNS], exclude: new Set([1]), devices: [] };
  const setColumns = (spec: string): void => {
    const list = spec.split(',').filter((s) => s !== '');
    const append = spec.startsWith('+');
    const names = (append ? spec.slice(1).split(',') : list).map((s) => s.toUpperCase());
    for (const n of names) if (!Object.hasOwn(COLUMNS, n)) throw new UsageError(`lsblk: unknown column: ${n}`);
    o.columns = append ? [...o.columns, ...names] : names;
  };
  const majors = (spec: string): Set<number> => new Set(spec.split(',').map(Number));
  const option = (name: string, value: string | undefined): void => {
    switch (name) {
      case 'J': case 'json': o.mode = 'json'; break;
      case 'l': case 'list': o.mode = 'list'; break;
      case 'r': case 'raw': o.mode = 'raw'; break;
      case 'P': case 'pairs': o.mode = 'pairs'; break;
      case 'b': case 'bytes': o.bytes = true; break;
      case 'd': case 'nodeps': o.nodeps = true; break;
      case 'p': case 'paths': o.paths = true; break;
      case 'n': case 'noheadings': o.noheadings = true; break;
      case 'a': case 'all': case 'A': case 'noempty': case 'i': case 'ascii': case 'tree': case 'x': case 'sort': case 'w': case 'width': break;
      case 'o': case 'output': setColumns(value ?? ''); break;
      case 'e': case 'exclude': o.exclude = majors(value ?? ''); break;
      case 'I': case 'include': o.include = majors(value ?? ''); break;
      case 'O': case 'output-all': o.columns = Object.keys(COLUMNS); break;
      case 'f': case 'fs': o.columns = ['NAME', 'FSTYPE', 'LABEL', 'UUID', 'MOUNTPOINTS']; break;
      case 'S': case 'scsi': o.nodeps = true; o.columns = ['NAME', 'HCTL', 'TYPE', 'VENDOR', 'MODEL', 'REV', 'SERIAL', 'TRAN']; break;
      case 'N': case 'nvme': o.nodeps = true; o.columns = ['NAME', 'TYPE', 'MODEL', 'SERIAL', 'REV', 'TRAN', 'RQ-SIZE', 'MQ'].filter((c) => Object.hasOwn(COLUMNS, c)); break;
      default:
        throw new UsageError(name.length === 1 ? `lsblk: invalid option -- '${name}'` : `lsblk: unrecognized option '--${name}'`);
    }
  };
  const known = new Set(['json', 'list', 'raw', 'pairs', 'bytes', 'nodeps', 'paths', 'noheadings', 'all', 'noempty', 'ascii', 'output-all', 'fs', 'scsi', 'nvme', ...VALUE_LONG]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      o.devices.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!known.has(name)) throw new UsageError(`lsblk: unrecognized option '${a}'`);
      let value = eq > 0 ? a.slice(eq + 1) : undefined;
      if (VALUE_LONG.has(name) && name !== 'tree' && value === undefined) {
        value = args[++i];
        if (value === undefined) throw new UsageError(`lsblk: option '--${name}' requires an argument`);
      }
      option(name, value);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j] ?? '';
        if (SHORT_VALUE.has(ch)) {
          let value: string | undefined = a.slice(j + 1);
          if (value === '') value = args[++i];
          if (value === undefined) throw new UsageError(`lsblk: option requires an argument -- '${ch}'`);
          option(ch, value);
          break;
        }
        option(ch, undefined);
      }
    } else o.devices.push(a);
  }
  return o;
}

interface Row {
  dev: BlockDevice;
  parent?: BlockDevice;
  /** Tree prefix for NAME in the table. */
  prefix: string;
  children: Row[];
}

function rows(devs: readonly BlockDevice[], o: Options, parent?: BlockDevice, indent = ''): Row[] {
  const kept = devs.filter((d) => {
    const major = Number(d.majMin.split(':')[0]);
    return o.include ? o.include.has(major) : !o.exclude.has(major);
  });
  return kept.map((d, i) => {
    const last = i === kept.length - 1;
    const prefix = parent ? `${indent}${last ? '`-' : '|-'}` : '';
    const childIndent = parent ? `${indent}${last ? '  ' : '| '}` : '';
    return {
      dev: d,
      ...(parent ? { parent } : {}),
      prefix,
      children: o.nodeps ? [] : rows(d.children, o, d, childIndent),
    };
  });
}

function values(row: Row, o: Options): Array<[string, Value]> {
  const ctx: Ctx = { bytes: o.bytes, paths: o.paths, ...(row.parent ? { parent: row.parent } : {}) };
  return o.columns.map((c) => {
    const col = COLUMNS[c] as Column;
    return [c, col.get(row.dev, ctx)];
  });
}

function text(v: Value, sep = '\n'): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (Array.isArray(v)) return v.filter((x) => x !== null).join(sep);
  return String(v);
}

/** libsmartcols' JSON: 3 spaces per level, siblings joined by "},{", array items 4 spaces in. */
function renderJson(tree: Row[], o: Options): string {
  const objects = (list: Row[], depth: number): string => {
    const pad = ' '.repeat(3 * depth);
    const inner = ' '.repeat(3 * (depth + 1));
    const one = (r: Row): string => {
      const fields = values(r, o).map(([c, v]) => {
        const key = JSON.stringify((COLUMNS[c] as Column).key);
        if (Array.isArray(v)) {
          const items = v.map((x) => `${inner}    ${x === null ? 'null' : JSON.stringify(x)}`).join(',\n');
          return `${inner}${key}: [\n${items}\n${inner}]`;
        }
        return `${inner}${key}: ${v === null ? 'null' : JSON.stringify(v)}`;
      });
      if (r.children.length) fields.push(`${inner}"children": [\n${objects(r.children, depth + 2)}\n${inner}]`);
      return fields.join(',\n');
    };
    return `${pad}{\n${list.map(one).join(`\n${pad}},{\n`)}\n${pad}}`;
  };
  return `{\n   "blockdevices": [\n${tree.length ? objects(tree, 2) + '\n' : ''}   ]\n}\n`;
}

function flatten(tree: Row[]): Row[] {
  return tree.flatMap((r) => [r, ...flatten(r.children)]);
}

function renderTable(tree: Row[], o: Options): string {
  const all = flatten(tree);
  const lines: string[][] = [];
  // A row with several mount points takes several lines, the extra ones empty but for MOUNTPOINTS.
  // The table pads MAJ:MIN as lsblk does ("%3u:%-3u"), so majors and minors line up.
  const majMin = (v: Value): string => {
    const [maj = '', min = ''] = text(v).split(':');
    return `${maj.padStart(3)}:${min.padEnd(3)}`;
  };
  const cells = all.map((r) =>
    values(r, o).map(([c, v]) => (c === 'NAME' && o.mode === 'tree' ? r.prefix : '') + (c === 'MAJ:MIN' ? majMin(v) : text(v))),
  );
  if (!o.noheadings) lines.push(o.columns);
  for (const c of cells) {
    const parts = c.map((s) => s.split('\n'));
    const height = Math.max(...parts.map((p) => p.length));
    for (let k = 0; k < height; k++) lines.push(parts.map((p) => p[k] ?? ''));
  }
  const widths = o.columns.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines
    .map((l) =>
      l
        .map((s, i) => {
          const col = COLUMNS[o.columns[i] ?? ''] as Column;
          const last = i === l.length - 1;
          const w = widths[i] ?? 0;
          return col.right ? s.padStart(w) : last ? s : s.padEnd(w);
        })
        .join(' ')
        .replace(/\s+$/, ''),
    )
    .join('\n') + '\n';
}

function renderRaw(tree: Row[], o: Options): string {
  const esc = (s: string): string => s.replace(/[\s\\"]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const lines = flatten(tree).map((r) => values(r, o).map(([, v]) => esc(text(v, '\n'))).join(' '));
  if (!o.noheadings) lines.unshift(o.columns.join(' '));
  return lines.join('\n') + '\n';
}

function renderPairs(tree: Row[], o: Options): string {
  return flatten(tree)
    .map((r) =>
      values(r, o)
        .map(([c, v]) => `${c.replace(/[^A-Za-z0-9_]/g, '_')}="${text(v, '\\x0a').replace(/"/g, '\\x22')}"`)
        .join(' '),
    )
    .join('\n') + '\n';
}

/** Runs `lsblk ARGS` against the devices the host sees. */
export function lsblk(args: string[], devices: readonly BlockDevice[]): LsblkResult {
  let o: Options;
  try {
    o = parseArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const unknownColumn = err.message.startsWith('lsblk: unknown column');
    return { stdout: '', stderr: `${err.message}\n${unknownColumn ? '' : "Try 'lsblk --help' for more information.\n"}`, rc: 1 };
  }
  let selected: BlockDevice[] = [...devices];
  let stderr = '';
  let missing = 0;
  if (o.devices.length) {
    selected = [];
    for (const path of o.devices) {
      const d = findDevice(devices, path);
      if (d) selected.push(d);
      else {
        missing++;
        stderr += `lsblk: ${path}: not a block device\n`;
      }
    }
  }
  const tree = rows(selected, o);
  // Exit status: 32 when none of the named devices exist, 64 when only some do.
  const rc = missing === 0 ? 0 : missing === o.devices.length ? 32 : 64;
  if (rc === 32) return { stdout: '', stderr, rc };
  const render = { json: renderJson, tree: renderTable, list: renderTable, raw: renderRaw, pairs: renderPairs }[o.mode];
  return { stdout: render(tree, o), stderr, rc };
}
