// Host keys as Ansible reads them: an optional `:port`, and `[a:b]` / `[a:b:step]` ranges that
// expand to many names (`arm-[01:48]`, `rack[a:c]-[0:20:5]`).

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** One `[...]` range as the address grammar allows it (letters only in hostnames). */
const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const WORD = String.raw`[\p{L}\p{N}\p{M}_]`;
const LABEL = String.raw`(?:${WORD}|${ALNUM_RANGE})(?:${WORD}|-|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(String.raw`^(?:${IPV4_PART}\.){3}${IPV4_PART}$`, 'i');
// Ansible's IPv6 expression anchors only its last alternative at the end; kept as it is.
const IPV6 = new RegExp(
  '^(?:' +
    [
      `(?:${IPV6_PART}:){7}${IPV6_PART}`,
      `(?:${IPV6_PART}:){1,6}:`,
      `(?:${IPV6_PART}:)(?::${IPV6_PART}){1,6}`,
      `(?:${IPV6_PART}:){2}(?::${IPV6_PART}){1,5}`,
      `(?:${IPV6_PART}:){3}(?::${IPV6_PART}){1,4}`,
      `(?:${IPV6_PART}:){4}(?::${IPV6_PART}){1,3}`,
      `(?:${IPV6_PART}:){5}(?::${IPV6_PART}){1,2}`,
      `(?:${IPV6_PART}:){6}(?::${IPV6_PART})`,
      `:(?::${IPV6_PART}){1,6}`,
      `${IPV6_PART}?::`,
      String.raw`(?:0:){6}(?:${IPV6_PART}\.){3}${IPV6_PART}`,
      String.raw`::(?:ffff:)?(?:${IPV6_PART}\.){3}${IPV6_PART}`,
      String.raw`(?:0:){5}ffff:(?:${IPV6_PART}\.){3}${IPV6_PART}$`,
    ].join('|') +
    ')',
  'i',
);
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'iu');

export interface HostAddress {
  host: string;
  port: number | undefined;
}

/**
 * Splits `name:port`, `[v6]:port`, a bare IPv4/IPv6 address or hostname (ranges allowed), as
 * Ansible's parse_address does; undefined when the text is none of those.
 */
export function parseHostAddress(text: string): HostAddress | undefined {
  let address = text;
  let port: number | undefined;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(address);
    if (m) {
      address = m[1] ?? '';
      port = Number(m[2]);
    }
  }
  if (IPV4.test(address) || IPV6.test(address) || HOSTNAME.test(address)) return { host: address, port };
  return undefined;
}

/** A host key of an inventory: the names it stands for and the port it gives them, if any. */
export function expandHostKey(key: string): { names: string[]; port: number | undefined } {
  const parsed = parseHostAddress(key);
  if (parsed?.port !== undefined && (parsed.port < 1 || parsed.port > 65535)) {
    throw new Error(`the port in '${key}' must be from 1 to 65535`);
  }
  const pattern = parsed ? parsed.host : key;
  const names = pattern.includes('[') ? expandHostRange(pattern) : [pattern];
  return { names, port: parsed?.port };
}

/**
 * Expands every `[begin:end(:step)]` of a name, left to right. Numeric bounds with a leading
 * zero fix the width (`[01:10]`); one-letter bounds walk a-zA-Z. Throws an Error saying what is
 * wrong with the range.
 */
export function expandHostRange(line: string): string[] {
  const open = line.indexOf('[');
  const close = line.indexOf(']', open);
  if (open < 0 || close < 0) throw new Error(`host range in '${line}' must be written [begin:end] or [begin:end:step]`);
  const head = line.slice(0, open);
  const tail = line.slice(close + 1);
  const bounds = line.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new Error(`host range in '${line}' must be begin:end or begin:end:step`);
  }
  const beg = bounds[0] || '0';
  const end = bounds[1] ?? '';
  const stepText = bounds[2] ?? '1';
  if (!end) throw new Error(`host range in '${line}' must give an end value`);
  const step = pyInt(stepText, line);
  if (step === 0) throw new Error(`host range in '${line}' must not have a step of 0`);

  let width = 0;
  if (beg.startsWith('0') && beg.length > 1) {
    if (beg.length !== end.length) {
      throw new Error(`host range in '${line}' must give begin and end with the same number of digits`);
    }
    width = beg.length;
  }

  const seq: string[] = [];
  const iBeg = LETTERS.indexOf(beg);
  const iEnd = LETTERS.indexOf(end);
  if (iBeg >= 0 && iEnd >= 0) {
    if (iBeg > iEnd) throw new Error(`host range in '${line}' must have begin <= end`);
    if (step > 0) for (let i = iBeg; i <= iEnd; i += step) seq.push(LETTERS.charAt(i));
  } else {
    const b = pyInt(beg, line);
    const e = pyInt(end, line) + 1;
    if (step > 0) for (let i = b; i < e; i += step) seq.push(pad(i, width));
    else for (let i = b; i > e; i += step) seq.push(pad(i, width));
  }

  const out: string[] = [];
  for (const part of seq) {
    const name = head + part + tail;
    if (name.includes('[')) out.push(...expandHostRange(name));
    else out.push(name);
  }
  return out;
}

function pyInt(text: string, line: string): number {
  const t = text.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) {
    throw new Error(`host range in '${line}' has '${text}' where a number or a single letter belongs`);
  }
  return Number(t.replace(/_/g, ''));
}

/** str(x).zfill(width), as Ansible pads range members. */
function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(n < 0 ? width - 1 : width, '0');
  return n < 0 ? `-${s}` : s;
}
