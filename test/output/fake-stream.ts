// A writable stream that keeps what is written, optionally posing as a terminal of a given size.

import { Writable } from 'node:stream';

export class FakeStream extends Writable {
  readonly writes: string[] = [];
  isTTY: boolean;
  rows: number | undefined;
  columns: number | undefined;

  constructor(tty?: { rows: number; columns: number }) {
    super();
    this.isTTY = tty !== undefined;
    this.rows = tty?.rows;
    this.columns = tty?.columns;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.writes.push(chunk.toString());
    done();
  }

  get text(): string {
    return this.writes.join('');
  }
}

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public t = Date.UTC(2025, 0, 1, 12, 0, 0)) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A redraw timer the test fires by hand, as often as the fake clock says it would run. */
export class FakeTimer {
  tick: (() => void) | undefined;
  every = 0;
  stopped = false;
  private next = 0;
  constructor(private readonly clock: FakeClock) {}
  schedule = (tick: () => void, ms: number): (() => void) => {
    this.tick = tick;
    this.every = ms;
    this.next = this.clock.t + ms;
    return () => {
      this.stopped = true;
    };
  };
  /** Fires the timer for every interval that passed on the fake clock. */
  catchUp(): void {
    while (this.tick && !this.stopped && this.clock.t >= this.next) {
      this.next += this.every;
      this.tick();
    }
  }
}
