import { deepStrictEqual, rejects, strictEqual } from 'node:assert/strict';
import { join } from 'node:path';
import { ExitCode, ParseError } from '../../src/core/errors.js';
import { checkInventory, hostVars, loadInventory } from '../../src/inventory/index.js';
import { lines, removeTmpTrees, tmpTree } from './tmp-tree.js';

const SECRET =
  'secrets may not be written in the inventory; give them by reference: password_env: NAME (an environment variable) or password_file: PATH';

/** The error lines for a tree of files, with the temporary directory shown as `.`. */
async function errorsOf(files: Record<string, string>, source = 'inventory.yml'): Promise<string[]> {
  const dir = await tmpTree(files);
  const check = await checkInventory([join(dir, source)]);
  return check.errors.map((e) => e.message.split(`${dir}/`).join(''));
}

describe('inventory: schema errors name file:line:col and the field', () => {
  after(removeTmpTrees);

  it('a misspelled children: or hosts:', async () => {
    const errors = await errorsOf({
      'inventory.yml': lines(
        'all:', //                      1
        '  chidren:', //                2
        '    arm:',
        '  children:', //               4
        '    x86:',
        '      host:', //               6
        '        x86-01:',
      ),
    });
    deepStrictEqual(errors, [
      "inventory.yml:2:3: all.chidren: unknown key 'chidren' (did you mean 'children'? allowed: hosts, children, vars)",
      "inventory.yml:6:7: all.children.x86.host: unknown key 'host' (did you mean 'hosts'? allowed: hosts, children, vars)",
    ]);
  });

  it('typed host variables, wherever they are set', async () => {
    const errors = await errorsOf({
      'inventory.yml': lines(
        'all:',
        '  children:',
        '    arm:',
        '      hosts:',
        '        arm-01:', //                               5
        '          ansible_port: 70000', //                 6
        '          arch: arm64', //                         7
        '          fleetboot_host_key_policy: trust-all', //8
        '          fleetboot_host_key: not-a-key', //       9
        '        arm-[02:03]:',
        '          ansible_host: [10.0.0.2]', //            11
        '      vars:',
        '        ansible_user: 5', //                       13
        '        ansible_group_priority: high', //          14
      ),
    });
    deepStrictEqual(errors, [
      'inventory.yml:6:25: all.children.arm.hosts.arm-01.ansible_port: must be an integer from 1 to 65535',
      'inventory.yml:7:17: all.children.arm.hosts.arm-01.arch: must be one of x86_64, aarch64, ppc64le, s390x',
      'inventory.yml:8:38: all.children.arm.hosts.arm-01.fleetboot_host_key_policy: must be strict or accept-new',
      "inventory.yml:9:31: all.children.arm.hosts.arm-01.fleetboot_host_key: must be an OpenSSH public key line such as 'ssh-ed25519 AAAAC3Nza... comment'",
      'inventory.yml:11:25: all.children.arm.hosts.arm-[02:03].ansible_host: must be a string (the address fleetboot connects to)',
      'inventory.yml:13:23: all.children.arm.vars.ansible_user: must be a string (the SSH user)',
      'inventory.yml:14:33: all.children.arm.vars.ansible_group_priority: must be an integer (among groups of the same depth, the higher priority wins)',
    ]);
  });

  it('the bmc mapping: known fields only, address required', async () => {
    const errors = await errorsOf({
      'inventory.yml': lines(
        'all:',
        '  hosts:',
        '    n1:',
        '      bmc:', //                   4
        '        adress: 10.0.0.1', //     5
        '        port: 0', //              6
        '        insecure: "yes"', //      7
        '    n2:',
        '      bmc: 10.0.0.2', //          9
      ),
    });
    deepStrictEqual(errors, [
      "inventory.yml:5:9: all.hosts.n1.bmc: must have 'address'",
      "inventory.yml:5:9: all.hosts.n1.bmc.adress: unknown key 'adress' (did you mean 'address'? allowed: address, port, user, password_env, password_file, insecure, ca_file, system, vendor)",
      'inventory.yml:6:15: all.hosts.n1.bmc.port: must be an integer from 1 to 65535',
      'inventory.yml:7:19: all.hosts.n1.bmc.insecure: must be true or false (true skips TLS certificate checks)',
      'inventory.yml:9:12: all.hosts.n2.bmc: must be a mapping with address (required) and any of: port, user, password_env, password_file, insecure, ca_file, system, vendor',
    ]);
  });

  it('secrets only by reference, and the error never shows the secret', async () => {
    const errors = await errorsOf({
      'inventory.yml': lines(
        'all:',
        '  vars:',
        '    ansible_become_password: TopSecret1', //  3
        '  hosts:',
        '    n1:',
        '      ansible_ssh_pass: TopSecret2', //       6
        '      bmc:',
        '        address: 10.0.0.1',
        '        password: TopSecret3', //             9
        '        password_env: BMC_PASSWORD',
      ),
    });
    deepStrictEqual(errors, [
      `inventory.yml:3:30: all.vars.ansible_become_password: ${SECRET}`,
      `inventory.yml:6:25: all.hosts.n1.ansible_ssh_pass: ${SECRET}`,
      `inventory.yml:9:19: all.hosts.n1.bmc.password: ${SECRET}`,
    ]);
    strictEqual(/TopSecret/.test(errors.join('\n')), false);
  });

  it('accepts templates and any variable fleetboot does not read', async () => {
    const dir = await tmpTree({
      'inventory.yml': lines(
        'all:',
        '  vars:',
        '    base_port: 2200',
        '    anything: [goes, {here: true}]',
        '  hosts:',
        '    n1:',
        '      ansible_port: "{{ base_port + 1 }}"',
        '      bmc:',
        '        address: 10.0.0.1',
        '        password_file: /run/secrets/bmc',
        '        port: 8443',
        '        insecure: true',
      ),
    });
    const inv = await loadInventory([join(dir, 'inventory.yml')]);
    strictEqual(hostVars(inv, 'n1')['ansible_port'], '{{ base_port + 1 }}');
  });

  it('duplicate keys and YAML syntax errors: one line with the position', async () => {
    deepStrictEqual(await errorsOf({ 'inventory.yml': lines('all:', '  hosts:', '    a:', '      x: 1', '      x: 2') }), [
      'inventory.yml:5:7: all.hosts.a.x: duplicate key (first at line 4); keep one of them',
    ]);
    const syntax = await errorsOf({ 'inventory.yml': lines('all:', '  hosts:', '    a: {x: 1', '    b:') });
    strictEqual(syntax.length, 1);
    strictEqual(/^inventory\.yml:\d+:\d+: YAML syntax: [^\n]+$/.test(syntax[0] ?? ''), true);
  });

  it('errors in group_vars/ and host_vars/ files name those files', async () => {
    const errors = await errorsOf({
      'inventory.yml': lines('all:', '  children:', '    web:', '      hosts:', '        w1:'),
      'group_vars/web.yml': lines('# web servers', 'ansible_port: "22"'),
      'host_vars/w1/10-bmc.yml': lines('bmc:', '  address: 10.0.0.1', '  password: hunter22'),
      'group_vars/all.yml': lines('- a list', '- is not vars'),
    });
    deepStrictEqual(errors, [
      'group_vars/all.yml:1:1: must be a mapping of variable names to values',
      'group_vars/web.yml:2:15: ansible_port: must be an integer from 1 to 65535',
      `host_vars/w1/10-bmc.yml:3:13: bmc.password: ${SECRET}`,
    ]);
  });

  it('names, ranges and loops in the YAML structure', async () => {
    const errors = await errorsOf({
      'inventory.yml': lines(
        'all:',
        '  hosts:',
        '    1:', //                       3
        '    bad-[1]:', //                 4
        '  children:',
        '    a:',
        '      children:',
        '        b:', //                   8
        '          children:',
        '            a:',
      ),
    });
    deepStrictEqual(errors, [
      'inventory.yml:3:5: all.hosts.1: a host name must be a string: put it in quotes',
      "inventory.yml:4:5: all.hosts.bad-[1]: host range in 'bad-[1]' must be begin:end or begin:end:step",
      // Children are read depth first, so b->a exists when a->b is refused (as in Ansible).
      "inventory.yml:8:9: all.children.a.children.b: making 'b' a child of 'a' creates a loop ('a' is already inside 'b')",
    ]);
  });

  it('refuses inventory plugin files and non-mapping YAML', async () => {
    deepStrictEqual(await errorsOf({ 'inventory.yml': 'plugin: aws_ec2\n' }), [
      'inventory.yml:1:1: plugin: inventory plugin configuration is not supported: list groups and hosts in YAML inventory form (all: hosts: ...)',
    ]);
    deepStrictEqual(await errorsOf({ 'inventory.yml': '- web1\n- web2\n' }), [
      'inventory.yml:1:1: a YAML inventory must be a mapping of group names (such as all) to groups',
    ]);
    deepStrictEqual(await errorsOf({ 'inventory.yml': 'all:\n  hosts: [web1]\n' }), [
      'inventory.yml:2:10: all.hosts: must be a mapping of host names (each with its variables, or empty)',
    ]);
  });

  it('loadInventory throws a ParseError (exit code 4) with one line', async () => {
    const dir = await tmpTree({ 'inventory.yml': lines('all:', '  vars:', '    ansible_port: x') });
    await rejects(loadInventory([join(dir, 'inventory.yml')]), (err: unknown) => {
      strictEqual(err instanceof ParseError, true);
      const e = err as ParseError;
      strictEqual(e.exitCode, ExitCode.PARSE_ERROR);
      strictEqual(e.message, `${join(dir, 'inventory.yml')}:3:19: all.vars.ansible_port: must be an integer from 1 to 65535`);
      deepStrictEqual(e.pos, { file: join(dir, 'inventory.yml'), line: 3, col: 19 });
      strictEqual(e.field, 'all.vars.ansible_port');
      return true;
    });
  });
});
