// The live view on a terminal: events only update counters; a timer redraws the frame in place
// (at most every 100 ms, and only when something moved or the clock's seconds did), erasing the
// previous frame with cursor movement. Lines that must stay (warnings, debug results, host
// output at -v, finished plays, the recap) are printed above the frame.

import type { FleetEvent } from '../core/events.js';
import { createPaint, type Paint } from './color.js';
import { buildFrame, buildSummary, type FrameSize } from './live-frame.js';
import { LiveState } from './live-state.js';
import { LinesFormatter } from './lines.js';
import { formatRecap } from './recap.js';
import { RunFacts, type Invocation } from './run-facts.js';

/** Fastest redraw: ten frames a second is smooth enough and cheap. */
export const REDRAW_MS = 100;
/** Redraw at least this often, so the elapsed time and ETA keep moving while nothing happens. */
const IDLE_REDRAW_MS = 1000;

/** Runs `tick` every `ms`; returns how to stop it. */
export type Scheduler = (tick: () => void, ms: number) => () => void;

export const intervalScheduler: Scheduler = (tick, ms) => {
  const timer = setInterval(tick, ms);
  timer.unref(); // the view never keeps the process alive
  return () => clearInterval(timer);
};

export interface LiveOptions {
  write: (text: string) => void;
  /** The terminal's size now (it may be resized during the run). */
  size: () => FrameSize;
  color: boolean;
  verbosity: number;
  now: () => number;
  schedule: Scheduler;
  invocation?: Invocation;
}

const CSI = '\u001b[';

export class LiveView {
  /** Frames drawn so far (tests check that drawing follows the clock, not the events). */
  renders = 0;
  private readonly state = new LiveState();
  private readonly facts: RunFacts;
  private readonly log: LinesFormatter;
  private readonly paint: Paint;
  private readonly stop: () => void;
  /** Lines to print above the next frame. */
  private pending: string[] = [];
  private frameHeight = 0;
  private drawnVersion = -1;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private finished = false;

  constructor(private readonly opts: LiveOptions) {
    this.paint = createPaint(opts.color);
    this.facts = new RunFacts(opts.invocation);
    this.log = new LinesFormatter({ color: opts.color, verbosity: opts.verbosity });
    this.stop = opts.schedule(() => this.tick(), REDRAW_MS);
  }

  consume(event: FleetEvent): void {
    if (this.finished) return;
    const now = this.opts.now();
    this.state.apply(event, now);
    this.facts.observe(event);
    switch (event.kind) {
      case 'message':
      case 'csr.decision':
      case 'transport':
      case 'host.output':
      case 'interrupt':
        this.pending.push(...this.log.format(event));
        break;
      case 'task.end':
        // A debug task is the operator asking to see something: its result stays above the frame.
        this.pending.push(...this.log.flushHost(event.host), ...this.log.debugLines(event));
        break;
      case 'host.done':
        this.pending.push(...this.log.flushHost(event.host));
        break;
      case 'play.end':
        this.pending.push(...buildSummary(this.state, this.opts.size().columns, this.paint, now));
        break;
      case 'run.end':
        this.finish(
          formatRecap(this.facts.recapInput(event), { color: this.opts.color, columns: this.opts.size().columns }),
        );
        break;
      default:
        break;
    }
  }

  /** Called by the timer: redraws if due. */
  tick(): void {
    if (this.finished) return;
    const now = this.opts.now();
    const since = now - this.lastDraw;
    if (since < REDRAW_MS) return;
    if (this.state.version === this.drawnVersion && this.pending.length === 0 && since < IDLE_REDRAW_MS) return;
    this.draw(now);
  }

  close(): void {
    this.finish([]);
  }

  private draw(now: number): void {
    const frame = this.state.active ? buildFrame(this.state, this.opts.size(), this.paint, now) : [];
    let out = this.erase();
    if (this.pending.length) out += `${this.pending.join('\n')}\n`;
    if (frame.length) out += `${frame.join('\n')}\n`;
    this.pending = [];
    this.frameHeight = frame.length;
    this.drawnVersion = this.state.version;
    this.lastDraw = now;
    this.renders += 1;
    if (out) this.opts.write(out);
  }

  /** Moves to the frame's first line and clears to the end of the screen. */
  private erase(): string {
    return this.frameHeight > 0 ? `\r${CSI}${this.frameHeight}A${CSI}J` : '';
  }

  /** Replaces the frame with what must stay: the play still on screen, then `tail`. */
  private finish(tail: string[]): void {
    if (this.finished) return;
    this.finished = true;
    this.stop();
    const now = this.opts.now();
    const lines = [...this.pending, ...this.log.flushAll()];
    if (this.state.active) lines.push(...buildSummary(this.state, this.opts.size().columns, this.paint, now));
    lines.push(...tail);
    const out = this.erase() + (lines.length ? `${lines.join('\n')}\n` : '');
    this.pending = [];
    this.frameHeight = 0;
    if (out) this.opts.write(out);
  }
}
