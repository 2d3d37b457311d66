// The PLAY RECAP, as lines of text: Ansible's per-host table for small fleets (same columns,
// spacing and colors as `ansible-playbook`), a condensed one for large fleets, the hosts that did
// not finish by name, and a footer saying where the run is recorded, how to retry what failed,
// and what the exit code means.

import type { CsrRefusal } from '../core/csr-refusals.js';
import { ExitCode } from '../core/errors.js';
import { emptyStats, type HostOutcome, type HostStats } from '../core/result.js';
import { createPaint, STATE_COLOR, type ColorName, type Paint } from './color.js';
import { formatDuration } from './progress.js';
import { banner, oneLine } from './text.js';

/** Fleets larger than this get the condensed recap: a thousand recap lines help nobody. */
export const PER_HOST_RECAP_LIMIT = 50;
/** Names listed inline for hosts that did not finish (interrupted, play stopped, never started). */
const UNFINISHED_NAMES = 10;

export interface RecapInput {
  runId: string;
  runDir?: string;
  stats: Record<string, HostStats>;
  outcomes: Record<string, HostOutcome>;
  /** The last error of each failed or unreachable host (host.done's msg). */
  errors: Record<string, string>;
  exitCode: number;
  interrupted: boolean;
  retryFile?: string;
  durationMs: number;
  /** CSRs the run did not approve (strangers, refusals), listed under the recap. */
  csrRefusals?: CsrRefusal[];
  /** How the run was invoked, for the retry hint. */
  playbook?: string;
  inventory?: string[];
}

export interface RecapStyle {
  color: boolean;
  /** Terminal width, for the banner (Ansible's: never under 79). */
  columns?: number;
  perHostLimit?: number;
}

type StatName = keyof HostStats;
const COLUMNS: readonly StatName[] = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];

const EXIT_MEANING: Record<number, string> = {
  [ExitCode.OK]: 'all hosts ok',
  [ExitCode.ERROR]: 'error',
  [ExitCode.HOST_FAILED]: 'a host failed',
  [ExitCode.HOST_UNREACHABLE]: 'a host was unreachable',
  [ExitCode.PARSE_ERROR]: 'the inventory or playbook could not be parsed',
  [ExitCode.BAD_OPTIONS]: 'bad options',
  [ExitCode.INTERRUPTED]: 'interrupted',
  [ExitCode.UNEXPECTED]: 'unexpected error (a bug: please report it)',
};

export function exitCodeMeaning(code: number): string {
  return EXIT_MEANING[code] ?? 'unknown exit code';
}

/** `ok=3   `: Ansible's `%s=%-4s`, colored as a whole when not zero. */
function counter(paint: Paint, name: StatName, n: number): string {
  const text = `${name}=${String(n).padEnd(4)}`;
  return n !== 0 ? paint(STATE_COLOR[name], text) : text;
}

/** Ansible's hostcolor: `%-26s` plain; colored, `%-37s` of the escaped name (same visible width). */
function hostCell(paint: Paint, host: string, s: HostStats): string {
  if (!paint.enabled) return host.padEnd(26);
  const color: ColorName = s.failed || s.unreachable ? 'red' : s.changed ? 'yellow' : 'green';
  return paint(color, host).padEnd(37);
}

function statsLine(paint: Paint, label: string, s: HostStats): string {
  return `${hostCell(paint, label, s)} : ${COLUMNS.map((c) => counter(paint, c, s[c])).join(' ')}`;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function footer(input: RecapInput, hosts: string[]): string[] {
  const lines: string[] = [];
  const where = input.runDir ? `: ${input.runDir}` : '';
  lines.push(`run ${input.runId}${where} (${formatDuration(input.durationMs)})`);
  const unfinished = hosts.some((h) => (input.outcomes[h] ?? 'ok') !== 'ok');
  if (unfinished || input.retryFile) {
    const playbook = shellWord(input.playbook ?? 'PLAYBOOK');
    const inv = input.inventory?.length ? input.inventory.map((i) => `-i ${shellWord(i)}`).join(' ') : '-i INVENTORY';
    const limit = input.retryFile ? ` (or --limit @${shellWord(input.retryFile)})` : '';
    lines.push(`to retry the failed hosts: fleetboot run ${playbook} ${inv} --retry-failed${limit}`);
  }
  const interrupted = input.interrupted && input.exitCode !== ExitCode.INTERRUPTED ? ' (interrupted)' : '';
  lines.push(`exit code ${input.exitCode}: ${exitCodeMeaning(input.exitCode)}${interrupted}`);
  return lines;
}

function condensed(paint: Paint, input: RecapInput, hosts: string[]): string[] {
  const total = emptyStats();
  const failed: string[] = [];
  const unreachable: string[] = [];
  let ok = 0;
  for (const h of hosts) {
    const s = input.stats[h];
    if (s) for (const c of COLUMNS) total[c] += s[c];
    const outcome = input.outcomes[h] ?? (s && (s.failed || s.unreachable) ? (s.unreachable ? 'unreachable' : 'failed') : 'ok');
    if (outcome === 'ok') ok += 1;
    else if (outcome === 'failed') failed.push(h);
    else if (outcome === 'unreachable') unreachable.push(h);
  }
  const lines = [statsLine(paint, `TOTAL (${hosts.length} hosts)`, total), `hosts ok: ${ok} of ${hosts.length}`];
  const list = (title: string, names: string[], color: ColorName): void => {
    if (names.length === 0) return;
    lines.push(`${title}: ${names.length} host${names.length === 1 ? '' : 's'}`);
    for (const h of names) {
      const error = oneLine(input.errors[h] ?? '') || '(no message)';
      lines.push(`  ${paint(color, h.padEnd(24))} : ${error}`);
    }
  };
  list('failed', failed, 'red');
  list('unreachable', unreachable, 'brightRed');
  return lines;
}

/**
 * Hosts that did not end, by name: the table's counters cannot tell them from hosts that ended
 * ok (an interrupted host may show ok=3), and they are what `--retry-failed` picks up.
 */
function unfinishedLines(input: RecapInput, hosts: string[]): string[] {
  const lines: string[] = [];
  const named = (title: string, outcome: HostOutcome): void => {
    const names = hosts.filter((h) => input.outcomes[h] === outcome);
    if (names.length === 0) return;
    const shown = names.slice(0, UNFINISHED_NAMES).join(', ');
    const more = names.length > UNFINISHED_NAMES ? `, … and ${names.length - UNFINISHED_NAMES} more` : '';
    lines.push(`${title}: ${names.length} host${names.length === 1 ? '' : 's'}: ${shown}${more}`);
  };
  named('interrupted', 'interrupted');
  named('not finished', 'pending');
  return lines;
}

export function formatRecap(input: RecapInput, style: RecapStyle): string[] {
  const paint = createPaint(style.color);
  // Ansible sorts host names as plain strings; so does this, so the two recaps line up.
  const hosts = [...new Set([...Object.keys(input.stats), ...Object.keys(input.outcomes)])].sort();
  const lines = ['', banner('PLAY RECAP', style.columns)];
  if (hosts.length <= (style.perHostLimit ?? PER_HOST_RECAP_LIMIT)) {
    for (const h of hosts) lines.push(statsLine(paint, h, input.stats[h] ?? emptyStats()));
  } else {
    lines.push(...condensed(paint, input, hosts));
  }
  lines.push(...unfinishedLines(input, hosts), ...csrRefusalLines(paint, input.csrRefusals ?? []), '', ...footer(input, hosts));
  return lines;
}

/** Shown under the recap, at most this many; summary.json has them all. */
export const CSR_REFUSALS_SHOWN = 20;

/** The CSRs not approved, one line each: what an operator must look at before trusting the join. */
function csrRefusalLines(paint: Paint, refusals: readonly CsrRefusal[]): string[] {
  if (refusals.length === 0) return [];
  const sorted = [...refusals].sort((a, b) => (a.host ?? a.names ?? '').localeCompare(b.host ?? b.names ?? '') || a.csr.localeCompare(b.csr));
  const lines = ['', paint('brightPurple', `CSRs NOT APPROVED (${refusals.length}; left pending unless denied; summary.json lists them all):`)];
  for (const r of sorted.slice(0, CSR_REFUSALS_SHOWN)) {
    const whose = r.host ? `[${r.host}]` : r.names ? `[asks for ${r.names}'s names]` : '[no inventory host]';
    const what = r.outcome === 'left' ? '' : ` (${r.outcome})`;
    lines.push(`  ${r.csr} ${r.csrKind} ${whose} rule ${r.rule ?? '-'}${what}: ${oneLine(r.reason)}`);
  }
  if (refusals.length > CSR_REFUSALS_SHOWN) lines.push(`  … and ${refusals.length - CSR_REFUSALS_SHOWN} more`);
  return lines;
}
