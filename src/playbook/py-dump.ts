// JSON and YAML text as Ansible's to_json/to_nice_json/to_yaml/to_nice_yaml write it
// (Python's json.dumps and PyYAML's dump), so rendered files match what Ansible renders.

import { Document, isCollection, Scalar, visit } from 'yaml';
import { isMapping, PyFloat, pyRepr } from './py-values.js';
import { ansibleTags } from './yaml-pos.js';

export interface JsonStyle {
  indent?: number;
  sortKeys?: boolean;
}

function jsonString(s: string): string {
  // Python's ensure_ascii: every non-ASCII character as \uXXXX.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function jsonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return String(n);
}

/** Python's json.dumps: `{"a": 1, "b": [1, 2]}`; with indent, one item a line. */
export function pyJson(value: unknown, style: JsonStyle = {}, depth = 0): string {
  const { indent, sortKeys } = style;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return jsonNumber(value);
  if (value instanceof PyFloat) return pyRepr(value);
  if (typeof value === 'string') return jsonString(value);
  let items: string[];
  let open: string;
  let close: string;
  if (Array.isArray(value)) {
    items = value.map((v) => pyJson(v, style, depth + 1));
    [open, close] = ['[', ']'];
  } else if (isMapping(value)) {
    const keys = Object.keys(value);
    if (sortKeys) keys.sort();
    items = keys.map((k) => `${jsonString(k)}: ${pyJson(value[k], style, depth + 1)}`);
    [open, close] = ['{', '}'];
  } else {
    return jsonString(String(value));
  }
  if (items.length === 0) return open + close;
  if (indent === undefined) return open + items.join(', ') + close;
  const pad = ' '.repeat(indent * (depth + 1));
  return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(indent * depth)}${close}`;
}

export interface YamlStyle {
  /** PyYAML's default_flow_style=None: collections of scalars only are written inline. */
  flowLeaves: boolean;
  indent: number;
}

/** Whole floats as YAML scalars that keep their `.0`, as PyYAML writes them. */
function yamlFloats(value: unknown): unknown {
  if (value instanceof PyFloat) {
    const scalar = new Scalar(value.value);
    scalar.minFractionDigits = 1;
    return scalar;
  }
  if (Array.isArray(value)) return value.map(yamlFloats);
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, yamlFloats(v)]));
  return value;
}

/** PyYAML's yaml.dump (keys sorted, YAML 1.1 quoting, sequences not indented under keys). */
export function pyYaml(value: unknown, style: YamlStyle): string {
  const doc = new Document(PyFloat.made > 0 ? yamlFloats(value) : value, { version: '1.1', customTags: ansibleTags, sortMapEntries: true });
  if (style.flowLeaves) {
    visit(doc, {
      Collection(_key, node) {
        node.flow = node.items.every((item) => {
          const v = 'value' in (item as object) ? (item as { value: unknown }).value : item;
          return !isCollection(v);
        });
      },
    });
  }
  const text = doc.toString({ indent: style.indent, indentSeq: false, lineWidth: 80, flowCollectionPadding: false, singleQuote: true });
  // PyYAML ends a document whose root is a scalar with an explicit end marker.
  return isCollection(doc.contents) ? text : `${text}...\n`;
}
