// The coreos modules' names and argument schemas as the engine checks them.

import assert from 'node:assert/strict';
import { checkArgsStatically, validateArgs } from '../../src/engine/validate-args.js';
import { ModuleRegistry } from '../../src/modules/registry.js';

const registry = new ModuleRegistry();
const spec = (name: string) => {
  const s = registry.get(name);
  assert.ok(s, `module ${name} is registered`);
  return s;
};

describe('coreos module registration and arguments', function () {
  it('registers each module under its name and the fleetboot alias', () => {
    for (const n of ['ignition', 'live_iso', 'install']) assert.equal(spec(`coreos.${n}`), spec(`fleetboot.coreos.${n}`));
  });

  it('coreos.ignition takes exactly one source', () => {
    const s = spec('coreos.ignition');
    assert.equal(validateArgs(s, { src: 'worker.ign' }), undefined);
    assert.equal(validateArgs(s, { content: { ignition: { version: '3.2.0' } }, name: 'w.ign', validate: 'none' }), undefined);
    assert.ok(validateArgs(s, { src: 'a', url: 'http://x/' }));
    assert.ok(validateArgs(s, {}));
    assert.ok(validateArgs(s, { src: 'a', validate: 'strict' }));
    assert.deepEqual(checkArgsStatically(s, { url: '{{ ignition_url }}' }), []);
  });

  it('coreos.live_iso needs a stream', () => {
    const s = spec('coreos.live_iso');
    assert.equal(validateArgs(s, { stream: 'http://mirror/streams/stable.json', arch: 'arm64', authorized_keys: ['ssh-ed25519 AAAA'] }), undefined);
    assert.equal(validateArgs(s, { stream: { architectures: {} } }), undefined);
    assert.ok(validateArgs(s, { arch: 'x86_64' }));
    assert.ok(validateArgs(s, { stream: 's', authorized_keys: [] }));
  });

  it('coreos.install takes a device or hints, not both', () => {
    const s = spec('coreos.install');
    assert.equal(validateArgs(s, { device: '/dev/sda', ignition_url: 'https://x/c.ign', append_karg: ['a=b'], fetch_retries: 'infinite' }), undefined);
    assert.equal(validateArgs(s, { root_device_hints: { model: 'X' }, fetch_retries: 3, become: false }), undefined);
    assert.ok(validateArgs(s, { device: '/dev/sda', root_device_hints: { model: 'X' } }));
    assert.ok(validateArgs(s, { device: 'sda' }));
    assert.ok(validateArgs(s, { fetch_retries: 'forever' }));
    assert.ok(validateArgs(s, { ignition_url: 'https://x', karg: ['a'] }));
  });
});
