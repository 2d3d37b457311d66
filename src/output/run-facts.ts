// What the recap needs beyond the run.end event, gathered as events pass: where the run is
// recorded and each failed host's last error. Memory grows with failed hosts only.
// The error is the failing step's own description (message, stderr's last line, rc) when there
// is one, which says more than host.done's message; host.done's otherwise (hosts never started).

import { noteCsrRefusal, type CsrRefusal } from '../core/csr-refusals.js';
import type { FleetEvent, RunEndEvent } from '../core/events.js';
import type { RecapInput } from './recap.js';
import { describeFailure } from './text.js';

/** How the CLI was invoked, so the retry hint can be pasted as is. */
export interface Invocation {
  playbook: string;
  inventory: string[];
}

export class RunFacts {
  private runDir: string | undefined;
  private playbook: string | undefined;
  private readonly stepErrors = new Map<string, string>();
  private readonly doneErrors = new Map<string, string>();
  private readonly csrRefusals = new Map<string, CsrRefusal>();

  constructor(private readonly invocation?: Invocation) {}

  observe(event: FleetEvent): void {
    switch (event.kind) {
      case 'run.start':
        this.runDir = event.runDir;
        this.playbook = event.playbook;
        break;
      case 'task.end':
        if ((event.status === 'failed' && !event.ignored) || event.status === 'unreachable') {
          this.stepErrors.set(event.host, `${event.task}: ${describeFailure(event.result)}`);
        }
        break;
      case 'host.done':
        if (event.msg && (event.outcome === 'failed' || event.outcome === 'unreachable')) {
          this.doneErrors.set(event.host, event.msg);
        }
        break;
      case 'csr.decision':
        noteCsrRefusal(this.csrRefusals, event);
        break;
      default:
        break;
    }
  }

  recapInput(end: RunEndEvent): RecapInput {
    const input: RecapInput = {
      runId: end.runId,
      stats: end.stats,
      outcomes: end.outcomes,
      errors: Object.fromEntries([...this.doneErrors, ...this.stepErrors]),
      exitCode: end.exitCode,
      interrupted: end.interrupted,
      durationMs: end.durationMs,
    };
    if (this.csrRefusals.size > 0) input.csrRefusals = [...this.csrRefusals.values()];
    if (this.runDir !== undefined) input.runDir = this.runDir;
    if (end.retryFile !== undefined) input.retryFile = end.retryFile;
    const playbook = this.invocation?.playbook ?? this.playbook;
    if (playbook !== undefined) input.playbook = playbook;
    if (this.invocation) input.inventory = this.invocation.inventory;
    return input;
  }
}
