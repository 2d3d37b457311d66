// The play and task keywords fleetboot reads, and the Ansible keywords it does not support
// yet: those get a clear "not supported yet" rather than "unknown key" or being ignored.

export const PLAY_KEYWORDS = [
  'name',
  'hosts',
  'vars',
  'vars_files',
  'serial',
  'max_fail_percentage',
  'any_errors_fatal',
  'gather_facts',
  'tasks',
] as const;

export const TASK_KEYWORDS = [
  'name',
  'args',
  'when',
  'register',
  'retries',
  'delay',
  'until',
  'timeout',
  'ignore_errors',
  'failed_when',
  'changed_when',
  'loop',
  'loop_control',
  'no_log',
  'check_mode',
  'vars',
] as const;

export const LOOP_CONTROL_KEYS = ['loop_var', 'label'] as const;

const BECOME = 'fleetboot connects as the inventory\'s ansible_user; prefix commands with sudo';

/** Ansible play keywords fleetboot knows of but does not run yet, with what to do instead. */
export const PLAY_UNSUPPORTED: Record<string, string> = {
  import_playbook: 'run each playbook with its own fleetboot run',
  roles: 'write the role\'s tasks under tasks:',
  handlers: 'run the handler\'s work as a task with when: <result> is changed',
  pre_tasks: 'put these tasks first under tasks:',
  post_tasks: 'put these tasks last under tasks:',
  block: 'write the tasks without block',
  become: BECOME,
  become_user: BECOME,
  become_method: BECOME,
  become_flags: BECOME,
  remote_user: 'set ansible_user in the inventory',
  environment: 'set the variables in the command itself',
  tags: 'use --start-at-task or separate playbooks',
  strategy: 'fleetboot always lets each host run ahead on its own',
  connection: 'fleetboot connects over SSH',
  collections: 'use the module\'s full name',
  module_defaults: 'give the arguments on each task',
  order: '',
  ignore_unreachable: '',
  ignore_errors: 'set ignore_errors on the tasks',
  check_mode: 'use --check',
  diff: '',
  throttle: 'use --forks',
  run_once: '',
  force_handlers: '',
  vars_prompt: 'pass the values with -e',
  debugger: '',
  fact_path: '',
  gather_subset: 'fleetboot gathers no facts',
  gather_timeout: 'fleetboot gathers no facts',
  no_log: 'set no_log on the tasks',
  port: 'set ansible_port in the inventory',
  timeout: 'set timeout on the tasks',
  include: 'run each playbook with its own fleetboot run',
};

/** Ansible task keywords (and task-like directives) fleetboot does not run yet. */
export const TASK_UNSUPPORTED: Record<string, string> = {
  block: 'write the tasks without block',
  rescue: 'use ignore_errors and a task with when: <result> is failed',
  always: 'use ignore_errors on the tasks before it',
  notify: 'run the handler\'s work as a task with when: <result> is changed',
  listen: '',
  tags: 'use --start-at-task',
  delegate_to: '',
  delegate_facts: '',
  run_once: '',
  become: BECOME,
  become_user: BECOME,
  become_method: BECOME,
  become_flags: BECOME,
  remote_user: 'set ansible_user in the inventory',
  environment: 'set the variables in the command itself',
  async: '',
  poll: '',
  diff: '',
  any_errors_fatal: 'set any_errors_fatal on the play',
  throttle: 'use --forks',
  debugger: '',
  module_defaults: 'give the arguments on each task',
  collections: 'use the module\'s full name',
  connection: 'fleetboot connects over SSH',
  local_action: '',
  action: 'write the module as the task\'s key (command: ...)',
  include_tasks: 'put the tasks in this playbook',
  import_tasks: 'put the tasks in this playbook',
  include_role: 'put the role\'s tasks in this playbook',
  import_role: 'put the role\'s tasks in this playbook',
  include: 'put the tasks in this playbook',
  ignore_unreachable: '',
  port: 'set ansible_port in the inventory',
};

/** `with_items`, `with_dict`, ...: Ansible's older loops. */
export function isWithLoop(key: string): boolean {
  return /^with_[a-z_]+$/.test(key);
}

export function unsupportedMessage(key: string, hint: string | undefined): string {
  return `'${key}' is not supported yet${hint ? ` (${hint})` : ''}`;
}
