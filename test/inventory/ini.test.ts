import { deepStrictEqual, rejects, strictEqual } from 'node:assert/strict';
import { join } from 'node:path';
import { checkInventory, hostVars, loadInventory } from '../../src/inventory/index.js';
import { parseIni } from '../../src/inventory/load-ini.js';
import { iniValue } from '../../src/inventory/py-literal.js';
import { lines, removeTmpTrees, tmpTree } from './tmp-tree.js';

async function loadIni(text: string, name = 'hosts'): Promise<{ file: string; errors: string[] }> {
  const dir = await tmpTree({ [name]: text });
  const file = join(dir, name);
  const check = await checkInventory([file]);
  return { file, errors: check.errors.map((e) => e.message.replace(`${file}:`, '')) };
}

describe('inventory: INI format', () => {
  after(removeTmpTrees);

  it('reads values as Python literals, as Ansible does (host lines and :vars alike)', () => {
    deepStrictEqual(
      ['1', '-3', '0x10', '1.5', 'True', 'None', '"x y"', "[1, 'a']", "{'k': [1]}", '1, 2', '1_000'].map(iniValue),
      [1, -3, 16, 1.5, true, null, 'x y', [1, 'a'], { k: [1] }, [1, 2], 1000],
    );
    // Not literals: they stay text, exactly as written.
    deepStrictEqual(['yes', '010', 'a b', '{k:v}', 'x86_64', '1+2', '', 'f"x"'].map(iniValue), ['yes', '010', 'a b', '{k:v}', 'x86_64', '1+2', '', 'f"x"']);
  });

  it('reads hosts, ranges, ports, variables and comments', async () => {
    const dir = await tmpTree({
      hosts: lines(
        '# header',
        'lone',
        '[web]',
        'web[1:2] ansible_user=core   # trailing comment',
        "web3:2201 tags=\"['a', 'b']\" msg='hello world' on=yes#comment",
        '; other comment',
        'lone',
        '[web:vars]',
        'http_port = 80',
        'greeting = "hi there"',
      ),
    });
    const inv = await loadInventory([join(dir, 'hosts')]);
    deepStrictEqual([...inv.hosts.keys()], ['lone', 'web1', 'web2', 'web3']);
    deepStrictEqual(inv.groups.get('web')?.hosts, ['web1', 'web2', 'web3', 'lone']);
    deepStrictEqual(inv.groups.get('ungrouped')?.hosts, []); // lone moved out once it had a group
    deepStrictEqual(hostVars(inv, 'web1'), { ansible_user: 'core', http_port: 80, greeting: 'hi there' });
    deepStrictEqual(hostVars(inv, 'web3'), { ansible_port: 2201, tags: ['a', 'b'], msg: 'hello world', on: 'yes', http_port: 80, greeting: 'hi there' });
    deepStrictEqual(inv.hosts.get('web3')?.pos, { file: join(dir, 'hosts'), line: 5, col: 1 });
  });

  it('links children declared before the group itself, in declaration order', async () => {
    const dir = await tmpTree({
      hosts: lines('[app:children]', 'web', 'db', '[db]', 'db1', '[web:vars]', 'x=1', '[web]', 'w1'),
    });
    const inv = await loadInventory([join(dir, 'hosts')]);
    deepStrictEqual(inv.groups.get('app')?.children, ['db', 'web']);
    deepStrictEqual(inv.groups.get('all')?.children, ['ungrouped', 'app']);
    deepStrictEqual(hostVars(inv, 'w1'), { x: 1 });
  });

  it('takes ansible_group_priority into the group, not its variables', async () => {
    const dir = await tmpTree({ hosts: lines('[a]', 'h', '[b]', 'h', '[a:vars]', 'v=a', 'ansible_group_priority=5', '[b:vars]', 'v=b') });
    const inv = await loadInventory([join(dir, 'hosts')]);
    strictEqual(inv.groups.get('a')?.priority, 5);
    deepStrictEqual(hostVars(inv, 'h'), { v: 'a' });
  });

  it('reports malformed lines with line and column', async () => {
    const { errors } = await loadIni(lines('[web]', 'w1 ansible_user=core stray', '[web:chidren]', 'x', '[bad section]'));
    deepStrictEqual(errors, [
      "2:22: web.hosts.w1: expected key=value host variable, got 'stray'",
      "3:6: web: unknown section type 'chidren' (did you mean 'children'? allowed: hosts, children, vars)",
      '5:1: invalid section header \'[bad section]\': write [group], [group:vars] or [group:children], without spaces',
    ]);
  });

  it('reports groups used but never defined', async () => {
    const { errors } = await loadIni(lines('[web]', 'w1', '[db:vars]', 'a=1', '[app:children]', 'web', 'cache'));
    deepStrictEqual(errors, [
      '3:2: db: [db:vars] names a group defined nowhere; add a [db] or [db:children] section, or fix the name',
      "7:1: app.children.cache: group 'cache' is defined nowhere; add a [cache] section, or fix the name",
    ]);
  });

  it('checks the variables fleetboot reads, at the variable', async () => {
    const { errors } = await loadIni(lines('[web]', 'w1 ansible_port=99999 arch=x86_64', '[web:vars]', 'ansible_password=hunter2'));
    deepStrictEqual(errors, [
      '2:4: web.hosts.w1.ansible_port: must be an integer from 1 to 65535',
      '4:1: web.vars.ansible_password: secrets may not be written in the inventory; give them by reference: password_env: NAME (an environment variable) or password_file: PATH',
    ]);
    strictEqual(errors.join('\n').includes('hunter2'), false);
  });

  it('refuses a loop of children', async () => {
    const { errors } = await loadIni(lines('[a:children]', 'b', '[b:children]', 'a'));
    deepStrictEqual(errors, ["4:1: b.children.a: making 'a' a child of 'b' creates a loop ('b' is already inside 'a')"]);
  });

  it('tells INI from YAML as Ansible does', async () => {
    // No extension: a YAML mapping is YAML, anything else INI.
    const yamlDir = await tmpTree({ inv: 'all:\n  hosts:\n    y1:\n', hosts: 'h1\nh2 a=1\n' });
    deepStrictEqual([...(await loadInventory([join(yamlDir, 'inv')])).hosts.keys()], ['y1']);
    deepStrictEqual([...(await loadInventory([join(yamlDir, 'hosts')])).hosts.keys()], ['h1', 'h2']);
    // .ini is INI even when it would parse as YAML.
    const ini = await tmpTree({ 'x.ini': 'web:2222\n' });
    deepStrictEqual([...(await loadInventory([join(ini, 'x.ini')])).hosts.keys()], ['web']);
    await rejects(loadInventory([join(ini, 'missing')]), /does not exist/);
  });

  it('parses without touching the inventory', () => {
    const { records, errors } = parseIni('[g]\nh a=1\n', 'f');
    deepStrictEqual(errors, []);
    deepStrictEqual(
      records.map((r) => r.kind),
      ['section', 'hosts'],
    );
  });
});
