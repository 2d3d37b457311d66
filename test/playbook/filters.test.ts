import assert from 'node:assert/strict';
import { Templar } from '../../src/playbook/template.js';

// Expected values are what Ansible (Jinja2 + ansible.builtin filters) returns for the same input.
const t = new Templar();
const vars = {
  users: [
    { name: 'ann', uid: 1001, admin: true, groups: ['wheel'] },
    { name: 'bob', uid: 1000, admin: false, groups: [] },
    { name: 'cid', uid: 1002, admin: true, groups: ['wheel', 'ops'] },
  ],
  words: ['b', 'A', 'a', 'c'],
  nums: [3, 1, 2],
  conf: { port: 22, host: 'h1' },
  nothing: null,
  text: 'Line one\nline two',
};

function check(cases: [string, unknown][]): void {
  for (const [expr, expected] of cases) {
    assert.deepEqual(t.evaluate(expr, vars), expected, expr);
  }
}

describe('filters', () => {
  it('default / d', () => {
    check([
      ["missing | default('x')", 'x'],
      ['missing | default', ''],
      ["nothing | default('x')", null],
      ["'' | default('x')", ''],
      ["'' | default('x', true)", 'x'],
      ["nothing | d('x', true)", 'x'],
      ["0 | default(5, boolean=true)", 5],
      ["conf.port | default(1)", 22],
    ]);
  });

  it('bool, int, float, string', () => {
    check([
      ["'yes' | bool", true],
      ["'True' | bool", true],
      ["'on' | bool", true],
      ["'1' | bool", true],
      ['1 | bool', true],
      ["'no' | bool", false],
      ["'anything' | bool", false],
      ['nothing | bool', false],
      ["'42' | int", 42],
      ["' 7 ' | int", 7],
      ["'3.9' | int", 3],
      ["'abc' | int", 0],
      ["'abc' | int(5)", 5],
      ["'ff' | int(base=16)", 255],
      ['true | int', 1],
      ['-2.5 | int', -2],
      ["'2.5' | float", 2.5],
      ["'x' | float", 0],
      ['7 | float', 7],
      ['42 | string', '42'],
      ['nothing | string', 'None'],
      ['true | string', 'True'],
      ["['a', 1] | string", "['a', 1]"],
    ]);
  });

  it('strings: lower, upper, trim, replace, split, join', () => {
    check([
      ["'MiXed' | lower", 'mixed'],
      ["'MiXed' | upper", 'MIXED'],
      ["'  x y  ' | trim", 'x y'],
      ["'xxhixx' | trim('x')", 'hi'],
      ["'a-b-c' | replace('-', '+')", 'a+b+c'],
      ["'a-b-c' | replace('-', '+', 1)", 'a+b-c'],
      ["'a  b\tc' | split", ['a', 'b', 'c']],
      ["'a,b,,c' | split(',')", ['a', 'b', '', 'c']],
      ["'a,b,c' | split(',', 1)", ['a', 'b,c']],
      ["words | join(',')", 'b,A,a,c'],
      ['nums | join', '312'],
      ["users | join(', ', attribute='name')", 'ann, bob, cid'],
    ]);
  });

  it('regex_replace, regex_search, regex_findall', () => {
    check([
      ["'host-01.lab' | regex_replace('-(\\d+)', '_\\1')", 'host_01.lab'],
      ["'abc' | regex_replace('(?P<first>a)', '\\g<first>\\g<first>')", 'aabc'],
      ["'ABC' | regex_replace('b', 'x', ignorecase=true)", 'AxC'],
      ["'aaa' | regex_replace('a', 'b', count=2)", 'bba'],
      ["'a\\nb' | regex_replace('^', '> ', multiline=true)", '> a\n> b'],
      ["'1.2.3' | regex_replace('\\.', '')", '123'],
      ["'node12.lab' | regex_search('\\d+')", '12'],
      ["'node12.lab' | regex_search('x')", null],
      ["'node12.lab' | regex_search('(\\w+?)(\\d+)', '\\2', '\\1')", ['12', 'node']],
      ["'k=v' | regex_search('(?P<key>\\w)=(?P<val>\\w)', '\\g<val>')", ['v']],
      ["'NODE' | regex_search('node', ignorecase=true)", 'NODE'],
      ["'a1b22c333' | regex_findall('\\d+')", ['1', '22', '333']],
      ["'a=1 b=2' | regex_findall('(\\w)=(\\d)')", [['a', '1'], ['b', '2']]],
      ["'a=1 b=2' | regex_findall('\\w=(\\d)')", ['1', '2']],
      ["text | regex_findall('^line', ignorecase=true, multiline=true)", ['Line', 'line']],
    ]);
  });

  it('to_json, to_nice_json, from_json', () => {
    check([
      ['conf | to_json', '{"port": 22, "host": "h1"}'],
      ["[1, 'é', none, true] | to_json", '[1, "\\u00e9", null, true]'],
      ['conf | to_nice_json', '{\n    "host": "h1",\n    "port": 22\n}'],
      ['conf | to_nice_json(indent=2)', '{\n  "host": "h1",\n  "port": 22\n}'],
      ['[] | to_nice_json', '[]'],
      ['\'{"a": [1, 2]}\' | from_json', { a: [1, 2] }],
    ]);
    assert.throws(() => t.evaluate("'{bad' | from_json", vars), /template error in '.*': from_json: /);
  });

  it('to_yaml, to_nice_yaml, from_yaml', () => {
    check([
      ['conf | to_yaml', '{host: h1, port: 22}\n'],
      ["{'a': [1, 2], 'b': {'c': 'yes'}} | to_yaml", "a: [1, 2]\nb: {c: 'yes'}\n"],
      ["'text' | to_yaml", 'text\n...\n'],
      ["{'b': [1], 'a': 'x'} | to_nice_yaml", 'a: x\nb:\n  - 1\n'],
      ["'a: 1\\nb: [on, y]' | from_yaml", { a: 1, b: [true, 'y'] }],
    ]);
  });

  it('b64encode, b64decode, hash, quote', () => {
    check([
      ["'fleetboot' | b64encode", 'ZmxlZXRib290'],
      ["'ZmxlZXRib290' | b64decode", 'fleetboot'],
      ["'héllo' | b64encode | b64decode", 'héllo'],
      ["'abc' | hash('sha1')", 'a9993e364706816aba3e25717850c26c9cd0d89d'],
      ["'abc' | hash('md5')", '900150983cd24fb0d6963f7d28e17f72'],
      [
        "'abc' | hash('sha512')",
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      ],
      ["'simple' | quote", 'simple'],
      ["'two words' | quote", "'two words'"],
      ['"it\'s" | quote', `'it'"'"'s'`],
      ["'' | quote", "''"],
    ]);
  });

  it('basename, dirname', () => {
    check([
      ["'/etc/ssh/sshd_config' | basename", 'sshd_config'],
      ["'/etc/ssh/' | basename", ''],
      ["'file' | basename", 'file'],
      ["'/etc/ssh/sshd_config' | dirname", '/etc/ssh'],
      ["'/etc' | dirname", '/'],
      ["'file' | dirname", ''],
    ]);
  });

  it('ternary', () => {
    check([
      ["true | ternary('yes', 'no')", 'yes'],
      ["[] | ternary('yes', 'no')", 'no'],
      ["nothing | ternary('yes', 'no', 'none')", 'none'],
      ["nothing | ternary('yes', 'no')", 'no'],
    ]);
  });

  it('length, count, first, last, list, unique, sort, min, max, sum', () => {
    check([
      ['users | length', 3],
      ['conf | length', 2],
      ["'héllo' | length", 5],
      ['nums | count', 3],
      ['nums | first', 3],
      ["'abc' | first", 'a'],
      ['nums | last', 2],
      ["'ab' | list", ['a', 'b']],
      ['conf | list', ['port', 'host']],
      ['[1, 2, 1, 3, 2] | unique', [1, 2, 3]],
      ['words | unique', ['b', 'A', 'c']],
      ['words | unique(case_sensitive=true)', ['b', 'A', 'a', 'c']],
      ['nums | sort', [1, 2, 3]],
      ['nums | sort(reverse=true)', [3, 2, 1]],
      ['words | sort', ['A', 'a', 'b', 'c']],
      ["users | sort(attribute='uid') | map(attribute='name') | list", ['bob', 'ann', 'cid']],
      ['nums | min', 1],
      ['nums | max', 3],

      ["(users | max(attribute='uid')).name", 'cid'],
      ['nums | sum', 6],
      ["users | sum(attribute='uid')", 3003],
      ['[[1], [2]] | sum(start=[])', [1, 2]],
    ]);
  });

  it('selectattr, rejectattr, select, reject, map', () => {
    check([
      ["users | selectattr('admin') | map(attribute='name') | list", ['ann', 'cid']],
      ["users | rejectattr('admin') | map(attribute='name') | list", ['bob']],
      ["users | selectattr('uid', '>', 1000) | map(attribute='name') | list", ['ann', 'cid']],
      ["users | selectattr('name', 'equalto', 'bob') | map(attribute='uid') | first", 1000],
      ["users | selectattr('name', 'match', '^[ab]') | map(attribute='name') | list", ['ann', 'bob']],
      ["users | selectattr('groups', 'contains', 'ops') | map(attribute='name') | list", ['cid']],
      ["users | selectattr('shell', 'defined') | list", []],
      ["users | rejectattr('shell', 'defined') | length", 3],
      ['[0, 1, 2, none] | select | list', [1, 2]],
      ["nums | select('odd') | list", [3, 1]],
      ["nums | reject('odd') | list", [2]],
      ["nums | select('>', 1) | list", [3, 2]],
      ["words | map('upper') | list", ['B', 'A', 'A', 'C']],
      ["words | map('replace', 'a', 'z') | list", ['b', 'A', 'z', 'c']],
      ["users | map(attribute='groups.0', default='none') | list", ['wheel', 'none', 'wheel']],
    ]);
    assert.throws(() => t.evaluate("users | map(attribute='shell') | list", vars), /'dict object' has no attribute 'shell'/);
  });

  it('dict2items, items2dict, combine', () => {
    check([
      ['conf | dict2items', [{ key: 'port', value: 22 }, { key: 'host', value: 'h1' }]],
      ["conf | dict2items(key_name='k', value_name='v')", [{ k: 'port', v: 22 }, { k: 'host', v: 'h1' }]],
      ["[{'key': 'a', 'value': 1}] | items2dict", { a: 1 }],
      ["users | items2dict(key_name='name', value_name='uid')", { ann: 1001, bob: 1000, cid: 1002 }],
      ["conf | combine({'port': 2222, 'user': 'core'})", { port: 2222, host: 'h1', user: 'core' }],
      ["{'a': {'x': 1}} | combine({'a': {'y': 2}})", { a: { y: 2 } }],
      ["{'a': {'x': 1}} | combine({'a': {'y': 2}}, recursive=true)", { a: { x: 1, y: 2 } }],
      ["{'a': [1]} | combine({'a': [2]}, list_merge='append')", { a: [1, 2] }],
      ["[{'a': 1}, {'b': 2}] | combine", { a: 1, b: 2 }],
    ]);
    assert.throws(() => t.evaluate('[1] | dict2items', vars), /dict2items requires a dictionary, got list instead/);
  });

  it('mandatory', () => {
    assert.equal(t.evaluate('conf | mandatory', vars), vars.conf);
    assert.throws(() => t.evaluate('secret | mandatory', vars), /Mandatory variable 'secret' not defined\./);
  });

  it('set operations and flatten', () => {
    check([
      ['[1, [2, [3, none]]] | flatten', [1, 2, 3]],
      ['[1, [2, [3]]] | flatten(levels=1)', [1, 2, [3]]],
      ['[1, 2, 3] | difference([2])', [1, 3]],
      ['[1, 2, 3] | intersect([3, 2, 9])', [2, 3]],
      ['[1, 2] | union([2, 3])', [1, 2, 3]],
      ["['a', 'b'] | zip([1, 2]) | list", [['a', 1], ['b', 2]]],
    ]);
  });

  it('ansible.builtin. names work too', () => {
    check([["'A' | ansible.builtin.lower", 'a']]);
  });
});
