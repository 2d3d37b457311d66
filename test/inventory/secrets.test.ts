import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkInventory } from '../../src/inventory/index.js';

describe('inventory: secrets only by reference', () => {
  it('refuses any variable named like a secret holding a literal, without echoing it; a template reference is fine', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetboot-secrets-'));
    const file = join(dir, 'inv.yml');
    await writeFile(
      file,
      [
        'all:',
        '  hosts:',
        '    a:',
        '      bmc_password: hunter3',
        '    b:',
        `      vault_token: "{{ lookup('env', 'T') }}"`,
        '      password_env: BMC_PASS',
        '  vars:',
        '    x_secret: s3cr3t',
        '',
      ].join('\n'),
    );
    const check = await checkInventory([file]);
    const lines = check.errors.map((e) => e.message);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /inv\.yml:4:21: all\.hosts\.a\.bmc_password: secrets may not be written/);
    assert.match(lines[1]!, /inv\.yml:9:15: all\.vars\.x_secret: /);
    assert.doesNotMatch(lines.join('\n'), /hunter3|s3cr3t/);
  });
});
