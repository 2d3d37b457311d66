import assert from 'node:assert/strict';
import { ExitCode } from '../../src/core/errors.js';
import { markUnsafe, Templar, TemplateError } from '../../src/playbook/template.js';

// The planner checks every template before any host is touched: syntax, and the names of
// filters, tests and lookup plugins. Nothing renders, so no variable needs to exist.
const t = new Templar();
const where = { file: 'site.yml', line: 14, col: 7 };

function rejects(fn: () => void, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.exitCode, ExitCode.ERROR);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

describe('checking templates without rendering', () => {
  it('accepts good templates whatever their variables, deeply', () => {
    t.checkTemplates({ cmd: 'echo {{ undefined_here | upper }}', argv: ['{{ x | random }}', 3, null], deep: { m: "{{ lookup('env', 'HOME') }}" } }, where);
    t.checkTemplates('{% for u in users | selectattr("admin") %}{{ u.name | ansible.builtin.quote }}{% endfor %}', where);
    t.checkTemplates('{% filter upper %}x{% endfilter %} plain', where);
    t.checkTemplates(42, where);
  });

  it('rejects a syntax error, saying where and why on one line', () => {
    rejects(() => t.checkTemplates({ a: ['ok', '{{ name name }}'] }, where), "site.yml:14:7: template error in '{{ name name }}': syntax error: expected variable end");
    rejects(() => t.checkTemplates('{{ a |', where), "site.yml:14:7: template error in '{{ a |': syntax error: unexpected end of template (is a closing }}, %} or ) missing?)");
    rejects(
      () => t.checkTemplates('line one\n{% if %}', where),
      "site.yml:14:7: template error in 'line one\\n{% if %}': syntax error at line 2, column 7 of the template: unexpected token: %}",
    );
  });

  it('rejects an unknown filter, test or lookup plugin, suggesting the closest', () => {
    rejects(() => t.checkTemplates('{{ x | to_jsn }}', where), "site.yml:14:7: template error in '{{ x | to_jsn }}': no filter named 'to_jsn' (did you mean 'to_json'?)");
    rejects(() => t.checkTemplates('{{ x | dump }}', where), "site.yml:14:7: template error in '{{ x | dump }}': no filter named 'dump'");
    rejects(() => t.checkTemplates('{% filter nope %}x{% endfilter %}', where), "site.yml:14:7: template error in '{% filter nope %}x{% endfilter %}': no filter named 'nope'");
    rejects(() => t.checkTemplates('{{ (y is definedd) | ternary(1, 2) }}', where), "site.yml:14:7: template error in '{{ (y is definedd) | ternary(1, 2) }}': no test named 'definedd' (did you mean 'defined'?)");
    rejects(
      () => t.checkTemplates("{{ lookup('pipe', 'ls') }}", where),
      "site.yml:14:7: template error in '{{ lookup('pipe', 'ls') }}': lookup plugin 'pipe' is not supported (fleetboot has env, file and vars)",
    );
  });

  it('leaves data marked unsafe alone', () => {
    t.checkTemplates(markUnsafe({ stdout: '{{ not | a_filter }}' }), where);
  });

  it('checks bare expressions as when:, until: and that: hold them', () => {
    for (const ok of ['x == 1 and y | bool', 'true', 'no', 'result.stdout is search("a")', 'x not in y', '"{{ z }}" == "1"', '{{ flag }}']) {
      t.checkExpression(ok, where);
    }
    rejects(() => t.checkExpression('x is defind', where), "site.yml:14:7: template error in 'x is defind': no test named 'defind' (did you mean 'defined'?)");
    rejects(() => t.checkExpression('x ==', where), "site.yml:14:7: template error in 'x ==': syntax error: unexpected token: }}");
    rejects(() => t.checkExpression('{{ x | nope }}', where), "site.yml:14:7: template error in '{{ x | nope }}': no filter named 'nope'");
  });

  it('does not render: no lookup runs and nothing needs to be defined', () => {
    let reads = 0;
    const counting = new Templar({ readFile: () => `${++reads}` });
    counting.checkTemplates("{{ lookup('file', 'x.txt') ~ missing.deeper }}", where);
    assert.equal(reads, 0);
  });
});
