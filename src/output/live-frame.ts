// The live view's frame, as lines of text built from the counters: a header, the tasks of the
// current play with their counts, a progress bar with ETA, the failing hosts. Its size follows
// the terminal's, never the fleet's: rows are chosen, not all drawn.

import type { ColorName, Paint } from './color.js';
import { STATE_COLOR } from './color.js';
import type { LiveState, TaskCounts } from './live-state.js';
import { estimateRemaining, formatDuration, progressBar } from './progress.js';
import { fit, oneLine } from './text.js';

export interface FrameSize {
  rows: number;
  columns: number;
}

type Segment = readonly [text: string, color?: ColorName];

const STATES = ['running', 'ok', 'changed', 'failed', 'skipped', 'unreachable'] as const;
const HEADINGS: Record<(typeof STATES)[number], string> = {
  running: 'running',
  ok: 'ok',
  changed: 'changed',
  failed: 'failed',
  skipped: 'skipped',
  unreachable: 'unreach',
};
const NUM = 8;
const INDEX = 4;

/** Joins colored segments, cutting at `width` visible columns (a cut line never wraps). */
function line(paint: Paint, width: number, ...segments: Segment[]): string {
  let left = width;
  let out = '';
  for (const [text, color] of segments) {
    if (left <= 0) break;
    const shown = fit(text, left);
    out += paint(color, shown);
    left -= shown.length;
  }
  return out;
}

function nameWidth(width: number): number {
  return Math.max(8, width - INDEX - NUM * STATES.length);
}

function tableHeader(paint: Paint, width: number): string {
  const cols = STATES.map((s) => HEADINGS[s].padStart(NUM)).join('');
  return line(paint, width, [`${'#'.padStart(INDEX - 1)} ${'TASK'.padEnd(nameWidth(width))}${cols}`, 'bold']);
}

function taskRow(paint: Paint, width: number, index: number, name: string, counts: TaskCounts, progress?: { percent: number }): string {
  const nw = nameWidth(width);
  // A long step's progress (coreos-installer's percent, averaged over its hosts) follows its name.
  const shown = progress && counts.running > 0 ? `${name} [${progress.percent}%]` : name;
  const segments: Segment[] = [[`${String(index + 1).padStart(INDEX - 1)} ${fit(shown, nw).padEnd(nw)}`]];
  for (const s of STATES) {
    const n = counts[s];
    segments.push([String(n).padStart(NUM), n ? STATE_COLOR[s] : undefined]);
  }
  return line(paint, width, ...segments);
}

/**
 * The rows to show when not all fit: tasks running now first, then the latest ones that
 * moved, then the next ones to come; shown in playbook order.
 */
export function chooseTaskRows(state: LiveState, count: number): number[] {
  const all = state.counts.map((_, i) => i);
  if (all.length <= count) return all;
  const touched = (c: TaskCounts): boolean => c.ok + c.changed + c.failed + c.skipped + c.unreachable > 0;
  const rank = (i: number): number => {
    const c = state.counts[i]!;
    if (c.running > 0) return 0;
    if (touched(c)) return 1;
    return 2;
  };
  const order = all.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    return ra === 1 ? b - a : a - b;
  });
  return order.slice(0, count).sort((a, b) => a - b);
}

function header(paint: Paint, width: number, state: LiveState, now: number, done: boolean): string {
  const parts = [state.play ? `PLAY [${state.play}]` : 'PLAY'];
  if (state.batch && state.batch.of > 1) parts.push(`batch ${state.batch.n}/${state.batch.of}`);
  const since = state.runStartedAt ?? state.playStartedAt;
  parts.push(`${done ? 'took' : 'elapsed'} ${formatDuration(now - since)}`);
  if (state.check) parts.push('check mode');
  if (state.interrupt === 'graceful') {
    return line(paint, width, [parts.join('  ')], ['  stopping (Ctrl-C again aborts)', 'yellow']);
  }
  if (state.interrupt === 'abort') return line(paint, width, [parts.join('  ')], ['  aborting', 'red']);
  return line(paint, width, [parts.join('  '), 'bold']);
}

function progress(paint: Paint, width: number, state: LiveState, now: number): string {
  const total = state.hostsTotal;
  const pct = total ? Math.floor((state.hostsDone / total) * 100) : 0;
  const eta = estimateRemaining(state.stepFraction(), now - state.playStartedAt);
  const text =
    ` ${state.hostsDone}/${total} hosts done (${pct}%)  running ${state.runningHosts()}` +
    `  ETA ${eta === undefined ? '--' : formatDuration(eta)}`;
  const barWidth = Math.max(10, Math.min(50, width - text.length));
  return line(paint, width, [progressBar(total ? state.hostsDone / total : 0, barWidth), 'green'], [text]);
}

function failures(paint: Paint, width: number, state: LiveState, room: number): string[] {
  if (state.failuresTotal === 0 || room <= 0) return [];
  const total = state.failuresTotal;
  const lines = [line(paint, width, [`failed: ${total} host${total === 1 ? '' : 's'}, most recent first`, 'red'])];
  let shown = Math.min(state.recentFailures.length, room - 1);
  // Leave a row to say how many are not shown.
  if (shown < total && shown > 0 && shown + 2 > room) shown -= 1;
  for (const f of state.recentFailures.slice(0, shown)) {
    const what = `${f.task ? `${f.task}: ` : ''}${oneLine(f.msg)}`;
    lines.push(line(paint, width, ['  '], [f.host, 'red'], [`  ${what}`]));
  }
  if (shown < total && lines.length < room) lines.push(line(paint, width, [`  … and ${total - shown} more`]));
  return lines;
}

/** The frame for a terminal of `size`: at most `rows - 1` lines of at most `columns - 1` columns. */
export function buildFrame(state: LiveState, size: FrameSize, paint: Paint, now: number): string[] {
  const width = Math.max(20, size.columns - 1);
  // One row stays free for the cursor: a frame as tall as the screen would scroll and could
  // not be erased.
  const rows = Math.max(1, size.rows - 1);
  const head = header(paint, width, state, now, false);
  const bar = progress(paint, width, state, now);
  if (rows < 3) return [head, bar].slice(0, rows);

  const room = rows - 3;
  const total = state.counts.length;
  const wantFailures = state.failuresTotal
    ? 1 + Math.min(state.recentFailures.length, state.failuresTotal) + (state.failuresTotal > state.recentFailures.length ? 1 : 0)
    : 0;
  // Failures get what they want, but no more than half the room when tasks need it.
  const failRoom = Math.min(wantFailures, Math.max(room - total, Math.floor(room / 2)));
  const taskRoom = Math.min(total, room - failRoom);

  const lines = [head, tableHeader(paint, width)];
  if (taskRoom > 0) {
    const hidden = total > taskRoom;
    const chosen = chooseTaskRows(state, hidden && taskRoom > 1 ? taskRoom - 1 : taskRoom);
    for (const i of chosen) lines.push(taskRow(paint, width, i, state.tasks[i] ?? '', state.counts[i]!, state.progress(i)));
    if (hidden && taskRoom > 1) lines.push(line(paint, width, [`    … ${total - chosen.length} more tasks`]));
  }
  lines.push(bar);
  lines.push(...failures(paint, width, state, failRoom));
  return lines;
}

/** A finished play, printed once above the live frame: every task, and how the hosts ended. */
export function buildSummary(state: LiveState, columns: number, paint: Paint, now: number): string[] {
  const width = Math.max(20, columns - 1);
  const lines = ['', header(paint, width, state, now, true), tableHeader(paint, width)];
  state.counts.forEach((c, i) => lines.push(taskRow(paint, width, i, state.tasks[i] ?? '', c)));
  // Not cut to the width: it stays above the frame, so a wrapped line does no harm, and a cut
  // one would hide how some hosts ended.
  lines.push(hostsLine(state).map(([text, color]) => paint(color, text)).join(''));
  return lines;
}

/**
 * `hosts: 50  ok 7  failed 3  not started 40`: each host counted once, by how it ended; ok
 * always shown, the other buckets when not empty.
 */
function hostsLine(state: LiveState): Segment[] {
  const t = state.hostTally();
  const segments: Segment[] = [[`hosts: ${state.hostsTotal}  ok `], [String(t.ok), 'green']];
  const buckets: ReadonlyArray<readonly [string, number, ColorName]> = [
    ['failed', t.failed, 'red'],
    ['unreachable', t.unreachable, 'brightRed'],
    ['interrupted', t.interrupted, 'yellow'],
    ['not finished', t.notFinished, 'yellow'],
    ['not started', t.notStarted, 'yellow'],
  ];
  for (const [label, n, color] of buckets) if (n > 0) segments.push([`  ${label} `], [String(n), color]);
  return segments;
}
