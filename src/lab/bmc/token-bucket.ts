// A token bucket in bytes: what paces a simulated BMC's reads of a virtual CD image to the rate
// the lab sets. It starts empty, so reading N bytes takes at least N / rate seconds.

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class TokenBucket {
  private tokens = 0;
  private last: number;
  private chain: Promise<void> = Promise.resolve();

  /** `rate` in bytes per second; 0 means unpaced. `capacity` bounds a burst after idling. */
  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    private readonly clock: Clock,
  ) {
    this.last = clock.now();
  }

  /** Resolves when `n` bytes may go; concurrent takers are served in order. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    if (this.rate <= 0) return Promise.resolve();
    const turn = this.chain.then(() => this.wait(n, signal));
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async wait(n: number, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens >= n) {
      this.tokens -= n;
      return;
    }
    const ms = ((n - this.tokens) * 1000) / this.rate;
    await this.clock.sleep(ms, signal);
    this.tokens = 0;
    this.last = this.clock.now();
  }
}
