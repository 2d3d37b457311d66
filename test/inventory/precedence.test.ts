import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkInventory, hostVars, loadInventory, sortGroups, type Inventory, type InventoryGroup } from '../../src/inventory/index.js';
import { lines, removeTmpTrees, tmpTree } from './tmp-tree.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/inventory/', import.meta.url));

function group(name: string, children: string[], vars: Record<string, unknown>, extra: Partial<InventoryGroup> = {}): InventoryGroup {
  return { name, hosts: [], children, vars, ...extra };
}

/** all -> parent -> child, and siblings a, b, z at depth 1; host h is in child, a, b and z. */
function handMade(): Inventory {
  const groups = [
    group('all', ['ungrouped', 'parent', 'z', 'b', 'a'], { v: 'all', only_all: 1 }),
    group('ungrouped', [], {}),
    group('parent', ['child'], { v: 'parent', deep: 'parent' }),
    group('child', [], { v: 'child', deep: 'child' }, { hosts: ['h'] }),
    group('z', [], { v: 'z', sib: 'z' }, { hosts: ['h'] }),
    group('b', [], { sib: 'b', prio: 'b' }, { hosts: ['h'], priority: 5 }),
    group('a', [], { sib: 'a', prio: 'a' }, { hosts: ['h'], priority: 5 }),
  ];
  return {
    sources: ['/inv.yml'],
    groups: new Map(groups.map((g) => [g.name, g])),
    hosts: new Map([['h', { name: 'h', vars: { mine: true }, groups: ['all', 'parent', 'child', 'z', 'b', 'a'] }]]),
  };
}

describe('inventory: variable precedence', () => {
  after(removeTmpTrees);

  it('orders groups by depth, then ansible_group_priority, then name', () => {
    deepStrictEqual(sortGroups(handMade(), ['child', 'z', 'b', 'a', 'parent']), ['parent', 'z', 'a', 'b', 'child']);
  });

  it('lets deeper groups beat shallower ones whatever their priority, and the host beat all groups', () => {
    deepStrictEqual(hostVars(handMade(), 'h'), {
      v: 'child', // child is deepest
      only_all: 1,
      deep: 'child',
      sib: 'b', // z < a < b: priority 5 beats the default 1, then names break the tie
      prio: 'b',
      mine: true,
    });
  });

  it('puts group_vars/all above every group of the inventory file, and host_vars above the host', async () => {
    const inv = await loadInventory([join(FIXTURES, 'precedence', 'inventory.yml')]);
    const h1 = hostVars(inv, 'h1');
    strictEqual(h1['layer'], 'gv-host'); // host_vars/h1.yml > host entry > group_vars > file groups
    strictEqual(h1['a'], 'gv-all'); // group_vars/all.yml > all: vars:
    strictEqual(h1['c'], 'child-file');
    strictEqual(h1['d'], 'gv-child-first'); // group_vars/child/ (deeper) > group_vars/parent.yml
    strictEqual(h1['e'], 'gv-child-second'); // files of a group_vars/ directory merge in name order
    strictEqual(hostVars(inv, 'h2')['layer'], 'gv-all'); // group_vars/all.yml > child's file vars
    strictEqual(hostVars(inv, 'h3')['prio'], 'beta'); // alpha and beta share priority 10; name decides
  });

  it('reads ansible_group_priority only from inventory files', async () => {
    const check = await checkInventory([join(FIXTURES, 'precedence', 'inventory.yml')]);
    const inv = check.inventory as Inventory;
    strictEqual(inv.groups.get('alpha')?.priority, 10);
    strictEqual(inv.groups.get('zeta')?.priority, 1); // group_vars/zeta.yml sets it as a plain variable
    strictEqual(hostVars(inv, 'h1')['ansible_group_priority'], 99);
    strictEqual(check.warnings.some((w) => w.includes('zeta.yml: ansible_group_priority here is an ordinary variable')), true);
  });

  it('merges group_vars/ per source, in the order the sources were given', async () => {
    // w1 is in web (group_vars in source one) and edge (group_vars in source two): source two wins.
    const inv = await loadInventory(['one/inventory.yml', 'two/hosts'].map((s) => join(FIXTURES, 'multi-source', s)));
    strictEqual(hostVars(inv, 'w1')['from'], 'two-group_vars-edge');
    strictEqual(hostVars(inv, 'w2')['from'], 'one-group_vars');
    deepStrictEqual(inv.groups.get('web')?.dirVars, [{ from: 'one-group_vars', only_one: true }, undefined]);
  });

  it('reads NAME, NAME.yml, NAME.yaml, NAME.json, taking the first that exists', async () => {
    const dir = await tmpTree({
      'inventory.yml': lines('all:', '  children:', '    web:', '      hosts:', '        w1:', '        w2:'),
      'group_vars/web.yaml': 'from: yaml\n',
      'group_vars/web.json': '{"from": "json"}\n',
      'group_vars/all/b.yml': 'order: b\n',
      'group_vars/all/a.yml': 'order: a\nonly_a: 1\n',
      'group_vars/all/sub/c': 'order: c\n',
      'group_vars/all/skip.txt': 'order: txt\n',
      'group_vars/all/.hidden.yml': 'order: hidden\n',
      'group_vars/all/empty.yml': '# nothing\n',
      'host_vars/w1': 'from: host\n',
      'host_vars/w1.yml': 'from: shadowed\n',
      'host_vars/ghost.yml': 'x: 1\n',
    });
    const check = await checkInventory([join(dir, 'inventory.yml')]);
    const inv = check.inventory as Inventory;
    deepStrictEqual(hostVars(inv, 'w1'), { order: 'c', only_a: 1, from: 'host' });
    deepStrictEqual(hostVars(inv, 'w2'), { order: 'c', only_a: 1, from: 'yaml' });
    deepStrictEqual(check.warnings, [
      `${join(dir, 'group_vars', 'web.json')} is not read: Ansible reads only the first of web, web.yml, web.yaml, web.json`,
      `${join(dir, 'host_vars', 'ghost.yml')} is not read: no host named 'ghost' in the inventory`,
      `${join(dir, 'host_vars', 'w1.yml')} is not read: Ansible reads only the first of w1, w1.yml, w1.yaml, w1.json`,
    ]);
  });

  it('finds group_vars/ inside a directory source, and beside a file source', async () => {
    const dir = await tmpTree({
      'inv/hosts.yml': lines('web:', '  hosts:', '    w1:'),
      'inv/group_vars/web.yml': 'where: dir\n',
      'inv/sub/more.yml': lines('db:', '  hosts:', '    d1:'),
      'inv/sub/group_vars/db.yml': 'where: not-read\n',
    });
    const inv = await loadInventory([join(dir, 'inv')]);
    deepStrictEqual(hostVars(inv, 'w1'), { where: 'dir' });
    deepStrictEqual(hostVars(inv, 'd1'), {});
  });

  it('keeps the inventory-file layer apart from the group_vars/ layer', async () => {
    const inv = await loadInventory([join(FIXTURES, 'precedence', 'inventory.yml')]);
    const parent = inv.groups.get('parent') as InventoryGroup;
    deepStrictEqual(parent.inventoryVars, { layer: 'parent-file', b: 'parent-file', sibling: 'parent' });
    deepStrictEqual(parent.vars, { layer: 'parent-file', b: 'gv-parent', sibling: 'parent', d: 'gv-parent' });
  });

  it('loads a thousand hosts and all their variables', async () => {
    const hosts = Array.from({ length: 1000 }, (_, i) => `        n${String(i).padStart(4, '0')}: {ansible_host: 10.0.${i >> 8}.${i & 255}}`);
    const dir = await tmpTree({
      'inventory.yml': lines('all:', '  vars: {ansible_user: core}', '  children:', '    fleet:', '      hosts:', ...hosts),
      'group_vars/fleet.yml': 'site: lab\n',
    });
    const inv = await loadInventory([join(dir, 'inventory.yml')]);
    const all = [...inv.hosts.keys()].map((h) => hostVars(inv, h));
    strictEqual(all.length, 1000);
    deepStrictEqual(all[999], { ansible_user: 'core', site: 'lab', ansible_host: '10.0.3.231' });
  });
});
