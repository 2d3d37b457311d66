import assert from 'node:assert/strict';
import { compareVersions } from '../../src/playbook/version-compare.js';
import { editDistance, suggest } from '../../src/playbook/suggest.js';
import { Templar } from '../../src/playbook/template.js';

const t = new Templar();
const vars = {
  ok: { changed: false, failed: false, rc: 0 },
  bad: { changed: true, failed: true, rc: 2, msg: 'boom' },
  skip: { changed: false, skipped: true },
  looped: { results: [{ changed: false }, { changed: true }] },
  name: 'worker-07',
  n: 4,
  list: [1, 2],
  dict: { a: 1 },
  nothing: null,
};

function check(cases: [string, boolean][]): void {
  for (const [expr, expected] of cases) assert.equal(t.evaluate(expr, vars), expected, expr);
}

describe('tests (is ...)', () => {
  it('defined, undefined, none', () => {
    check([
      ['name is defined', true],
      ['nope is defined', false],
      ['nope is undefined', true],
      ['nothing is none', true],
      ['name is none', false],
      ['nothing is not none', false],
    ]);
  });

  it('failed, succeeded/success, changed, skipped', () => {
    check([
      ['bad is failed', true],
      ['ok is failed', false],
      ['ok is succeeded', true],
      ['ok is success', true],
      ['bad is successful', false],
      ['bad is changed', true],
      ['ok is changed', false],
      ['looped is changed', true],
      ['skip is skipped', true],
      ['ok is skipped', false],
    ]);
    assert.throws(() => t.evaluate('name is failed', vars), /the 'failed' test expects a dictionary \(a registered result\), got str/);
  });

  it('match, search, regex', () => {
    check([
      ["name is match('worker')", true],
      ["name is match('07')", false],
      ["name is search('07')", true],
      ["name is search('^\\w+-\\d+$')", true],
      ["name is match('WORKER', ignorecase=true)", true],
      ["name is regex('ker-0')", true],
      ["name is regex('ker', match_type='match')", false],
    ]);
  });

  it('string, number, mapping, iterable, in', () => {
    check([
      ['name is string', true],
      ['n is string', false],
      ['n is number', true],
      ['1.5 is number', true],
      ["'4' is number", false],
      ['dict is mapping', true],
      ['list is mapping', false],
      ['list is iterable', true],
      ['name is iterable', true],
      ['n is iterable', false],
      ['2 is in list', true],
      ['5 is in(list)', false],
      ["'a' is in dict", true],
    ]);
  });

  it('version(x, op)', () => {
    check([
      ["'4.16.2' is version('4.16', '>')", true],
      ["'4.16.2' is version('4.16.10', '<')", true],
      ["'4.9' is version('4.16', 'lt')", true],
      ["'1.0' is version('1.0', '==')", true],
      ["'1.0' is version('1.0')", true],
      ["'2.0' is version('1.0', operator='ge')", true],
      ["'1.2' is version('1.2', '!=')", false],
      ["'1.0.1' is version_compare('1.0', '>=')", true],
    ]);
    assert.throws(() => t.evaluate("'1' is version('2', 'bigger')", vars), /version: invalid operator 'bigger'/);
    assert.ok(compareVersions('1.0rc1', '1.0.1') < 0);
    assert.equal(compareVersions('1.02', '1.2'), 0);
  });

  it("Jinja2's one-argument form and comparison tests", () => {
    check([
      ['n is divisibleby 2', true],
      ['n is even', true],
      ['n is odd', false],
      ['n is gt 3', true],
      ['n is equalto 4', true],
      ['nothing is sameas none', true],
      ['true is true', true],
      ['list is subset([1, 2, 3])', true],
      ["'abc' is lower", true],
    ]);
  });
});

describe('did you mean', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    assert.equal(editDistance('whne', 'when'), 1);
    assert.equal(editDistance('comand', 'command'), 1);
    assert.equal(editDistance('abc', 'abc'), 0);
  });

  it('suggests the closest name within about one edit per three letters', () => {
    assert.equal(suggest('whne', ['name', 'when', 'register']), 'when');
    assert.equal(suggest('regsiter', ['register', 'retries']), 'register');
    assert.equal(suggest('Name', ['name']), 'name');
    assert.equal(suggest('xyz', ['name', 'when']), undefined);
    assert.equal(suggest('ansible.builtin.comand', ['command', 'shell']), 'ansible.builtin.command');
  });
});
