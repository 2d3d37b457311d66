import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../src/core/errors.js';
import { markUnsafe, OMIT, removeOmitted, Templar, TemplateError } from '../../src/playbook/template.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'playbook');
const where = { file: 'site.yml', line: 12, col: 9 };

describe('Templar', () => {
  const t = new Templar({ baseDir: fixtures, environ: { FLEET_TOKEN: 's3cret' } });
  const vars = {
    name: 'node1',
    count: 3,
    ratio: 0.5,
    on: true,
    nothing: null,
    list: ['a', 'b'],
    empty: [],
    dict: { x: 1, y: 'two', nested: { z: [1, 2] } },
    nodes: [
      { name: 'a', role: 'master', ok: true },
      { name: 'b', role: 'worker', ok: false },
    ],
  };

  describe('rendering', () => {
    it('returns the native value of a template that is one expression', () => {
      assert.deepEqual(t.render('{{ list }}', vars), ['a', 'b']);
      assert.deepEqual(t.render('{{ dict }}', vars), vars.dict);
      assert.equal(t.render('{{ count }}', vars), 3);
      assert.equal(t.render('{{ ratio * 2 }}', vars), 1);
      assert.equal(t.render('{{ on }}', vars), true);
      assert.equal(t.render('{{ nothing }}', vars), null);
      assert.equal(t.render('{{ none }}', vars), null);
      assert.equal(t.render('{{ None }}', vars), null);
      assert.equal(t.render('{{ True }}', vars), true);
      assert.equal(t.render('{{ false }}', vars), false);
      assert.equal(t.render("{{ '5' }}", vars), '5');
      assert.deepEqual(t.render("{{ {'a': {'b': 1}} }}", vars), { a: { b: 1 } });
    });

    it('renders text around expressions as Python prints values', () => {
      assert.equal(t.render('host {{ name }} has {{ count }}', vars), 'host node1 has 3');
      assert.equal(t.render('{{ list }} ', vars), "['a', 'b'] ");
      assert.equal(t.render('d={{ dict.nested }}', vars), "d={'z': [1, 2]}");
      assert.equal(t.render('b={{ on }}', vars), 'b=True');
      // None prints as None inside text, as in Jinja2 (and ansible-core 2.19); `~` uses str() too.
      assert.equal(t.render('[{{ nothing }}]', vars), '[None]');
      assert.equal(t.render('a {{ none }} {{ None }} b', vars), 'a None None b');
      assert.equal(t.render('{{ True }}/{{ false }}/{{ on }}', vars), 'True/False/True');
      assert.equal(t.render("{{ 'x' ~ nothing ~ count }}", vars), 'xNone3');
      assert.equal(t.renderString('{{ count }}', vars), '3');
      assert.equal(t.renderString('plain', vars), 'plain');
    });

    it('renders mappings and lists deeply, leaving non-templates alone', () => {
      const input = { cmd: 'echo {{ name }}', argv: ['{{ count }}', 'x'], n: 5, deep: { flag: '{{ on }}' } };
      assert.deepEqual(t.render(input, vars), { cmd: 'echo node1', argv: [3, 'x'], n: 5, deep: { flag: true } });
      const plain = { a: [1, { b: 'c' }] };
      assert.equal(t.render(plain, vars), plain);
    });

    it('supports attribute and item access, slices and Python methods', () => {
      assert.equal(t.evaluate('dict.y', vars), 'two');
      assert.equal(t.evaluate("dict['y']", vars), 'two');
      assert.deepEqual(t.evaluate('dict.nested.z[-1]', vars), 2);
      assert.deepEqual(t.evaluate('list[1:]', vars), ['b']);
      assert.equal(t.evaluate("name[:4]", vars), 'node');
      assert.equal(t.evaluate("name.startswith('no')", vars), true);
      assert.deepEqual(t.evaluate("'a, b'.split(', ')", vars), ['a', 'b']);
      assert.deepEqual(t.evaluate('dict.keys() | list', vars), ['x', 'y', 'nested']);
      assert.deepEqual(t.evaluate("dict.get('missing', 'd')", vars), 'd');
      assert.equal(t.evaluate("'{}-{}'.format(name, count)", vars), 'node1-3');
    });

    it('follows Python semantics for operators', () => {
      assert.equal(t.evaluate('count in [1, 2, 3]', vars), true);
      assert.equal(t.evaluate("'od' in name", vars), true);
      assert.equal(t.evaluate("'x' in dict", vars), true);
      assert.equal(t.evaluate("'q' not in dict", vars), true);
      assert.equal(t.evaluate('not empty', vars), true);
      assert.equal(t.evaluate('empty or list', vars), vars.list);
      assert.equal(t.evaluate('count and name', vars), 'node1');
      assert.deepEqual(t.evaluate('list + [1]', vars), ['a', 'b', 1]);
      assert.equal(t.evaluate("list == ['a', 'b']", vars), true);
      assert.equal(t.evaluate("count == '3'", vars), false);
      assert.equal(t.evaluate('1 < count <= 3', vars), true);
      assert.equal(t.evaluate('name ~ "-" ~ count', vars), 'node1-3');
      assert.equal(t.evaluate("'yes' if on else 'no'", vars), 'yes');
      assert.equal(t.evaluate('nothing is not none', vars), false);
      assert.equal(t.evaluate('7 // 2', vars), 3);
    });

    it('runs statements, iterating dicts by key as Jinja2 does', () => {
      assert.equal(t.render('{% for n in list %}{{ loop.index }}={{ n }} {% endfor %}', vars), '1=a 2=b ');
      assert.equal(t.render('{% for k in dict %}{{ k }},{% endfor %}', vars), 'x,y,nested,');
      assert.equal(t.render('{% for k, v in dict.items() %}{% if v is number %}{{ k }}{% endif %}{% endfor %}', vars), 'x');
      assert.equal(t.render('{% if empty %}yes{% else %}no{% endif %}', vars), 'no');
      assert.equal(t.render('{% set n = count + 1 %}{{ n }}', vars), '4');
      // trim_blocks, as Ansible sets it: the newline after a block tag is dropped.
      assert.equal(t.render('{% if on %}\nline\n{% endif %}\nend', vars), 'line\nend');
    });

    it('keeps backslashes of regexes written in a template', () => {
      assert.equal(t.evaluate("'a1b22' | regex_replace('\\d+', '#')", vars), 'a#b#');
      assert.equal(t.evaluate("'x' ~ '\\n' ~ 'y'", vars), 'x\ny');
    });
  });

  describe('errors', () => {
    it('an undefined variable names the position, the template and the variable', () => {
      assert.throws(() => t.render('echo {{ nope }}', vars, where), (err: unknown) => {
        assert.ok(err instanceof TemplateError);
        assert.equal(err.message, "site.yml:12:9: template error in 'echo {{ nope }}': 'nope' is undefined");
        assert.equal(err.exitCode, ExitCode.ERROR);
        assert.equal(err.reason, "'nope' is undefined");
        return true;
      });
    });

    it('undefined values fail wherever they are used, as with StrictUndefined', () => {
      const cases: [string, string][] = [
        ['nope | upper', "'nope' is undefined"],
        ['nope == 1', "'nope' is undefined"],
        ['dict.nope', "'dict object' has no attribute 'nope'"],
        ['dict.nope.deeper', "'dict object' has no attribute 'nope'"],
        ['list[5]', 'list object has no element 5'],
        ['nothing.x', "'None' has no attribute 'x'"],
        ['empty | first | upper', 'No first item, sequence was empty.'],
        ['nope(1)', "'nope' is undefined"],
      ];
      for (const [expr, reason] of cases) {
        assert.throws(() => t.evaluate(expr, vars, where), { message: `site.yml:12:9: template error in '${expr}': ${reason}` }, expr);
      }
    });

    it('a syntax error names the template', () => {
      assert.throws(() => t.render('{{ name name }}', vars, where), {
        message: "site.yml:12:9: template error in '{{ name name }}': syntax error: expected variable end",
      });
      assert.throws(() => t.evaluate('a is', vars), TemplateError);
    });

    it('an unknown filter or test says so', () => {
      assert.throws(() => t.evaluate('name | frobnicate', vars), { message: "template error in 'name | frobnicate': no filter named 'frobnicate'" });
      assert.throws(() => t.evaluate('name is frobnicated', vars), { message: "template error in 'name is frobnicated': no test named 'frobnicated'" });
    });

    it('names inherited from Object are not variables, filters or tests', () => {
      assert.throws(() => t.isTrue(['constructor'], {}), { message: "template error in 'constructor': 'constructor' is undefined" });
      assert.throws(() => t.evaluate('1 | constructor', {}), { message: "template error in '1 | constructor': no filter named 'constructor'" });
      assert.throws(() => t.evaluate('1 is constructor', {}), { message: "template error in '1 is constructor': no test named 'constructor'" });
    });

    it('shows a multi-line template on one line', () => {
      assert.throws(() => t.render('a\n{{ nope }}', vars), { message: "template error in 'a\\n{{ nope }}': 'nope' is undefined" });
    });
  });

  describe('undefined-tolerant forms', () => {
    it('is defined / is undefined / default / mandatory', () => {
      assert.equal(t.evaluate('nope is defined', vars), false);
      assert.equal(t.evaluate('nope is undefined', vars), true);
      assert.equal(t.evaluate('nope is not defined', vars), true);
      assert.equal(t.evaluate('dict.nope is defined', vars), false);
      assert.equal(t.evaluate('nope.deeper.still is defined', vars), false);
      assert.equal(t.evaluate('dict.x is defined', vars), true);
      assert.equal(t.evaluate('nothing is defined', vars), true);
      assert.equal(t.evaluate("nope | default('d')", vars), 'd');
      assert.equal(t.evaluate("nope.x | d('d')", vars), 'd');
      assert.equal(t.evaluate('nope is defined and nope > 1', vars), false);
      assert.throws(() => t.evaluate('nope | mandatory', vars), { message: "template error in 'nope | mandatory': Mandatory variable 'nope' not defined." });
      assert.throws(() => t.evaluate("nope | mandatory('set nope')", vars), { message: "template error in 'nope | mandatory('set nope')': set nope" });
    });
  });

  describe('conditions (isTrue)', () => {
    const result = { failed: false, changed: true, rc: 0, stdout: 'ok' };
    const cv = { ...vars, result, flag: 'false', yes_var: 'yes' };

    it('all conditions must hold', () => {
      assert.equal(t.isTrue(undefined, cv), true);
      assert.equal(t.isTrue([], cv), true);
      assert.equal(t.isTrue(['result.rc == 0', "'ok' in result.stdout"], cv), true);
      assert.equal(t.isTrue(['result.rc == 0', 'result.rc == 1'], cv), false);
    });

    it('uses Python truthiness for bare variables', () => {
      assert.equal(t.isTrue(['on'], cv), true);
      assert.equal(t.isTrue(['empty'], cv), false);
      assert.equal(t.isTrue(['list'], cv), true);
      assert.equal(t.isTrue(['nothing'], cv), false);
      assert.equal(t.isTrue(['count'], cv), true);
      // A non-empty string is true, as in Ansible: use `| bool` to read it as a boolean.
      assert.equal(t.isTrue(['flag'], cv), true);
      assert.equal(t.isTrue(['flag | bool'], cv), false);
    });

    it('reads literal true/false words', () => {
      for (const w of ['true', 'True', 'yes', 'on']) assert.equal(t.isTrue([w], cv), true, w);
      for (const w of ['false', 'False', 'no', 'off']) assert.equal(t.isTrue([w], cv), false, w);
    });

    it('tests registered results', () => {
      assert.equal(t.isTrue(['result is succeeded', 'result is changed', 'result is not failed'], cv), true);
      assert.equal(t.isTrue(['result is failed'], cv), false);
      assert.equal(t.isTrue(['result is skipped'], cv), false);
    });

    it('accepts a templated condition as Ansible does', () => {
      assert.equal(t.isTrue(['{{ on }}'], cv), true);
      assert.equal(t.isTrue(['{{ flag }}'], cv), false);
      assert.equal(t.isTrue(['{{ count > 5 }}'], cv), false);
    });

    it('fails on an undefined variable, naming the condition', () => {
      assert.throws(() => t.isTrue(['nope'], cv, where), { message: "site.yml:12:9: template error in 'nope': 'nope' is undefined" });
    });
  });

  describe('loops', () => {
    it('renders each item with the loop variable', () => {
      const items = t.render('{{ nodes | selectattr("ok") | map(attribute="name") | list }}', vars) as unknown[];
      assert.deepEqual(items, ['a']);
      const rendered = (vars.nodes as unknown[]).map((item) => t.render('{{ item.name }}-{{ item.role }}', { ...vars, item }));
      assert.deepEqual(rendered, ['a-master', 'b-worker']);
      const custom = ['x', 'y'].map((pkg) => t.render('install {{ pkg }}', { ...vars, pkg }));
      assert.deepEqual(custom, ['install x', 'install y']);
    });
  });

  describe('omit', () => {
    it('renders to a marker that removeOmitted drops', () => {
      assert.equal(t.render('{{ omit }}', vars), OMIT);
      const args = t.render({ path: '/x', mode: '{{ nope | default(omit) }}', list: ['a', '{{ omit }}'] }, vars);
      assert.deepEqual(args, { path: '/x', mode: OMIT, list: ['a', OMIT] });
      assert.deepEqual(removeOmitted(args), { path: '/x', list: ['a'] });
    });
  });

  describe('variables that are templates themselves', () => {
    it('are rendered when used', () => {
      const v = { host: 'h1', url: 'https://{{ host }}:{{ port }}/', port: 6443, urls: ['{{ url }}api'] };
      assert.equal(t.render('{{ url }}', v), 'https://h1:6443/');
      assert.deepEqual(t.render('{{ urls }}', v), ['https://h1:6443/api']);
      assert.equal(t.evaluate('port is number', { port: '{{ 6443 }}' }), true);
    });

    it('may be layered with prototypes, without copying', () => {
      const group = { region: 'eu', port: 22 };
      const host: Record<string, unknown> = Object.create(group) as Record<string, unknown>;
      host['port'] = 2222;
      assert.equal(t.render('{{ region }}:{{ port }}', host), 'eu:2222');
      assert.equal(t.evaluate('constructor is defined', host), false);
      assert.equal(t.evaluate('toString is defined', {}), false);
    });

    it('name the variable whose template fails', () => {
      assert.throws(() => t.render('{{ url }}', { url: 'https://{{ hots }}/' }), {
        message: "template error in '{{ url }}': 'hots' is undefined (in variable 'url')",
      });
      assert.equal(t.evaluate("url | default('none')", { url: '{{ hots }}' }), 'none');
    });

    it('detect loops', () => {
      assert.throws(() => t.render('{{ a }}', { a: '{{ b }}', b: '{{ a }}' }), {
        message: "template error in '{{ a }}': recursive loop detected in template: a -> b -> a",
      });
    });

    it('are not rendered when marked unsafe (registered output)', () => {
      const result = markUnsafe({ stdout: 'literal {{ braces }}' });
      assert.equal(t.render('{{ result.stdout }}', { result }), 'literal {{ braces }}');
      assert.equal(t.render('{{ result }}', { result }), result);
    });
  });

  describe('lookups', () => {
    it('reads environment variables and files relative to the base dir', () => {
      assert.equal(t.evaluate("lookup('env', 'FLEET_TOKEN')", {}), 's3cret');
      assert.equal(t.evaluate("lookup('env', 'FLEET_NOPE')", {}), '');
      assert.equal(t.evaluate("lookup('env', 'FLEET_NOPE', default='x')", {}), 'x');
      assert.deepEqual(t.evaluate("lookup('ansible.builtin.file', 'extra-vars.json') | from_json", {}), {
        release: '4.16',
        nodes: 3,
        flags: { fips: true },
      });
      assert.throws(() => t.evaluate("lookup('file', 'nope.txt')", {}), {
        message: `template error in 'lookup('file', 'nope.txt')': lookup('file'): could not read 'nope.txt' (looked at ${join(fixtures, 'nope.txt')})`,
      });
      assert.deepEqual(t.evaluate("query('env', 'FLEET_TOKEN')", {}), ['s3cret']);
    });
  });

  describe('caching', () => {
    it('compiles each template text once and renders it per variables', () => {
      const c = new Templar();
      const before = c.cachedTemplates;
      const results = Array.from({ length: 1000 }, (_, i) => c.isTrue(['n % 2 == 0', 'n is number'], { n: i }));
      assert.equal(results.filter(Boolean).length, 500);
      assert.equal(c.cachedTemplates - before, 2);
      assert.equal(c.render('{{ n }}', { n: 1 }), 1);
      assert.equal(c.render('{{ n }}', { n: 'x' }), 'x');
      assert.equal(c.renderString('{{ n }}', { n: 2 }), '2');
    });
  });
});
