// A playbook as parsed: plays and tasks with their source positions. Values are kept as
// written (templates unrendered); the engine renders them per host when a step runs.

import type { SourcePos } from '../core/errors.js';

export type Vars = Record<string, unknown>;

export interface Task {
  /** The task's `name`, or `module` when it has none (as Ansible shows it). */
  name: string;
  /** True when `name` was written in the playbook. */
  named: boolean;
  /** Module name as written (`command`, `ansible.builtin.command`, ...). */
  module: string;
  /** Module arguments: a mapping, or the free-form string (`command: echo hi`). `args:` is merged in. */
  args: Vars | string;
  when?: string[];
  register?: string;
  retries?: number | string;
  delay?: number | string;
  until?: string[];
  /** Seconds. */
  timeout?: number | string;
  ignore_errors?: boolean | string;
  failed_when?: string[];
  changed_when?: string[];
  loop?: unknown;
  loop_var?: string;
  /** `loop_control.label`: what to show for each item instead of the whole item (a template). */
  loop_label?: string;
  no_log?: boolean | string;
  /** Ansible's per-task override of --check: true always checks, false always changes (a template allowed). */
  check_mode?: boolean | string;
  vars?: Vars;
  pos: SourcePos;
  /** Position of each argument key, for errors about a single argument. */
  argPos: Record<string, SourcePos>;
}

export interface Play {
  name: string;
  hosts: string;
  vars: Vars;
  vars_files: string[];
  /** Batch sizes: numbers or percentages, the last repeating (Ansible's `serial`). */
  serial?: (number | string)[];
  max_fail_percentage?: number;
  any_errors_fatal: boolean;
  gather_facts: boolean;
  tasks: Task[];
  pos: SourcePos;
}

export interface Playbook {
  file: string;
  /** Directory of the playbook: relative paths (vars_files, copy src) resolve from it. */
  dir: string;
  plays: Play[];
}
