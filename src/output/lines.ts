// One line per host event, for logs that are not a terminal (CI, pipes, files): greppable, in
// Ansible's words (`ok: [host] task`, `failed: [host] task: msg (rc=1)`), headers once per play
// and task, host output at -v, transport details at -vvv, warnings always.

import type { EventOf, FleetEvent, RunEndEvent } from '../core/events.js';
import type { TaskResult } from '../core/result.js';
import { createPaint, STATE_COLOR, type Paint } from './color.js';
import { formatRecap } from './recap.js';
import { renderEvent, type Renderers } from './renderers.js';
import { RunFacts, type Invocation } from './run-facts.js';
import { banner, describeFailure, oneLine } from './text.js';

export interface LinesStyle {
  color: boolean;
  verbosity: number;
  /** Terminal width, for banners; none when not a terminal. */
  columns?: number;
}

/** Ansible's `[WARNING]: ` line, shared with the live view. */
export function warningLine(paint: Paint, msg: string, host?: string): string {
  return paint('brightPurple', `[WARNING]: ${host ? `[${host}] ` : ''}${msg}`);
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
      'task.retry': (e) =>
        [p('darkGray', `retrying: [${e.host}] ${e.task} (${e.attempt}/${e.retries}): ${oneLine(e.msg)}`)],
      'task.end': (e) => [...this.flush(e.host), this.taskEnd(e)],
      'host.done': (e) => {
        const lines = this.flush(e.host);
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

  private taskEnd(e: EventOf<'task.end'>): string {
    const p = this.paint;
    const v = this.style.verbosity;
    const at = `[${e.host}] ${e.task}`;
    switch (e.status) {
      case 'failed': {
        const line = p('red', `failed: ${at}: ${describeFailure(e.result)}`);
        return e.ignored ? `${line} ${p('cyan', '...ignoring')}` : line;
      }
      case 'unreachable':
        return p('brightRed', `unreachable: ${at}: ${describeFailure(e.result)}`);
      case 'skipped':
        return p('cyan', `skipping: ${at}${v >= 1 && e.result.reason ? ` (${e.result.reason})` : ''}${details(e.result, v)}`);
      case 'ok':
      case 'changed': {
        const reason = v >= 1 && e.result.reason ? ` (${e.result.reason})` : '';
        const shown = v < 2 && e.module === 'debug' ? debugText(e.result) : details(e.result, v);
        return p(STATE_COLOR[e.status], `${e.status}: ${at}${reason}${shown}`);
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

  private flush(host: string): string[] {
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
}

/** At -vv, the whole result, as Ansible shows it at -v. */
function details(result: TaskResult, verbosity: number): string {
  return verbosity >= 2 ? ` => ${JSON.stringify(result)}` : '';
}

/** What a debug task shows: its message, or the variable it was asked for. */
function debugText(result: TaskResult): string {
  if (typeof result.msg === 'string') return ` => ${oneLine(result.msg)}`;
  const { changed: _c, failed: _f, ...rest } = result;
  return Object.keys(rest).length ? ` => ${JSON.stringify(rest)}` : '';
}

export interface LinesOutputOptions extends LinesStyle {
  write: (text: string) => void;
  invocation?: Invocation;
}

/** The lines mode: format each event and write its lines at once. */
export function createLinesOutput(opts: LinesOutputOptions): { consume(event: FleetEvent): void; close(): void } {
  const facts = new RunFacts(opts.invocation);
  const style: LinesStyle = { color: opts.color, verbosity: opts.verbosity };
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
