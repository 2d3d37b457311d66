import assert from 'node:assert/strict';
import { Templar, TemplateError } from '../../src/playbook/template.js';
import type { NjEnvironment } from '../../src/playbook/nunjucks-internals.js';

// Jinja2's built-in filters and operators, which nunjucks also ships under the same names with
// other results. Each expected text is what Jinja2 3.1.6 renders for the same template and
// variables (checked with Python's jinja2 when these cases were written).
const t = new Templar();
const vars = {
  name: 'web1',
  nums: [3, 1, 2],
  conf: { b: 2, a: 1, C: 3 },
  users: [
    { name: 'ann', g: 'adm' },
    { name: 'bob', g: 'Dev' },
    { name: 'cid', g: 'adm' },
    { name: 'dan', g: 'dev' },
  ],
  text: 'The quick brown fox jumps over the lazy dog',
  nothing: null,
  on: true,
};
const where = { file: 'site.yml', line: 7, col: 11 };

const AS_JINJA2_RENDERS: [string, string][] = [
  ["{{ 3.7 | round }}", "4.0"],
  ["{{ 3 | round }}", "3"],
  ["{{ 2.5 | round }} {{ 3.5 | round }}", "2.0 4.0"],
  ["{{ 2.675 | round(2) }}", "2.67"],
  ["{{ 1.2 | round(0, 'floor') }} {{ 1.2 | round(0, 'ceil') }}", "1.0 2.0"],
  ["{{ 1234.5 | round(-2) }}", "1200.0"],
  ["{{ 42.195 | round(1, 'floor') }}", "42.1"],
  ["{{ -3 | abs }} {{ -2.5 | abs }} {{ 2.0 | abs }}", "3 2.5 2.0"],
  ["{{ 'hello big world' | truncate(9) }}", "hello..."],
  ["{{ 'hello big world' | truncate(9, True, '..', 0) }}", "hello b.."],
  ["{{ 'hello big world' | truncate(12) }}", "hello big world"],
  ["{{ 'hello big world and more' | truncate(12) }}", "hello..."],
  ["{{ 'short' | truncate(3, leeway=0) }}", "..."],
  ["{{ 'one two, three-four' | wordcount }}", "4"],
  ["{{ '' | wordcount }}", "0"],
  ["[{{ 'ab' | center(7) }}] [{{ 'abc' | center(8) }}] [{{ 'abcdef' | center(3) }}]", "[   ab  ] [  abc   ] [abcdef]"],
  ["{{ 'a\nb\n\nc' | indent(2) }}", "a\n  b\n\n  c"],
  ["{{ 'a\nb\n\nc\n' | indent(2, true, true) }}", "  a\n  b\n  \n  c\n  "],
  ["{{ 'a\nb' | indent('> ') }}", "a\n> b"],
  ["{{ 'a\nb' | indent(first=true) }}", "    a\n    b"],
  ["{{ 'hello-world foo(bar) [x]y <z' | title }}", "Hello-World Foo(Bar) [X]y <Z"],
  ["{{ 'hELLO World' | capitalize }}", "Hello world"],
  ["{{ '<p>Hi &amp; <b>bye</b>\n  now</p><!-- x <b> -->' | striptags }}", "Hi & bye now"],
  ["{{ 'a b/c&d~é' | urlencode }}", "a%20b/c%26d~%C3%A9"],
  ["{{ {'a b': 1, 'c': 'd&e'} | urlencode }}", "a+b=1&c=d%26e"],
  ["{{ [['k', 'v w'], ['x', 1]] | urlencode }}", "k=v+w&x=1"],
  ["{{ text | wordwrap(10) }}", "The quick\nbrown fox\njumps over\nthe lazy\ndog"],
  ["{{ 'a well-known fact-checker supercalifragilistic' | wordwrap(8) }}", "a well-\nknown\nfact-\nchecker \nsupercal\nifragili\nstic"],
  ["{{ 'abcdefghijklmnop qr' | wordwrap(5, false) }}", "abcdefghijklmnop\nqr"],
  ["{{ 'x  y   z\n\nline two here' | wordwrap(4, wrapstring='|') }}", "x  y|z||line|two|here"],
  ["{{ 'well-known' | wordwrap(6, break_on_hyphens=false) }}", "well-k\nnown"],
  ["{{ 1000000 | filesizeformat }}|{{ 1048576 | filesizeformat(true) }}|{{ 300 | filesizeformat }}|{{ 1 | filesizeformat }}|{{ 1250 | filesizeformat }}|{{ 123456789012 | filesizeformat }}|{{ '2048' | filesizeformat(true) }}", "1.0 MB|1.0 MiB|300 Bytes|1 Byte|1.2 kB|123.5 GB|2.0 KiB"],
  ["{{ '<a href=\"x\">&\\'' | e }}|{{ '<b>' | escape }}|{{ '<b>' | forceescape }}|{{ 'x' | safe }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;|&lt;b&gt;|&lt;b&gt;|x"],
  ["{{ '%s-%d' | format(name, 1) }}", "web1-1"],
  ["{{ '%(x)s+%(y)03d' | format(x='p', y=2) }}", "p+002"],
  ["{{ '%5.2f|%-6d|%+d|%x|%X|%#o' | format(3.14159, 42, 7, 255, 255, 8) }}", " 3.14|42    |+7|ff|FF|0o10"],
  ["{{ '%e %g %G %g' | format(0.000123, 123456789, 0.00001, 100.0) }}", "1.230000e-04 1.23457e+08 1E-05 100"],
  ["{{ '%.3s|%r|%%|%c' | format('abcdef', 'q', 65) }}", "abc|'q'|%|A"],
  ["{{ nums | batch(2) | list }}", "[[3, 1], [2]]"],
  ["{{ nums | batch(2, 0) | list }}", "[[3, 1], [2, 0]]"],
  ["{{ [1,2,3,4,5] | slice(2) | list }}", "[[1, 2, 3], [4, 5]]"],
  ["{{ [1,2,3,4,5,6,7] | slice(3, 'x') | list }}", "[[1, 2, 3], [4, 5, 'x'], [6, 7, 'x']]"],
  ["{% for g, items in users | groupby('g') %}{{ g }}:{{ items | map(attribute='name') | join(',') }} {% endfor %}", "adm:ann,cid Dev:bob,dan "],
  ["{% for grp in users | groupby('g', case_sensitive=true) %}{{ grp.grouper }}={{ grp.list | length }} {% endfor %}", "Dev=1 adm=2 dev=1 "],
  ["{{ conf | dictsort }}", "[('a', 1), ('b', 2), ('C', 3)]"],
  ["{{ conf | dictsort(true) }}", "[('C', 3), ('a', 1), ('b', 2)]"],
  ["{{ conf | dictsort(by='value', reverse=true) }}", "[('C', 3), ('b', 2), ('a', 1)]"],
  ["{{ nums | reverse | list }} {{ 'abc' | reverse }}", "[2, 1, 3] cba"],
  ["{{ conf | items | list }}", "[('b', 2), ('a', 1), ('C', 3)]"],
  ["{{ 'x' * 3 }} {{ 3 * 'ab' }} {{ [1, 2] * 2 }} {{ 'x' * 0 }}{{ 'y' * -1 }}|", "xxx ababab [1, 2, 1, 2] |"],
  ["{{ 4 / 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7.5 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 2 }}", "2.0 3.5 3 -4 3.0 2 -2 1024 0.5 4.0"],
  ["{{ '%s-%05.1f' % (name, 3.14159) }} {{ '%s' % nums }} {{ '%(a)s' % {'a': 1} }} {{ 'n=%d' % 5 }}", "web1-003.1 [3, 1, 2] 1 n=5"],
  ["{{ ('a', 1) }} {{ (1) }} {{ 3.0 }} {{ -1.0 }} {{ 1.5 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 0.00001 }} {{ 10 / 4 }} {{ (2.5 | round) * 2 }} {{ 1 + 1.0 }} {{ 3.0 == 3 }}", "('a', 1) 1 3.0 -1.0 1.5 0.30000000000000004 0.3333333333333333 1e-05 2.5 4.0 2.0 True"],
  ["[{{ nothing }}] {{ none }}/{{ None }} {{ True }}/{{ False }}/{{ on }} {{ nothing ~ 'x' }}", "[None] None/None True/False/True Nonex"],
  ["{{ '3' | float }} {{ 'z' | float }} {{ 'z' | float(1) }} {{ 2.0 | int }} {{ '3.0' | float | int }}", "3.0 0.0 1 2 3"],
  ["{{ 'int' is filter }} {{ 'nope' is filter }} {{ 'defined' is test }} {{ 3.0 is float }} {{ 3 is float }} {{ True is number }}", "True False True True False True"],
];

/** A Templar with one extra filter, to see what happens to values JavaScript makes up. */
function withFilter(name: string, fn: () => unknown): Templar {
  const templar = new Templar();
  (templar as unknown as { env: NjEnvironment }).env.addFilter(name, fn);
  return templar;
}

describe('Jinja2 built-in filters and operators', () => {
  it('render as Jinja2 renders them', () => {
    for (const [template, expected] of AS_JINJA2_RENDERS) assert.equal(t.renderString(template, vars), expected, template);
  });

  it('give native values where a template is one expression', () => {
    assert.equal(t.render('{{ 3.7 | round }}', vars), 4);
    assert.equal(t.render("{{ 'x' * 3 }}", vars), 'xxx');
    assert.deepEqual(t.render('{{ [3.7 | round, 2.0] }}', vars), [4, 2]);
    assert.deepEqual(t.render("{{ ('a', 1) }}", vars), ['a', 1]);
    assert.deepEqual(t.render('{{ conf | dictsort }}', vars), [['a', 1], ['b', 2], ['C', 3]]);
    assert.equal(t.render('{{ none }}', vars), null);
    assert.equal(t.render('{{ None }}', vars), null);
    assert.equal(t.evaluate('4 / 2', vars), 2);
    // Whole floats keep their '.0' in JSON and YAML text, as Python writes them.
    assert.equal(t.render('{{ [3.7 | round, 2] | to_json }}', vars), '[4.0, 2]');
    assert.equal(t.render("{{ {'x': '2' | float} | to_yaml }}", vars), '{x: 2.0}\n');
  });

  describe('random, as Ansible has it', () => {
    it('an int N gives 0..N-1, in text too', () => {
      for (let i = 0; i < 50; i++) {
        const n = t.render('{{ 10 | random }}', vars);
        assert.ok(typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 10, String(n));
      }
      assert.match(t.renderString('echo {{ 100 | random }}', vars), /^echo \d{1,2}$/);
      assert.match(t.renderString('A {{ 99999 | random }} B', vars), /^A \d+ B$/);
      assert.equal(t.render('{{ 1 | random }}', vars), 0);
    });

    it('a list gives one of its items; start and step pick from a range', () => {
      for (let i = 0; i < 20; i++) {
        assert.ok([3, 1, 2].includes(t.render('{{ nums | random }}', vars) as number));
        const n = t.render('{{ 10 | random(start=5, step=2) }}', vars);
        assert.ok([5, 7, 9].includes(n as number), String(n));
        assert.ok(['a', 'b'].includes(t.render("{{ 'ab' | random }}", vars) as string));
      }
    });

    it('the same seed gives the same number (spreading cron minutes over hosts)', () => {
      const first = t.render("{{ 59 | random(seed='web1') }}", vars);
      for (let i = 0; i < 5; i++) assert.equal(t.render('{{ 59 | random(seed=name) }}', vars), first);
      const spread = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((h) => t.render(`{{ 1000 | random(seed='${h}') }}`, vars)));
      assert.ok(spread.size > 1);
    });

    it('fails clearly on what it cannot choose from', () => {
      assert.throws(() => t.render('{{ [] | random }}', vars, where), /random: cannot choose from an empty sequence/);
      assert.throws(() => t.render('{{ conf | random }}', vars, where), /random can only be used on integers and lists, got a dict/);
      assert.throws(() => t.render('{{ 0 | random }}', vars, where), /random: empty range/);
      assert.throws(() => t.render('{{ 2.5 | random }}', vars, where), /random can only be used on integers and lists, got float 2.5/);
    });
  });

  it('round takes only common, ceil or floor', () => {
    assert.throws(() => t.render("{{ 1.5 | round(0, 'up') }}", vars), /round: method must be common, ceil or floor, got 'up'/);
    assert.throws(() => t.render("{{ 'x' | round }}", vars), /round: expected a number, got str x/);
  });

  it('operators fail as Python does rather than give NaN', () => {
    const cases: [string, string][] = [
      ["'x' - 1", "unsupported operand type(s) for -: 'str' and 'int'"],
      ["'x' * 1.5", "can't multiply sequence by non-int of type 'float'"],
      ['{} * 2', "unsupported operand type(s) for *: 'dict' and 'int'"],
      ['1 / 0', 'ZeroDivisionError: division by zero'],
      ['5 % 0', 'ZeroDivisionError: integer division or modulo by zero'],
      ["-'a'", "bad operand type for unary -: 'str'"],
      ["'%d' % 'x'", '%d format: a real number is required, not str'],
      ["'%s %s' % name", 'not enough arguments for format string'],
      ["'%s' % (1, 2)", 'not all arguments converted during string formatting'],
    ];
    for (const [expr, reason] of cases) {
      assert.throws(() => t.evaluate(expr, vars, where), { message: `site.yml:7:11: template error in '${expr}': ${reason}` }, expr);
    }
  });

  it("nunjucks' filters and tests without a Jinja2 equivalent do not exist", () => {
    for (const name of ['dump', 'nl2br', 'urlize']) {
      assert.throws(() => t.render(`{{ 'x' | ${name} }}`, vars, where), {
        message: `site.yml:7:11: template error in '{{ 'x' | ${name} }}': no filter named '${name}'`,
      });
    }
    assert.throws(() => t.evaluate('1 is escaped', vars), TemplateError);
    assert.throws(() => t.evaluate('1 is escaped', vars), /no test named 'escaped'/);
  });

  it('an expression giving no value or NaN is an error naming it, never empty text', () => {
    assert.throws(() => t.render("A {{ 'nan' | float }} B", vars, where), {
      message: "site.yml:7:11: template error in 'A {{ 'nan' | float }} B': {{ 'nan' | float }} is not a number (NaN)",
    });
    const none = withFilter('nothing_at_all', () => undefined);
    assert.throws(() => none.render('x={{ 1 | nothing_at_all }}', vars), {
      message: "template error in 'x={{ 1 | nothing_at_all }}': filter 'nothing_at_all' gave no value",
    });
    const nan = withFilter('not_a_number', () => NaN);
    assert.throws(() => nan.render('x={{ 1 | not_a_number }} y', vars), {
      message: "template error in 'x={{ 1 | not_a_number }} y': {{ 1 | not_a_number }} is not a number (NaN)",
    });
    assert.throws(() => nan.render('{{ 1 | not_a_number }}', vars), /is not a number \(NaN\)/);
  });
});
