// Plain YAML scalars resolved as Ansible's loader (PyYAML, YAML 1.1) resolves them: `yes`/`on` are
// booleans but `y`/`n` are strings, `0755` is octal, `1:30` is 90, `1e3` (no dot) is a string,
// dates are dates. The `yaml` package's own 1.1 schema differs on several of these.

import type { ScalarTag, Tags } from 'yaml';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

function sexagesimal(text: string): number {
  return text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

function resolveInt(source: string): number {
  let v = source.replace(/_/g, '');
  let sign = 1;
  if (v.startsWith('-')) sign = -1;
  if (v.startsWith('-') || v.startsWith('+')) v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
  if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
  if (v.startsWith('0')) return sign * parseInt(v, 8);
  if (v.includes(':')) return sign * sexagesimal(v);
  return sign * Number(v);
}

function resolveFloat(source: string): number {
  let v = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v.startsWith('-')) sign = -1;
  if (v.startsWith('-') || v.startsWith('+')) v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) return sign * sexagesimal(v);
  return sign * Number(v);
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * A timestamp as the text Ansible's JSON output gives it (Python's isoformat): `2001-12-14`, or
 * `2001-12-14T21:59:43.100000-05:00`. fleetboot keeps dates as that text.
 */
function resolveTimestamp(source: string, onError: (message: string) => void): unknown {
  const m = TIMESTAMP_PARTS.exec(source);
  if (!m) return source;
  const [, y, mo, d, h, mi, s, frac, tz, tzSign, tzH, tzM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCDate() !== day) {
    onError(`${source} is not a valid date`);
    return source;
  }
  const date = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`;
  if (h === undefined) return date;
  let out = `${date}T${two(Number(h))}:${mi}:${s}`;
  if (frac) {
    const micro = frac.slice(0, 6).padEnd(6, '0');
    if (Number(micro) !== 0) out += `.${micro}`;
  }
  if (tzSign) out += `${tzSign}${two(Number(tzH))}:${tzM ?? '00'}`;
  else if (tz) out += '+00:00';
  return out;
}

const pyTags: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, test: NULL, resolve: () => null },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: BOOL, resolve: (s) => /^(?:y|t|o[nN])/i.test(s) },
  { tag: 'tag:yaml.org,2002:int', default: true, test: INT, resolve: resolveInt },
  { tag: 'tag:yaml.org,2002:float', default: true, test: FLOAT, resolve: resolveFloat },
  { tag: 'tag:yaml.org,2002:timestamp', default: true, test: TIMESTAMP, resolve: resolveTimestamp },
  // Ansible marks text it must never template; fleetboot keeps it as plain text.
  { tag: '!unsafe', resolve: (s) => s },
  {
    tag: '!vault',
    resolve: (_s, onError) => {
      onError('Ansible Vault values are not supported: give secrets by reference (password_env: NAME or password_file: PATH)');
      return null;
    },
  },
];

const REPLACED = new Set(pyTags.map((t) => t.tag));

/** For parseDocument's `customTags`, on top of the `yaml-1.1` schema. */
export function pyyamlTags(tags: Tags): Tags {
  return [...pyTags, ...tags.filter((t) => typeof t !== 'string' && !REPLACED.has(t.tag))];
}
