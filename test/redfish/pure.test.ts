import assert from 'node:assert/strict';
import { etagOf, isWeak, strongForm } from '../../src/redfish/etag.js';
import { AccessError, BadRequestError, PreconditionError, ServerSideError, errorFromResponse, mostSevereMessage } from '../../src/redfish/errors.js';
import { QUIRKS, hasQuirk, matchTransient, quirksOf, selectQuirks } from '../../src/redfish/quirks.js';
import * as fx from '../../src/redfish/quirk-effects.js';
import { parseRetryAfter } from '../../src/redfish/retry-after.js';
import { BmcConfigError, bmcEndpointFromVars, type SecretSources } from '../../src/redfish/types.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function sources(env: Record<string, string>, files: Record<string, string>): SecretSources {
  return {
    env,
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return text;
    },
  };
}

describe('redfish endpoint from the inventory', () => {
  it('builds the endpoint with the password from the environment or a file', () => {
    const src = sources({ BMC_PW: 'pw-from-env' }, { '/lab/pw': 'pw-from-file\n', '/lab/ca.pem': PEM });
    assert.deepEqual(bmcEndpointFromVars('n1', { address: '127.0.0.2', user: 'root', password_env: 'BMC_PW' }, src), {
      address: '127.0.0.2', port: 443, user: 'root', password: 'pw-from-env', insecure: false,
    });
    assert.deepEqual(
      bmcEndpointFromVars('n1', { address: '127.0.0.2', port: '8443', user: 'root', password_file: '/lab/pw', ca_file: '/lab/ca.pem', system: 'S1', vendor: 'Dell', insecure: false }, src),
      { address: '127.0.0.2', port: 8443, user: 'root', password: 'pw-from-file', insecure: false, ca: PEM, caFile: '/lab/ca.pem', systemId: 'S1', vendor: 'Dell' },
    );
  });

  const bad: [string, unknown, RegExp][] = [
    ['not a mapping', 'x', /^n1: bmc: expected a mapping/],
    ['no address', { user: 'u', password_env: 'P' }, /^n1: bmc.address: is required$/],
    ['bad port', { address: 'a', user: 'u', password_env: 'P', port: 70000 }, /^n1: bmc.port: /],
    ['unset env', { address: 'a', user: 'u', password_env: 'NOPE' }, /^n1: bmc.password_env: environment variable NOPE is not set/],
    ['missing file', { address: 'a', user: 'u', password_file: '/none' }, /^n1: bmc.password_file: cannot read \/none \(ENOENT\)/],
    ['both', { address: 'a', user: 'u', password_env: 'P', password_file: '/lab/pw' }, /not both/],
    ['no password', { address: 'a', user: 'u' }, /^n1: bmc.password_env: no password/],
    ['unknown key', { address: 'a', user: 'u', password_env: 'P', pasword: 'x' }, /^n1: bmc.pasword: unknown field/],
    ['insecure string', { address: 'a', user: 'u', password_env: 'P', insecure: 'yes' }, /^n1: bmc.insecure: expected true or false/],
    ['not a PEM', { address: 'a', user: 'u', password_env: 'P', ca_file: '/lab/pw' }, /^n1: bmc.ca_file: \/lab\/pw holds no PEM/],
  ];
  for (const [name, bmc, re] of bad) {
    it(`refuses ${name} on one line, without the password`, () => {
      const src = sources({ P: 'secret-pw-xyz' }, { '/lab/pw': 'secret-pw-xyz\n' });
      assert.throws(() => bmcEndpointFromVars('n1', bmc, src), (err: unknown) => {
        assert.ok(err instanceof BmcConfigError);
        assert.match(err.message, re);
        assert.ok(!err.message.includes('secret-pw-xyz') && !err.message.includes('\n'));
        return true;
      });
    });
  }
});

describe('redfish errors', () => {
  it('picks the most severe ExtendedInfo message: Critical > Warning > OK, first on a tie', () => {
    assert.equal(mostSevereMessage([{ Message: 'ok', MessageSeverity: 'OK' }, { Message: 'warn', Severity: 'Warning' }, { Message: 'crit', MessageSeverity: 'Critical' }, { Message: 'crit2', MessageSeverity: 'Critical' }]), 'crit');
    assert.equal(mostSevereMessage([{ Message: 'only' }]), 'only');
    assert.equal(mostSevereMessage('nope'), undefined);
  });

  it('maps statuses to the tree with code and message on one line', () => {
    const body = { error: { code: 'Base.1.8.PropertyValueNotInList', message: 'generic', '@Message.ExtendedInfo': [{ Message: 'The value Floppy\nis not allowed', MessageSeverity: 'Warning' }] } };
    const err = errorFromResponse('n1', 'PATCH', '/redfish/v1/Systems/1', 400, body);
    assert.ok(err instanceof BadRequestError);
    assert.equal(err.message, 'n1: redfish PATCH /redfish/v1/Systems/1: HTTP 400 Base.1.8.PropertyValueNotInList: The value Floppy is not allowed');
    assert.equal(err.code, 'Base.1.8.PropertyValueNotInList');
    assert.equal(err.status, 400);
    assert.ok(errorFromResponse('n1', 'GET', '/x', 401, undefined) instanceof AccessError);
    assert.ok(errorFromResponse('n1', 'PATCH', '/x', 428, undefined) instanceof PreconditionError);
    const s = errorFromResponse('n1', 'GET', '/x', 502, 'not json');
    assert.ok(s instanceof ServerSideError);
    assert.equal(s.message, 'n1: redfish GET /x: HTTP 502 (the BMC failed; check its state or try again)');
    assert.match(errorFromResponse('n1', 'GET', '/x', 500, { error: { message: 'plain' } }).message, /: plain \(/);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('reads delay-seconds and HTTP dates, caps them, ignores junk', () => {
    assert.equal(parseRetryAfter('5', now, 60_000), 5000);
    assert.equal(parseRetryAfter(' 120 ', now, 60_000), 60_000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now, 60_000), 30_000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now, 60_000), 0);
    assert.equal(parseRetryAfter(undefined, now, 60_000), undefined);
    assert.equal(parseRetryAfter('soon', now, 60_000), undefined);
    assert.equal(parseRetryAfter('-3', now, 60_000), undefined);
  });
});

describe('ETag', () => {
  it('takes the header first, else @odata.etag', () => {
    assert.equal(etagOf({ etag: '"h"' }, { '@odata.etag': '"b"' }), '"h"');
    assert.equal(etagOf({}, { '@odata.etag': 'W/"b"' }), 'W/"b"');
    assert.equal(etagOf({}, {}), undefined);
  });
  it('gives the strong form of a weak tag', () => {
    assert.ok(isWeak('W/"1"'));
    assert.equal(strongForm('W/"1"'), '"1"');
    assert.equal(strongForm('"1"'), '"1"');
    assert.equal(strongForm('abc'), '"abc"');
  });
});

describe('quirk table', () => {
  it('has unique ids and a source on every row', () => {
    assert.equal(new Set(QUIRKS.map((q) => q.id)).size, QUIRKS.length);
    assert.ok(QUIRKS.every((q) => q.source.length > 10 && q.note.length > 5));
  });

  it('selects rows by manufacturer, vendor, model and firmware', () => {
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
    assert.deepEqual(ids(selectQuirks({ manufacturer: 'Contoso' })), ['resource-in-use', 'session-limit-503']);
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'Supermicro' }), 'boot-target-alias'));
    assert.deepEqual(quirksOf(selectQuirks({ manufacturer: 'Supermicro' }), 'insert-omit')[0]?.properties, ['Inserted', 'WriteProtected']);
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'HPE' }), 'eject-body'));
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'Ampere Computing', vendor: 'OpenBMC' }), 'image-schemes'));
    assert.ok(!hasQuirk(selectQuirks({ manufacturer: 'Ampere Computing' }), 'image-schemes'));
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'GIGABYTE' }), 'boot-via-settings'));
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'Lenovo' }), 'skip-slot'));
    // The iDRAC 10 Settings row goes by the server generation; iDRAC 8's 2.x firmware must not match it.
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'Dell Inc.', managerModel: '17G Monolithic', firmware: '1.20.0.0' }), 'boot-via-settings'));
    assert.ok(!hasQuirk(selectQuirks({ manufacturer: 'Dell Inc.', managerModel: '16G Monolithic', firmware: '7.00.00' }), 'boot-via-settings'));
    assert.ok(!hasQuirk(selectQuirks({ manufacturer: 'Dell Inc.', managerModel: '13G Monolithic', firmware: '2.83.83.83' }), 'boot-via-settings'));
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'Supermicro', model: 'ARS-111GL-NHR' }), 'boot-target-alias'));
    assert.ok(!hasQuirk(selectQuirks({ manufacturer: 'Dell Inc.' }), 'boot-via-settings'));
    assert.ok(hasQuirk(selectQuirks({ manufacturer: 'Dell Inc.' }), 'eject-before-insert'));
  });

  it('matches transient answers by method, status, text, path and request field', () => {
    const hpe = selectQuirks({ manufacturer: 'HPE' });
    const during = { method: 'PATCH', path: '/redfish/v1/Systems/1', status: 400, texts: ['iLO.2.14.UnableToModifyDuringSystemPOST'], requestBody: {} };
    assert.equal(matchTransient(hpe, during)?.id, 'hpe-during-post');
    assert.equal(matchTransient(hpe, { ...during, method: 'GET' }), undefined);
    assert.equal(matchTransient(hpe, { ...during, texts: ['Base.1.8.GeneralError'] }), undefined);
    assert.equal(matchTransient(selectQuirks({ manufacturer: 'Dell' }), during), undefined);
    const reset = { method: 'POST', path: '/redfish/v1/Systems/S/Actions/ComputerSystem.Reset', status: 409, texts: [], requestBody: { ResetType: 'On' } };
    assert.equal(matchTransient(selectQuirks({ manufacturer: 'Dell Inc.' }), reset)?.id, 'dell-on-after-off-409');
    assert.equal(matchTransient(selectQuirks({ manufacturer: 'Dell Inc.' }), { ...reset, requestBody: { ResetType: 'ForceOff' } }), undefined);
  });
});

describe('quirk effects for the modules', () => {
  it('sends Cd as UsbCd on Supermicro where allowed, except the listed model', () => {
    const { bootTargetToSend } = fx;
    const smc = selectQuirks({ manufacturer: 'Supermicro' });
    assert.equal(bootTargetToSend(smc, 'Cd', 'X12DPG', ['Pxe', 'Cd', 'UsbCd']), 'UsbCd');
    assert.equal(bootTargetToSend(smc, 'Cd', 'ARS-111GL-NHR', ['Cd', 'UsbCd']), 'Cd');
    assert.equal(bootTargetToSend(smc, 'Cd', 'X12DPG', ['Cd']), 'Cd');
    assert.equal(bootTargetToSend(smc, 'Pxe', 'X12DPG', undefined), 'Pxe');
    assert.equal(bootTargetToSend(selectQuirks({ manufacturer: 'Dell Inc.' }), 'Cd', 'R650', ['Cd', 'UsbCd']), 'Cd');
  });

  it('answers the eject body, refused properties, image schemes and boot style per vendor', () => {
    assert.deepEqual(fx.ejectBody(selectQuirks({ manufacturer: 'HPE' })), {});
    assert.deepEqual(fx.ejectBody([]), {});
    assert.deepEqual(fx.refusedInsertProperties(selectQuirks({ manufacturer: 'Supermicro' })), ['Inserted', 'WriteProtected']);
    assert.deepEqual(fx.refusedInsertProperties(selectQuirks({ manufacturer: 'Dell Inc.' })), []);
    const obmc = selectQuirks({ manufacturer: 'Ampere', vendor: 'OpenBMC' });
    assert.equal(fx.imageUrlProblem(obmc, 'https://10.0.0.1/live.iso'), undefined);
    assert.equal(fx.imageUrlProblem(obmc, 'http://10.0.0.1/live.iso?t=1'), 'this BMC mounts only https:// or smb:// images, not http://10.0.0.1/live.iso');
    assert.equal(fx.imageUrlProblem([], 'http://x/y.iso'), undefined);
    assert.ok(fx.mustEjectBeforeInsert(selectQuirks({ manufacturer: 'Dell Inc.' })));
    assert.ok(fx.bootViaSettings(selectQuirks({ manufacturer: 'GIGABYTE' })));
    assert.ok(fx.bootNeedsFullTriple(selectQuirks({ manufacturer: 'Supermicro' })));
    assert.ok(fx.emptyByConnectedVia(selectQuirks({ manufacturer: 'Supermicro' })));
    assert.ok(!fx.emptyByConnectedVia(selectQuirks({ manufacturer: 'Lenovo' })));
  });
});
