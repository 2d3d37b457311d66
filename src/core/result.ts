// The shape of a task's result, as Ansible registers it, so that playbooks written for
// Ansible (`result.rc`, `result.stdout_lines`, `result is failed`) read it the same way.

export interface TaskResult {
  changed: boolean;
  failed: boolean;
  skipped?: boolean;
  unreachable?: boolean;
  msg?: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  stdout_lines?: string[];
  stderr_lines?: string[];
  /** Why nothing was changed, or why something was (pyinfra-style). */
  reason?: string;
  /** set_fact and fact-gathering modules put their facts here. */
  ansible_facts?: Record<string, unknown>;
  /** Loop results, one per item. */
  results?: TaskResult[];
  [key: string]: unknown;
}

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

/** Per-host counters of the PLAY RECAP, named as Ansible names them. */
export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/** How a host ended a run: what the recap and `--retry-failed` look at. */
export type HostOutcome = 'ok' | 'failed' | 'unreachable' | 'interrupted' | 'pending';
