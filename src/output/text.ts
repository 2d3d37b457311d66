// Plain-text shaping shared by the renderers: banners, one-line messages, cutting to a width.

import type { TaskResult } from '../core/result.js';

/**
 * Ansible's banner: the title, a space, then stars to the display width, which is the
 * terminal's width less one, and never under 79 (so logs look alike whatever wrote them).
 */
export function banner(title: string, ttyColumns: number | undefined): string {
  const width = Math.max(79, (ttyColumns ?? 0) - 1);
  const text = title.trim();
  return `${text} ${'*'.repeat(Math.max(3, width - text.length))}`;
}

/** Multi-line text on one line (greppable logs, one table row). */
export function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' | ');
}

/** Indent of the following lines of a multi-line message (Ansible's JSON indent). */
export const CONTINUATION = '    ';

/**
 * Multi-line text as lines: the first as is (it follows a prefix such as `=> `), the others
 * indented, as Ansible lays out a multi-line result. Trailing blank lines are dropped.
 */
export function hangingLines(text: string, indent = CONTINUATION): string[] {
  const lines = text.replace(/\s+$/, '').split(/\r?\n/);
  return lines.map((l, i) => (i === 0 || l === '' ? l : `${indent}${l}`));
}

/** Cuts plain text to `width` columns, marking the cut with `…`. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.length ? lines[lines.length - 1]!.trim() : '';
}

/**
 * Why a step failed, on one line: the message, the last line of stderr when it adds to it
 * (a command's "non-zero return code" alone says little), and the exit code.
 */
export function describeFailure(result: TaskResult): string {
  const msg = typeof result.msg === 'string' && result.msg.trim() ? oneLine(result.msg) : '';
  const err = typeof result.stderr === 'string' ? lastLine(result.stderr) : '';
  const parts: string[] = [];
  if (msg) parts.push(msg);
  if (err && !msg.includes(err)) parts.push(err);
  if (parts.length === 0) parts.push(result.unreachable ? 'unreachable' : 'failed');
  const rc = typeof result.rc === 'number' ? ` (rc=${result.rc})` : '';
  return `${parts.join(': ')}${rc}`;
}
