import assert from 'node:assert/strict';
import { checkArgsStatically, validateArgs } from '../../src/engine/validate-args.js';
import { commandModule } from '../../src/modules/command.js';
import { copyModule } from '../../src/modules/copy.js';
import type { ModuleSpec } from '../../src/modules/contract.js';

const command = commandModule as unknown as ModuleSpec<Record<string, unknown>>;
const copy = copyModule as unknown as ModuleSpec<Record<string, unknown>>;

describe('module argument checks', () => {
  it('names a misspelled argument with a suggestion', () => {
    const [p] = checkArgsStatically(command, { cmd: 'ls', chdr: '/tmp' });
    assert.equal(p?.arg, 'chdr');
    assert.match(p!.message, /did you mean 'chdir'/);
  });
  it('accepts templated values until they are rendered', () => {
    assert.deepEqual(checkArgsStatically(copy, { content: '{{ x }}', dest: '{{ d }}', mode: '{{ m }}' }), []);
  });
  it('still catches a typo beside templated values', () => {
    assert.equal(checkArgsStatically(copy, { content: '{{ x }}', dset: '/a' })[0]?.arg, 'dset');
  });
  it('explains exactly-one-of', () => {
    assert.match(validateArgs(command, { chdir: '/' }) ?? '', /needs exactly one of cmd or argv/);
    assert.match(validateArgs(copy, { dest: '/a' }) ?? '', /needs exactly one of src or content/);
  });
});
