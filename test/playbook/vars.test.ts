import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParseError } from '../../src/core/errors.js';
import { parseExtraVars, parseKeyValue, splitArgs } from '../../src/playbook/extra-vars.js';
import { loadVarsFile, parseVarsText } from '../../src/playbook/vars-file.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'playbook');
const read = (p: string) => readFile(p, 'utf8');

describe('variables files', () => {
  it('reads a mapping with YAML 1.1 values as Ansible does', async () => {
    const vars = await loadVarsFile(join(fixtures, 'vars', 'common.yml'));
    assert.deepEqual(vars, {
      cluster_name: 'lab',
      replicas: 3,
      mode: 0o644, // YAML 1.1 octal, as PyYAML reads it
      enabled: true,
      answer: 'y', // PyYAML does not read y as a boolean
      dns: ['10.0.0.1', '10.0.0.2'],
    });
  });

  it('keeps dates as text and resolves anchors and merge keys', () => {
    const vars = parseVarsText('v.yml', 'day: 2024-01-02\nbase: &b { a: 1 }\nmore:\n  <<: *b\n  c: 2\n');
    assert.deepEqual(vars, { day: '2024-01-02', base: { a: 1 }, more: { a: 1, c: 2 } });
  });

  it('treats an empty file as no variables', () => {
    assert.deepEqual(parseVarsText('v.yml', ''), {});
    assert.deepEqual(parseVarsText('v.yml', '# nothing\n'), {});
  });

  it('fails with the position for a list, a duplicate key, a bad name, a syntax error or vault', () => {
    assert.throws(() => parseVarsText('v.yml', '- a\n'), {
      message: 'v.yml:1:1: a variables file must be a mapping of names to values, got a list',
    });
    assert.throws(() => parseVarsText('v.yml', 'a: 1\nb: 2\na: 3\n'), {
      message: "v.yml:3:1: duplicate key 'a' (each key may appear once in a mapping)",
    });
    assert.throws(() => parseVarsText('v.yml', 'ok: 1\nnot-ok: 2\n'), {
      message: "v.yml:2:1: not-ok: 'not-ok' is not a valid variable name (letters, digits and _, not starting with a digit)",
    });
    assert.throws(() => parseVarsText('v.yml', 'a: "open\n'), ParseError);
    assert.throws(() => parseVarsText('v.yml', 'secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n'), {
      message: 'v.yml:1:9: ansible-vault encrypted values are not supported yet (use a *_file or *_env reference instead)',
    });
  });

  it('reads !unsafe values as text', () => {
    assert.deepEqual(parseVarsText('v.yml', "raw: !unsafe '{{ not_a_template }}'\n"), { raw: '{{ not_a_template }}' });
  });

  it('says when the file cannot be read', async () => {
    await assert.rejects(loadVarsFile('/nonexistent/vars.yml'), {
      message: '/nonexistent/vars.yml: cannot read variables file (ENOENT); check the path',
    });
  });
});

describe('extra variables (-e)', () => {
  it('splits key=value pairs as Ansible does, values staying strings', async () => {
    assert.deepEqual(await parseExtraVars('a=1 b=two', read), { a: '1', b: 'two' });
    assert.deepEqual(await parseExtraVars(`msg="hello world" other='x y' empty=`, read), {
      msg: 'hello world',
      other: 'x y',
      empty: '',
    });
    assert.deepEqual(await parseExtraVars('url=http://h/?a=b', read), { url: 'http://h/?a=b' });
    assert.deepEqual(await parseExtraVars('t={{ a | default(1) }} x=1', read), { t: '{{ a | default(1) }}', x: '1' });
    assert.deepEqual(await parseExtraVars('s="a\\"b" n=line\\nbreak', read), { s: 'a"b', n: 'line\nbreak' });
  });

  it('reads a JSON or YAML mapping', async () => {
    assert.deepEqual(await parseExtraVars('{"n": 1, "list": [true, null]}', read), { n: 1, list: [true, null] });
    assert.deepEqual(await parseExtraVars('{n: 1, s: yes}', read), { n: 1, s: true });
  });

  it('reads @file', async () => {
    assert.deepEqual(await parseExtraVars(`@${join(fixtures, 'extra-vars.json')}`, read), {
      release: '4.16',
      nodes: 3,
      flags: { fips: true },
    });
    assert.deepEqual(await parseExtraVars(`@${join(fixtures, 'vars', 'common.yml')}`, read).then((v) => v['replicas']), 3);
  });

  it('fails on one line, saying what -e takes', async () => {
    await assert.rejects(parseExtraVars('justaword', read), {
      message: `-e: 'justaword' in -e is not KEY=VALUE (use -e KEY=VALUE, -e '{"key": "value"}' or -e @vars.yml)`,
    });
    await assert.rejects(parseExtraVars('@/nonexistent.yml', read), {
      message: "-e: cannot read '/nonexistent.yml' (ENOENT); check the path after @",
    });
    await assert.rejects(parseExtraVars('[1, 2]', read), { message: '-e: expected a mapping, got a list: [1, 2]' });
    await assert.rejects(parseExtraVars('{"a": ', read), (err: unknown) => {
      assert.ok(err instanceof ParseError);
      assert.match(err.message, /^-e: not a valid JSON\/YAML mapping: /);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
    await assert.rejects(parseExtraVars('a="open', read), { message: `-e: unbalanced quote (") in 'a="open' (use -e KEY=VALUE, -e '{"key": "value"}' or -e @vars.yml)` });
  });

  it('exposes the k=v splitter for free-form module arguments', () => {
    assert.deepEqual(splitArgs(`src=a dest="b c" {{ x y }}`), ['src=a', 'dest="b c"', '{{ x y }}']);
    assert.deepEqual(parseKeyValue('src=a dest=b'), { src: 'a', dest: 'b' });
  });
});
