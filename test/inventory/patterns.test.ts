import { deepStrictEqual, throws } from 'node:assert/strict';
import { join } from 'node:path';
import { applyLimit, loadInventory, selectHosts, splitPattern, type Inventory } from '../../src/inventory/index.js';
import { lines, removeTmpTrees, tmpTree } from './tmp-tree.js';

// Every expectation below was checked with Ansible 2.14 (`ansible PATTERN -i inventory.yml --list-hosts`;
// the two errors with ansible-playbook, since the ad-hoc CLI turns them into "no hosts matched").
const INVENTORY = lines(
  'all:',
  '  hosts:',
  '    lone:',
  '  children:',
  '    rack1:',
  '      children:',
  '        arm:',
  '          hosts:',
  '            arm-[01:04]:',
  '        x86:',
  '          hosts:',
  '            x86-[a:c]:',
  '    web:',
  '      hosts:',
  '        web1.example.com:',
  '        web2.example.com:',
  '        10.0.0.5:',
  '    db:',
  '      hosts:',
  '        db1:',
  '        arm-01:',
  '    twin:',
  '      hosts:',
  '        db1:',
  '        twin:',
);

describe('inventory: host patterns', () => {
  let inv: Inventory;
  let dir: string;
  const hosts = (pattern: string): string[] => selectHosts(inv, pattern).hosts;

  before(async () => {
    dir = await tmpTree({ 'inventory.yml': INVENTORY, 'failed.retry': 'x86-b\narm-03\n\n' });
    inv = await loadInventory([join(dir, 'inventory.yml')]);
  });
  after(removeTmpTrees);

  it('selects a host by name and a group by name', () => {
    deepStrictEqual(hosts('arm-02'), ['arm-02']);
    deepStrictEqual(hosts('arm'), ['arm-01', 'arm-02', 'arm-03', 'arm-04']);
    deepStrictEqual(hosts('rack1'), ['arm-01', 'arm-02', 'arm-03', 'arm-04', 'x86-a', 'x86-b', 'x86-c']);
  });

  it('a name that is both a host and a group selects the host only', () => {
    deepStrictEqual(hosts('twin'), ['twin']);
  });

  it('all and * select every host, level by level through the groups', () => {
    const everyone = ['lone', 'web1.example.com', 'web2.example.com', '10.0.0.5', 'db1', 'arm-01', 'twin', 'arm-02', 'arm-03', 'arm-04', 'x86-a', 'x86-b', 'x86-c'];
    deepStrictEqual(hosts('all'), everyone);
    deepStrictEqual(hosts('*'), everyone);
    deepStrictEqual(hosts('ungrouped'), ['lone']);
  });

  it('matches globs against groups and hosts', () => {
    deepStrictEqual(hosts('arm-0*'), ['arm-01', 'arm-02', 'arm-03', 'arm-04']);
    deepStrictEqual(hosts('*.example.com'), ['web1.example.com', 'web2.example.com']);
    deepStrictEqual(hosts('x86-[ab]'), ['x86-a', 'x86-b']);
    deepStrictEqual(hosts('x86-[!ab]'), ['x86-c']);
    deepStrictEqual(hosts('rack?'), hosts('rack1'));
  });

  it('matches ~regex from the start of the name', () => {
    deepStrictEqual(hosts('~arm-0[1-3]'), ['arm-01', 'arm-02', 'arm-03']);
    deepStrictEqual(hosts('~web'), ['web1.example.com', 'web2.example.com', '10.0.0.5']);
    deepStrictEqual(hosts('~(?P<kind>x86)-[bc]'), ['x86-b', 'x86-c']);
    throws(() => hosts('~arm('), /invalid host pattern '~arm\('/);
  });

  it('unites with : and ,', () => {
    deepStrictEqual(hosts('arm:db'), ['arm-01', 'arm-02', 'arm-03', 'arm-04', 'db1']);
    deepStrictEqual(hosts('arm,db'), hosts('arm:db'));
    deepStrictEqual(hosts('arm-01:arm-01:db'), ['arm-01', 'db1']);
  });

  it('intersects with :&', () => {
    deepStrictEqual(hosts('arm:&db'), ['arm-01']);
    deepStrictEqual(hosts('&db'), ['db1', 'arm-01']); // alone, it narrows all
  });

  it('excludes with :!', () => {
    deepStrictEqual(hosts('arm:!arm-02'), ['arm-01', 'arm-03', 'arm-04']);
    deepStrictEqual(hosts('rack1:!arm'), ['x86-a', 'x86-b', 'x86-c']);
    deepStrictEqual(hosts('!rack1:!web'), ['lone', 'db1', 'twin']);
  });

  it('applies intersections and exclusions after unions, whatever the order written', () => {
    deepStrictEqual(hosts('!db:arm'), ['arm-02', 'arm-03', 'arm-04']);
    deepStrictEqual(hosts('&db:arm:x86'), ['arm-01']);
    deepStrictEqual(hosts('arm:!db:&rack1'), hosts('&rack1:!db:arm'));
  });

  it('takes subscripts of a group', () => {
    deepStrictEqual(hosts('arm[0]'), ['arm-01']);
    deepStrictEqual(hosts('arm[1:2]'), ['arm-02', 'arm-03']);
    deepStrictEqual(hosts('arm[-1]'), ['arm-04']);
    deepStrictEqual(hosts('arm[2:]'), ['arm-03', 'arm-04']);
    deepStrictEqual(hosts('arm[0]:x86[1]'), ['arm-01', 'x86-b']);
    throws(() => hosts('arm[9]'), /no hosts matched the subscripted pattern 'arm\[9\]'/);
  });

  it('warns about parts that match nothing and goes on', () => {
    deepStrictEqual(selectHosts(inv, 'nothing:x86'), {
      hosts: ['x86-a', 'x86-b', 'x86-c'],
      warnings: ['Could not match supplied host pattern, ignoring: nothing'],
    });
    deepStrictEqual(selectHosts(inv, 'nothing'), { hosts: [], warnings: ['Could not match supplied host pattern, ignoring: nothing'] });
  });

  it('splits patterns as Ansible does', () => {
    deepStrictEqual(splitPattern('a:b:&c:!d'), ['a', 'b', '&c', '!d']);
    deepStrictEqual(splitPattern(' a , b[1:2] ,c '), ['a', 'b[1:2]', 'c']);
    deepStrictEqual(splitPattern('web[1:2]:db'), ['web[1:2]', 'db']);
    deepStrictEqual(splitPattern('2001:db8::1'), ['2001:db8::1']);
  });

  describe('--limit', () => {
    it('narrows a selection, keeping its order', () => {
      deepStrictEqual(applyLimit(inv, hosts('rack1'), 'x86:arm-02').hosts, ['arm-02', 'x86-a', 'x86-b', 'x86-c']);
      deepStrictEqual(applyLimit(inv, hosts('rack1'), '!arm').hosts, ['x86-a', 'x86-b', 'x86-c']);
    });

    it('reads @FILE, one host per line (a .retry file)', () => {
      deepStrictEqual(applyLimit(inv, hosts('all'), `@${join(dir, 'failed.retry')}`).hosts, ['arm-03', 'x86-b']);
      const files: Record<string, string> = { 'x.retry': 'arm-04\n' };
      deepStrictEqual(applyLimit(inv, hosts('arm'), '@x.retry,arm-01', (p) => files[p] ?? '').hosts, ['arm-01', 'arm-04']);
    });

    it('fails on a limit file that cannot be read', () => {
      throws(() => applyLimit(inv, hosts('all'), `@${join(dir, 'nope.retry')}`), /cannot read limit file .*nope\.retry/);
    });
  });
});
