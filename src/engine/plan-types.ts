// The plan: what the engine will run, checked before any host is touched.

import type { Play, Task } from '../playbook/types.js';
import type { ModuleSpec } from '../modules/contract.js';
import type { Vars } from './templating.js';

export interface PlannedTask {
  index: number;
  task: Task;
  spec: ModuleSpec<Record<string, unknown>>;
  /** Arguments as a mapping (a free-form string is put under the module's free-form key). */
  args: Vars;
}

export interface PlannedPlay {
  index: number;
  play: Play;
  /** Hosts the play targets, after --limit and in inventory order. */
  hosts: string[];
  tasks: PlannedTask[];
  /** vars_files loaded and merged. */
  varsFiles: Vars;
  /** Index of the first task to run (--start-at-task), 0 otherwise. */
  startAt: number;
}

export interface RunPlan {
  playbook: string;
  playbookDir: string;
  plays: PlannedPlay[];
  /** Every host any play targets, in inventory order. */
  hosts: string[];
}
