import assert from 'node:assert/strict';
import { ParseError } from '../../src/core/errors.js';
import { faultsFor, globToRegExp, parseFaults } from '../../src/lab/faults.js';

const GOOD = `# lab faults
node-002:
  refuse: true
"node-00[13]":
  drop_on: "^echo partial"
node-*:
  slow: { match: "^slowcmd", seconds: 0.5 }
node-003:
  fail: { match: "^deploy", rc: 3, stderr: "deploy failed" }
`;

function parseError(text: string): string {
  try {
    parseFaults(text, 'faults.yml');
  } catch (err) {
    assert.ok(err instanceof ParseError, String(err));
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.message;
  }
  assert.fail('no error');
}

describe('lab faults file', () => {
  it('parses faults per host name and glob, merging every matching entry', () => {
    const rules = parseFaults(GOOD, 'faults.yml');
    assert.equal(rules.length, 4);
    assert.deepEqual(faultsFor(rules, 'node-002').refuse, true);
    assert.equal(faultsFor(rules, 'node-002').dropOn, undefined);
    const f3 = faultsFor(rules, 'node-003');
    assert.equal(f3.refuse, undefined);
    assert.ok(f3.dropOn?.test('echo partial; sleep 1'));
    assert.equal(f3.slow?.seconds, 0.5);
    assert.ok(f3.slow?.match.test('slowcmd x'));
    assert.deepEqual({ rc: f3.fail?.rc, stderr: f3.fail?.stderr }, { rc: 3, stderr: 'deploy failed' });
    assert.ok(f3.fail?.match.test('deploy now'));
    assert.ok(faultsFor(rules, 'node-001').dropOn);
    assert.deepEqual(faultsFor(rules, 'other'), {});
  });

  it('defaults: a fail without match fails everything with rc 1', () => {
    const f = faultsFor(parseFaults('h1: { fail: {} }', 'f.yml'), 'h1');
    assert.ok(f.fail?.match.test('anything'));
    assert.equal(f.fail?.rc, 1);
    assert.equal(f.fail?.stderr, '');
  });

  it('parses the BMC faults, merged field by field with earlier entries', () => {
    const text = `"node-*":\n  bmc_slow_ms: 20\n  bmc_503_burst: 1\nnode-004:\n  bmc_503_burst: 3\n  bmc_session_limit: 1\n  bmc_busy_reset: true\n  bmc_two_at_once: refuse\n  bmc_require_if_match: true\nnode-005: { bmc_busy_reset: 250, bmc_stale_media_ms: 500, bmc_async_actions: true }\n`;
    const rules = parseFaults(text, 'f.yml');
    assert.deepEqual(faultsFor(rules, 'node-004'), {
      bmcSlowMs: 20,
      bmc503Burst: 3,
      bmcSessionLimit: 1,
      bmcBusyResetMs: 1000,
      bmcTwoAtOnce: 'refuse',
      bmcRequireIfMatch: true,
    });
    assert.deepEqual(faultsFor(rules, 'node-005'), { bmcSlowMs: 20, bmc503Burst: 1, bmcBusyResetMs: 250, bmcStaleMediaMs: 500, bmcAsyncActions: true });
  });

  it('parses the installer faults: true for every install, a number for the first N', () => {
    const rules = parseFaults(
      'node-1:\n  install_drop_ssh: true\n  install_fail: 2\n  ignition_hash_mismatch: false\n  install_no_disk: true\n  slow_download: 1.5\nnode-2:\n  slow_download: true\n',
      'f.yml',
    );
    assert.deepEqual(faultsFor(rules, 'node-1'), { installDropSsh: Infinity, installFail: 2, ignitionHashMismatch: 0, installNoDisk: true, slowDownloadSeconds: 1.5 });
    assert.deepEqual(faultsFor(rules, 'node-2'), { slowDownloadSeconds: 2 });
    assert.throws(() => parseFaults('n:\n  install_fail: -1\n', 'f.yml'), /f\.yml:2:17: n\.install_fail: must be a whole number of at least 0/);
    assert.throws(() => parseFaults('n:\n  slow_download: "x"\n', 'f.yml'), /n\.slow_download: must be a boolean/);
  });

  it('accepts an empty file', () => {
    assert.deepEqual(parseFaults('', 'f.yml'), []);
    assert.deepEqual(parseFaults('# nothing\n', 'f.yml'), []);
  });

  it('globs: * ? [...] [!...], and literal dots', () => {
    assert.ok(globToRegExp('node-*').test('node-001'));
    assert.ok(globToRegExp('node-00?').test('node-007'));
    assert.ok(!globToRegExp('node-00?').test('node-0071'));
    assert.ok(globToRegExp('n[ab]').test('nb'));
    assert.ok(!globToRegExp('n[!ab]').test('nb'));
    assert.ok(!globToRegExp('a.b').test('axb'));
  });

  const bad: Array<[string, string]> = [
    ['node-1:\n  refuse: yes please\n', 'faults.yml:2:11: node-1.refuse: must be a boolean'],
    ['node-1:\n  bmc_503_burst: -1\n', 'faults.yml:2:18: node-1.bmc_503_burst: must be a whole number of at least 0'],
    ['node-1:\n  bmc_two_at_once: allow\n', 'faults.yml:2:20: node-1.bmc_two_at_once: must be "refuse"'],
    ['node-1:\n  refuse: true\n  explode: true\n', 'faults.yml:3:3: node-1.explode: unknown key (expected one of: refuse, drop_on, slow, fail, bmc_503_burst'],
    ['node-1:\n  drop_on: "(unclosed"\n', 'faults.yml:2:12: node-1.drop_on: not a valid regular expression'],
    ['node-1:\n  slow: { match: x, seconds: soon }\n', 'faults.yml:2:30: node-1.slow.seconds: must be a number'],
    ['node-1:\n  slow: { match: x }\n', 'faults.yml:2:9: node-1.slow.seconds: is required (a number)'],
    ['node-1:\n  fail: { rc: 300 }\n', 'faults.yml:2:15: node-1.fail.rc: must be an integer from 0 to 255'],
    ['- node-1\n', 'faults.yml:1:1: must be a mapping of host names or globs to faults'],
    ['node-1: true\n', 'faults.yml:1:9: node-1: must be a mapping'],
    ['node-1:\n  refuse: true\n node-2: {}\n', 'faults.yml:3:'],
    ['node-1: {}\nnode-1: {}\n', 'faults.yml:2:1:'],
  ];
  for (const [text, want] of bad) {
    it(`rejects ${JSON.stringify(text)} with file:line:col`, () => {
      const msg = parseError(text);
      assert.ok(msg.startsWith(want), `${msg}\n  does not start with\n${want}`);
    });
  }
});
