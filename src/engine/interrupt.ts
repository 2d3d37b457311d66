// Ctrl-C in two steps: the first stops new steps from starting and lets running ones finish
// (or time out); the second aborts the running ones too.

import { setMaxListeners } from 'node:events';

export class Interrupt {
  private readonly gracefulCtl = new AbortController();
  private readonly abortCtl = new AbortController();

  constructor() {
    // Every running step listens on these: hundreds at once is normal, not a leak.
    setMaxListeners(0, this.gracefulCtl.signal, this.abortCtl.signal);
  }

  /** Aborted on the first interrupt: no new step starts. */
  get graceful(): AbortSignal {
    return this.gracefulCtl.signal;
  }
  /** Aborted on the second interrupt: running steps are cancelled. */
  get abort(): AbortSignal {
    return this.abortCtl.signal;
  }

  /** Records one interrupt; returns which phase it started. */
  trigger(): 'graceful' | 'abort' {
    if (!this.gracefulCtl.signal.aborted) {
      this.gracefulCtl.abort();
      return 'graceful';
    }
    this.abortCtl.abort();
    return 'abort';
  }

  get interrupted(): boolean {
    return this.gracefulCtl.signal.aborted;
  }
}
