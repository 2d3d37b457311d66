import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, ParseError } from '../../src/core/errors.js';
import { loadPlaybook, parsePlaybook } from '../../src/playbook/load.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'playbook');
const MODULES = ['command', 'shell', 'copy', 'template', 'debug', 'set_fact', 'assert', 'fail', 'pause', 'wait_for_connection'];
const opts = {
  isModule: (name: string) => MODULES.includes(name.replace(/^ansible\.builtin\./, '')),
  moduleNames: MODULES,
};

function parse(text: string) {
  return parsePlaybook('pb.yml', text, opts);
}

/** Asserts that parsing fails with exactly this one-line message. */
function fails(text: string, message: string): void {
  assert.throws(
    () => parse(text),
    (err: unknown) => {
      assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`);
      assert.equal(err.message, message);
      assert.equal(err.exitCode, ExitCode.PARSE_ERROR);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

describe('playbook loader', () => {
  describe('a playbook using every keyword', () => {
    it('reads plays and their keywords', async () => {
      const pb = await loadPlaybook(join(fixtures, 'site.yml'), opts);
      assert.equal(pb.dir, resolve(fixtures));
      assert.equal(pb.plays.length, 2);
      const [play, second] = pb.plays;
      assert.ok(play && second);
      assert.equal(play.name, 'Prepare the fleet');
      assert.equal(play.hosts, 'workers,masters');
      assert.equal(play.gather_facts, false);
      assert.deepEqual(play.serial, [1, '30%', '{{ batch }}']);
      assert.equal(play.max_fail_percentage, 20);
      assert.equal(play.any_errors_fatal, false);
      assert.deepEqual(play.vars, { greeting: 'hello', packages: ['podman', 'jq'] });
      assert.deepEqual(play.vars_files, ['vars/common.yml']);
      assert.deepEqual(play.pos, { file: join(fixtures, 'site.yml'), line: 2, col: 3 });
      assert.equal(play.tasks.length, 5);
      // A play without a name is shown by its hosts, as Ansible does; gather_facts defaults as in Ansible.
      assert.equal(second.name, 'all');
      assert.equal(second.gather_facts, true);
      assert.equal(second.serial, undefined);
    });

    it('merges args: into free-form arguments and keeps positions', async () => {
      const pb = await loadPlaybook(join(fixtures, 'site.yml'), opts);
      const task = pb.plays[0]?.tasks[0];
      assert.ok(task);
      assert.equal(task.name, 'Say hello');
      assert.equal(task.named, true);
      assert.equal(task.module, 'ansible.builtin.command');
      assert.deepEqual(task.args, { chdir: '/tmp', _raw_params: 'echo {{ greeting }}' });
      assert.deepEqual(task.pos, { file: join(fixtures, 'site.yml'), line: 16, col: 7 });
      assert.deepEqual(task.argPos['chdir'], { file: join(fixtures, 'site.yml'), line: 19, col: 9 });
      assert.deepEqual(task.argPos['_raw_params'], { file: join(fixtures, 'site.yml'), line: 17, col: 32 });
      assert.equal(task.register, 'hello');
      assert.deepEqual(task.changed_when, ['false']);
    });

    it('reads conditions, retries, timeouts, loops and task vars', async () => {
      const pb = await loadPlaybook(join(fixtures, 'site.yml'), opts);
      const [, show, wait, install, fact] = pb.plays[0]?.tasks ?? [];
      assert.ok(show && wait && install && fact);
      assert.deepEqual(show.when, ['hello is succeeded', "greeting == 'hello'"]);
      assert.deepEqual(show.args, { msg: '{{ hello.stdout }}' });
      assert.deepEqual(show.argPos['msg'], { file: join(fixtures, 'site.yml'), line: 25, col: 9 });
      assert.deepEqual(wait.args, { argv: [true] });
      assert.equal(wait.retries, 5);
      assert.equal(wait.delay, 2);
      assert.deepEqual(wait.until, ['result.rc == 0']);
      assert.equal(wait.timeout, 30);
      assert.equal(wait.ignore_errors, '{{ tolerate | default(false) }}');
      assert.deepEqual(wait.failed_when, ['result.rc > 1']);
      assert.equal(wait.no_log, true);
      assert.equal(install.module, 'shell');
      assert.equal(install.args, 'echo {{ pkg }}');
      assert.equal(install.loop, '{{ packages }}');
      assert.equal(install.loop_var, 'pkg');
      assert.equal(install.loop_label, '{{ pkg }}');
      assert.deepEqual(install.vars, { mode: 'quick' });
      // Unnamed tasks are shown by their module name.
      assert.equal(fact.name, 'set_fact');
      assert.equal(fact.named, false);
      assert.deepEqual(fact.when, ['true']);
      assert.deepEqual(pb.plays[1]?.tasks[0]?.args, 'msg=done');
    });

    it('accepts a module with no arguments, a list of loop items and YAML 1.1 booleans', () => {
      const pb = parse('- hosts: a\n  gather_facts: no\n  tasks:\n    - wait_for_connection:\n      loop: [1, 2]\n      ignore_errors: yes\n');
      const task = pb.plays[0]?.tasks[0];
      assert.equal(pb.plays[0]?.gather_facts, false);
      assert.deepEqual(task?.args, {});
      assert.deepEqual(task?.loop, [1, 2]);
      assert.equal(task?.ignore_errors, true);
    });

    it('reads check_mode, the per-task override of --check, as a bool or a template', () => {
      const tasks = parse('- hosts: a\n  tasks:\n    - command: x\n      check_mode: no\n    - command: y\n      check_mode: true\n    - command: z\n      check_mode: "{{ dry }}"\n    - command: w\n').plays[0]?.tasks;
      assert.deepEqual(tasks?.map((t) => t.check_mode), [false, true, '{{ dry }}', undefined]);
    });

    it('accepts a templated number wherever a task takes a number', () => {
      const task = parse('- hosts: a\n  tasks:\n    - command: x\n      retries: "{{ n }}"\n      delay: "{{ d }}"\n      timeout: "{{ t }}"\n').plays[0]?.tasks[0];
      assert.equal(task?.retries, '{{ n }}');
      assert.equal(task?.delay, '{{ d }}');
      assert.equal(task?.timeout, '{{ t }}');
    });
  });

  describe('errors name file:line:col and the field', () => {
    it('a misspelled task key, with a suggestion', async () => {
      const file = join(fixtures, 'typo.yml');
      await assert.rejects(loadPlaybook(file, opts), {
        message: `${file}:7:7: plays[0].tasks[1].whne: unknown key 'whne' (did you mean 'when'?)`,
      });
    });

    it('an unknown module, with a suggestion', () => {
      fails(
        '- hosts: all\n  tasks:\n    - name: x\n      comand: echo hi\n',
        "pb.yml:4:7: plays[0].tasks[0].comand: unknown module 'comand' (did you mean 'command'?)",
      );
      fails(
        '- hosts: all\n  tasks:\n    - ansible.builtin.shel: echo hi\n',
        "pb.yml:3:7: plays[0].tasks[0].ansible.builtin.shel: unknown module 'ansible.builtin.shel' (did you mean 'ansible.builtin.shell'?)",
      );
      fails('- hosts: all\n  tasks:\n    - frobnicate: 1\n', "pb.yml:3:7: plays[0].tasks[0].frobnicate: unknown module 'frobnicate'");
    });

    it('a misspelled keyword in a task without a module is still a key', () => {
      fails(
        '- hosts: all\n  tasks:\n    - name: x\n      regster: r\n',
        "pb.yml:4:7: plays[0].tasks[0].regster: unknown key 'regster' (did you mean 'register'?)",
      );
    });

    it('two modules in one task', () => {
      fails(
        '- hosts: all\n  tasks:\n    - command: a\n      shell: b\n',
        "pb.yml:4:7: plays[0].tasks[0].shell: two modules in one task: 'command' and 'shell' (a task runs exactly one module; split it into two tasks)",
      );
    });

    it('a task with no module', () => {
      fails(
        '- hosts: all\n  tasks:\n    - name: only a name\n',
        'pb.yml:3:7: plays[0].tasks[0]: the task has no module (a task runs exactly one module, such as command: or debug:)',
      );
    });

    it('bad keyword values', () => {
      const task = (line: string) => `- hosts: all\n  tasks:\n    - command: x\n      ${line}\n`;
      fails(task('retries: many'), "pb.yml:4:16: plays[0].tasks[0].retries: expected a whole number (0 or more) or a template, got 'many'");
      fails(task('delay: -1'), 'pb.yml:4:14: plays[0].tasks[0].delay: expected a number of seconds (0 or more) or a template, got number -1');
      fails(task('timeout: 0'), 'pb.yml:4:16: plays[0].tasks[0].timeout: expected a number of seconds (more than 0) or a template, got number 0');
      fails(task('register: my-result'), "pb.yml:4:17: plays[0].tasks[0].register: expected a variable name (letters, digits and _, not starting with a digit), got 'my-result'");
      fails(task('when: [a, 3]'), 'pb.yml:4:17: plays[0].tasks[0].when[1]: expected a condition (an expression), true/false, or a list of them, got number 3');
      fails(task('ignore_errors: maybe'), "pb.yml:4:22: plays[0].tasks[0].ignore_errors: expected true/false or a template, got 'maybe'");
      fails(task('check_mode: sometimes'), "pb.yml:4:19: plays[0].tasks[0].check_mode: expected true/false or a template, got 'sometimes'");
      fails(task('loop: 5'), 'pb.yml:4:13: plays[0].tasks[0].loop: expected a list or a template that gives one, got number 5');
      fails(task('args: hello'), "pb.yml:4:13: plays[0].tasks[0].args: expected a mapping of module arguments, got 'hello'");
      fails(task('loop_control: { index_var: i }'), "pb.yml:4:23: plays[0].tasks[0].loop_control.index_var: 'index_var' is not supported in loop_control (fleetboot has loop_var and label)");
      fails(task('vars: { 1x: 2 }'), "pb.yml:4:15: plays[0].tasks[0].vars.1x: '1x' is not a valid variable name");
    });

    it('module arguments that are neither a mapping nor a string', () => {
      fails(
        '- hosts: all\n  tasks:\n    - command: [a, b]\n',
        "pb.yml:3:16: plays[0].tasks[0].command: arguments of 'command' must be a mapping or a string, got a list",
      );
    });

    it('bad play values and keys', () => {
      fails('- hosts: all\n  serial: [1, lots]\n', "pb.yml:2:15: plays[0].serial[1]: expected a number of hosts, a percentage like '30%', a template, or a list of those, got 'lots'");
      fails('- hosts: all\n  max_fail_percentage: 150\n', 'pb.yml:2:24: plays[0].max_fail_percentage: expected a number from 0 to 100, got number 150');
      fails('- hosts: all\n  hots: x\n', "pb.yml:2:3: plays[0].hots: unknown key 'hots' (did you mean 'hosts'?)");
      fails('- hosts: all\n  command: x\n', "pb.yml:2:3: plays[0].command: unknown key 'command' in a play (tasks go in a list under 'tasks:', and a play needs 'hosts:')");
      fails('- name: x\n  tasks: []\n', "pb.yml:1:3: plays[0]: the play has no 'hosts:' (a host pattern such as all, a group or a host name)");
      fails('- hosts: all\n  tasks: {}\n', 'pb.yml:2:10: plays[0].tasks: expected a list of tasks, got a mapping');
    });

    it('keywords that are not supported yet', () => {
      fails(
        '- hosts: all\n  tasks:\n    - block:\n        - command: x\n',
        "pb.yml:3:7: plays[0].tasks[0].block: 'block' is not supported yet (write the tasks without block)",
      );
      fails(
        '- hosts: all\n  handlers: []\n',
        "pb.yml:2:3: plays[0].handlers: 'handlers' is not supported yet (run the handler's work as a task with when: <result> is changed)",
      );
      fails('- import_playbook: other.yml\n', "pb.yml:1:3: plays[0].import_playbook: 'import_playbook' is not supported yet (run each playbook with its own fleetboot run)");
      fails('- hosts: all\n  roles: [x]\n', "pb.yml:2:3: plays[0].roles: 'roles' is not supported yet (write the role's tasks under tasks:)");
      fails('- hosts: all\n  pre_tasks: []\n', "pb.yml:2:3: plays[0].pre_tasks: 'pre_tasks' is not supported yet (put these tasks first under tasks:)");
      fails('- hosts: all\n  post_tasks: []\n', "pb.yml:2:3: plays[0].post_tasks: 'post_tasks' is not supported yet (put these tasks last under tasks:)");
      fails(
        '- hosts: all\n  tasks:\n    - command: x\n      with_items: [1]\n',
        "pb.yml:4:7: plays[0].tasks[0].with_items: 'with_items' is not supported yet (use loop:)",
      );
    });

    it('YAML syntax errors and duplicate keys', () => {
      fails(
        '- hosts: all\n  tasks: [\n',
        'pb.yml:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      );
      fails('- hosts: all\n  hosts: b\n', "pb.yml:2:3: duplicate key 'hosts' (each key may appear once in a mapping)");
      fails('- hosts: all\n\ttasks: []\n', 'pb.yml:2:1: YAML syntax error: tab used for indentation; indent with spaces');
    });

    it('the wrong shape', () => {
      fails('', 'pb.yml:1:1: the playbook is empty (it should be a list of plays)');
      fails('hosts: all\ntasks: []\n', 'pb.yml:1:1: a playbook must be a list of plays, got a mapping (start the play with "- ")');
      fails('- just a string\n', "pb.yml:1:3: plays[0]: a play must be a mapping (hosts, tasks, ...), got 'just a string'");
      fails(
        '- hosts: all\n  tasks:\n    - - command: x\n',
        'pb.yml:3:7: plays[0].tasks[0]: a task must be a mapping (name, one module and its arguments), got a list (one task per list item; is it indented one level too deep?)',
      );
    });

    it('an unreadable file', async () => {
      await assert.rejects(loadPlaybook('/nonexistent/pb.yml', opts), {
        message: '/nonexistent/pb.yml: cannot read the playbook (ENOENT); check the path',
      });
    });
  });
});
