// One part of a host pattern as a regular expression: `~regex` (Python's, matched from the start
// of the name as re.match does) or a shell glob (fnmatch, the whole name).

import { FleetbootError } from '../core/errors.js';

/** `~regex` (matched from the start, as Python's re.match) or a shell glob (whole name). */
export function compilePattern(pattern: string): RegExp {
  try {
    if (pattern.startsWith('~')) return new RegExp('^(?:' + pythonRegex(pattern.slice(1)) + ')');
    return new RegExp('^(?:' + globToRegex(pattern) + ')$', 's');
  } catch (err) {
    throw new FleetbootError(`invalid host pattern '${pattern}': ${(err as Error).message}`);
  }
}

/** The few Python-only regex spellings people write, in JavaScript's. */
function pythonRegex(re: string): string {
  return re
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\Z/g, '$')
    .replace(/\\A/g, '^');
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`; everything else literal. */
export function globToRegex(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob.charAt(i++);
    if (c === '*') {
      if (!out.endsWith('.*')) out += '.*';
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      let j = i;
      if (glob.charAt(j) === '!') j++;
      if (glob.charAt(j) === ']') j++;
      while (j < glob.length && glob.charAt(j) !== ']') j++;
      if (j >= glob.length) {
        out += '\\[';
        continue;
      }
      let stuff = glob.slice(i, j).replace(/\\/g, '\\\\');
      i = j + 1;
      if (stuff.startsWith('!')) stuff = '^' + stuff.slice(1);
      else if (stuff.startsWith('^') || stuff.startsWith('[')) stuff = '\\' + stuff;
      if (stuff.startsWith(']')) stuff = '\\' + stuff;
      else if (stuff.startsWith('^]')) stuff = '^\\' + stuff.slice(1);
      out += `[${stuff}]`;
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return out;
}
