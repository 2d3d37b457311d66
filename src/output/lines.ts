// One line per host event, for logs that are not a terminal (CI, pipes, files): greppable, in
// Ansible's words (`ok: [host] task`, `failed: [host] task: msg (rc=1)`, a debug task's message
// after `=> `), a header per play, host output at -v, transport details at -vvv, warnings always.

import type { EventOf, FleetEvent, RunEndEvent } from '../core/events.js';
import type { TaskResult } from '../core/result.js';
import { createPaint, STATE_COLOR, type Paint } from './color.js';
import { formatRecap } from './recap.js';
import { renderEvent, type Renderers } from './renderers.js';
import { RunFacts, type Invocation } from './run-facts.js';
import { banner, describeFailure, hangingLines, oneLine } from './text.js';

export interface LinesStyle {
  color: boolean;
  verbosity: number;
  /** Show each CSR approval at any verbosity (`fleetboot approve`); a run shows them at -v. */
  showApprovals?: boolean;
  /** Terminal width, for banners; none when not a terminal. */
  columns?: number;
}

/** Ansible's `[WARNING]: ` line, shared with the live view. */
export function warningLine(paint: Paint, msg: string, host?: string): string {
  return paint('brightPurple', `[WARNING]: ${host ? `[${host}] ` : ''}${msg}`);
}

/** `fleetboot approve`'s line for one CSR: approvals and denials always, refusals as warnings, the rest at -v. */
export function csrDecisionLines(p: Paint, v: number, e: EventOf<'csr.decision'>, showApprovals = true): string[] {
  const who = e.host ? `[${e.host}] ` : '';
  const node = e.node ? ` (node ${e.node})` : '';
  const what = `${e.csrKind} CSR ${e.csr}${node}`;
  const why = `${e.rule ? `rule ${e.rule}: ` : ''}${oneLine(e.reason)}`;
  switch (e.outcome) {
    case 'approved': {
      if (!showApprovals && v < 1) return [];
      const after = e.latencyMs !== undefined ? `, ${(e.latencyMs / 1000).toFixed(1)} s after it was filed` : '';
      return [p(STATE_COLOR.ok, `approved: ${who}${what}${after}`)];
    }
    case 'denied':
      return [p(STATE_COLOR.failed, `denied: ${who}${what}: ${why}`)];
    case 'left':
      return [warningLine(p, `CSR ${e.csr} not approved${node}${e.names ? ` (asks for host ${e.names}'s names or addresses)` : ''}: ${why}${e.error ? ` (${oneLine(e.error)})` : ''}`, e.host ?? e.names)];
    case 'failed':
      return [warningLine(p, `${what}: approval failed: ${oneLine(e.error ?? e.reason)}`, e.host)];
    case 'ignored':
      return v >= 1 ? [p('darkGray', `ignored: ${what}: ${why}`)] : [];
  }
}

export class LinesFormatter {
  private readonly paint: Paint;
  /** Output not yet ended by a newline, per host and stream. */
  private readonly partial = new Map<string, string>();
  private readonly renderers: Renderers<string[]>;

  constructor(
    private readonly style: LinesStyle,
    recap: (end: RunEndEvent) => string[] = () => [],
  ) {
    this.paint = createPaint(style.color);
    const v = style.verbosity;
    const p = this.paint;
    this.renderers = {
      'run.start': (e) => {
        const lines: string[] = [];
        if (v >= 1) lines.push(`PLAYBOOK: ${e.playbook} (run ${e.runId}, ${e.hosts.length} hosts, forks ${e.forks})`);
        if (e.check) lines.push(p('cyan', 'CHECK MODE: changes are reported, not made'));
        return lines;
      },
      'play.start': (e) => {
        return ['', banner(e.play ? `PLAY [${e.play}]` : 'PLAY', style.columns)];
      },
      'batch.start': (e) => (e.batches > 1 ? [`batch ${e.batch}/${e.batches}: ${e.hosts.length} hosts`] : []),
      // Hosts move through tasks at their own pace, so a TASK banner would sit above other
      // tasks' results; each result line names its task instead.
      'task.start': () => [],
      'host.output': (e) => (v >= 1 ? this.output(e) : []),
      // Progress lines are for the live view; the host log has the step's output in full.
      'task.progress': (e) => (v >= 2 ? [p('darkGray', `[${e.host}] ${oneLine(e.text)}`)] : []),
      'task.retry': (e) =>
        [p('darkGray', `retrying: [${e.host}] ${e.task} (${e.attempt}/${e.retries}): ${oneLine(e.msg)}`)],
      'task.end': (e) => [...this.flushHost(e.host), ...this.taskEnd(e)],
      'host.done': (e) => {
        const lines = this.flushHost(e.host);
        if (e.outcome === 'interrupted') lines.push(p('yellow', `interrupted: [${e.host}]`));
        else if (v >= 1) lines.push(`done: [${e.host}] ${e.outcome}`);
        return lines;
      },
      'play.end': () => [],
      'run.end': (e) => recap(e),
      interrupt: (e) => [
        warningLine(
          p,
          e.phase === 'graceful'
            ? `${e.signal}: no new steps start; running steps finish or time out. Press Ctrl-C again to abort them.`
            : `${e.signal}: aborting the running steps.`,
        ),
      ],
      transport: (e) => {
        if (v < 3) return [];
        const detail = e.detail ? `: ${oneLine(e.detail)}` : '';
        const took = e.durationMs !== undefined ? ` (${e.durationMs}ms)` : '';
        return [p('blue', `<${e.host}> ${e.transport} ${e.action}${detail}${took}`)];
      },
      message: (e) => {
        if (e.level === 'warning') return [warningLine(p, e.msg, e.host)];
        const from = e.verbosity ?? (e.level === 'debug' ? 1 : 0);
        if (v < from) return [];
        const text = `${e.host ? `[${e.host}] ` : ''}${e.msg}`;
        return [e.level === 'debug' ? p('darkGray', text) : text];
      },
      'csr.decision': (e) => csrDecisionLines(p, v, e, style.showApprovals ?? false),
    };
  }

  format(event: FleetEvent): string[] {
    return renderEvent(this.renderers, event);
  }

  /** What is left of partial output lines (at the end of a run). */
  flushAll(): string[] {
    const lines: string[] = [];
    for (const [key, text] of this.partial) {
      const [host, stream] = key.split('\u0000');
      lines.push(`[${host}] ${stream}: ${text}`);
    }
    this.partial.clear();
    return lines;
  }

  /**
   * A debug task's result lines, as the lines mode prints them, or none when it has nothing to
   * show (skipped, or neither a message nor a variable): what the live view prints above its frame.
   */
  debugLines(e: EventOf<'task.end'>): string[] {
    if (e.module !== 'debug' || (e.status !== 'ok' && e.status !== 'changed')) return [];
    return debugShown(e.result).length ? this.taskEnd(e) : [];
  }

  /** A host's partial output lines, printed when its step or play ends. */
  flushHost(host: string): string[] {
    const lines: string[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${host}\u0000${stream}`;
      const rest = this.partial.get(key);
      if (rest === undefined) continue;
      this.partial.delete(key);
      lines.push(`[${host}] ${stream}: ${rest}`);
    }
    return lines;
  }

  private taskEnd(e: EventOf<'task.end'>): string[] {
    const p = this.paint;
    const v = this.style.verbosity;
    const at = `[${e.host}] ${e.task}`;
    switch (e.status) {
      case 'failed': {
        const line = p('red', `failed: ${at}: ${describeFailure(e.result)}`);
        return [e.ignored ? `${line} ${p('cyan', '...ignoring')}` : line];
      }
      case 'unreachable':
        return [p('brightRed', `unreachable: ${at}: ${describeFailure(e.result)}`)];
      case 'skipped':
        return [p('cyan', `skipping: ${at}${v >= 1 && e.result.reason ? ` (${e.result.reason})` : ''}${details(e.result, v)}`)];
      case 'ok':
      case 'changed': {
        const color = STATE_COLOR[e.status];
        const head = `${e.status}: ${at}${v >= 1 && e.result.reason ? ` (${e.result.reason})` : ''}`;
        const shown = v < 2 && e.module === 'debug' ? debugShown(e.result) : [details(e.result, v)];
        // A multi-line message keeps its lines (Ansible's layout), each colored on its own so
        // that a pager or a grep of one line still sees its color end.
        return (shown.length ? shown : ['']).flatMap((text) => hangingLines(`${head}${text}`).map((l) => p(color, l)));
      }
    }
  }

  private output(e: EventOf<'host.output'>): string[] {
    const key = `${e.host}\u0000${e.stream}`;
    const text = (this.partial.get(key) ?? '') + e.text;
    const parts = text.split(/\r?\n/);
    const rest = parts.pop() ?? '';
    if (rest) this.partial.set(key, rest);
    else this.partial.delete(key);
    return parts.map((line) => `[${e.host}] ${e.stream}: ${line}`);
  }
}

/** At -vv, the whole result, as Ansible shows it at -v. */
function details(result: TaskResult, verbosity: number): string {
  return verbosity >= 2 ? ` => ${JSON.stringify(result)}` : '';
}

/** Result keys that are bookkeeping, not what a debug task was asked to show. */
const DEBUG_BOOKKEEPING = new Set(['changed', 'failed', 'skipped', 'attempts', 'failed_when_result', 'ansible_loop_var']);

function structured(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/** A debug `msg` as text: a string as is, anything else as indented JSON (as Ansible shows it). */
function messageText(msg: unknown): string {
  if (typeof msg === 'string') return msg;
  return structured(msg) ? JSON.stringify(msg, null, 2) : String(JSON.stringify(msg));
}

/**
 * What one debug result shows after its task: ` => ` and its message, or the variable it was
 * asked for (`{"name": value}`), possibly on several lines; undefined when there is nothing.
 */
function debugText(result: TaskResult): string | undefined {
  if (result.msg !== undefined) return ` => ${messageText(result.msg)}`;
  const rest = Object.fromEntries(Object.entries(result).filter(([k]) => !DEBUG_BOOKKEEPING.has(k)));
  if (Object.keys(rest).length === 0) return undefined;
  return ` => ${Object.values(rest).some(structured) ? JSON.stringify(rest, null, 2) : JSON.stringify(rest)}`;
}

/** The label of a loop item, when the result names its loop variable (as Ansible's does). */
function itemLabel(result: TaskResult): string {
  const loopVar = result.ansible_loop_var;
  if (typeof loopVar !== 'string' || !(loopVar in result)) return '';
  const item = result[loopVar];
  return ` (item=${oneLine(typeof item === 'string' ? item : String(JSON.stringify(item)))})`;
}

/** A debug task's texts: one, or one per loop item that showed something (not the loop's summary). */
function debugShown(result: TaskResult): string[] {
  if (Array.isArray(result.results)) {
    return result.results.flatMap((r) => {
      const text = r.skipped ? undefined : debugText(r);
      return text === undefined ? [] : [`${itemLabel(r)}${text}`];
    });
  }
  const text = result.skipped ? undefined : debugText(result);
  return text === undefined ? [] : [text];
}

export interface LinesOutputOptions extends LinesStyle {
  write: (text: string) => void;
  invocation?: Invocation;
}

/** The lines mode: format each event and write its lines at once. */
export function createLinesOutput(opts: LinesOutputOptions): { consume(event: FleetEvent): void; close(): void } {
  const facts = new RunFacts(opts.invocation);
  const style: LinesStyle = { color: opts.color, verbosity: opts.verbosity, ...(opts.showApprovals ? { showApprovals: true } : {}) };
  if (opts.columns !== undefined) style.columns = opts.columns;
  const formatter = new LinesFormatter(style, (end) => formatRecap(facts.recapInput(end), style));
  const write = (lines: string[]): void => {
    if (lines.length) opts.write(`${lines.join('\n')}\n`);
  };
  return {
    consume(event) {
      facts.observe(event);
      write(formatter.format(event));
    },
    close() {
      write(formatter.flushAll());
    },
  };
}
