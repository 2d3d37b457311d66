import assert from 'node:assert/strict';
import { parseDataUrl } from '../../src/coreos/data-url.js';
import { generateHostKey } from '../../src/coreos/host-keys.js';
import { ignitionDigest } from '../../src/coreos/ignition-digest.js';
import { checkIgnitionConfig } from '../../src/coreos/ignition-schema.js';
import { buildLiveIgnition, HOST_KEY_PATH, readLiveIgnition } from '../../src/coreos/live-ignition.js';
import { keyfilePath, LiveNetworkError, parseLiveNetwork, renderKeyfile } from '../../src/coreos/live-network.js';

const USER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFx7Yp4S0bUuXy5B3WcP2s5Q0yZb3vQ6gq6H8J2xV8mW fleetboot-run';

interface File {
  path: string;
  mode: number;
  contents: { source: string };
}

describe('live ignition', () => {
  const hostKey = generateHostKey('worker-0');

  it('carries core\'s key, the host key files with their modes, and passes its own check', () => {
    const live = buildLiveIgnition({ authorizedKeys: [USER_KEY], hostKey });
    const cfg = JSON.parse(live.bytes.toString()) as { ignition: { version: string }; passwd: { users: Array<{ name: string; sshAuthorizedKeys: string[] }> }; storage: { files: File[] } };
    assert.equal(cfg.ignition.version, '3.2.0');
    assert.deepEqual(cfg.passwd.users, [{ name: 'core', sshAuthorizedKeys: [USER_KEY] }]);
    const files = new Map(cfg.storage.files.map((f) => [f.path, f]));
    const priv = files.get(HOST_KEY_PATH)!;
    assert.equal(priv.mode, 0o600);
    assert.equal(parseDataUrl(priv.contents.source).data.toString(), hostKey.privateKey.endsWith('\n') ? hostKey.privateKey : `${hostKey.privateKey}\n`);
    const pub = files.get(`${HOST_KEY_PATH}.pub`)!;
    assert.equal(pub.mode, 0o644);
    assert.equal(parseDataUrl(pub.contents.source).data.toString(), `${hostKey.publicKey}\n`);
    assert.equal(live.digest, ignitionDigest(live.bytes));
    assert.deepEqual(checkIgnitionConfig(cfg), { errors: [], warnings: [] });
  });

  it('names its secrets: the private key and its base64 form inside the config', () => {
    const live = buildLiveIgnition({ authorizedKeys: [USER_KEY], hostKey });
    const text = live.bytes.toString();
    const inConfig = live.secrets.filter((s) => text.includes(s));
    assert.ok(inConfig.length >= 1, 'a secret string occurs in the served bytes');
    let masked = text;
    for (const s of live.secrets) masked = masked.split(s).join('***');
    assert.ok(!masked.includes(Buffer.from(hostKey.privateKey.trim()).toString('base64').slice(0, 40)));
    assert.ok(live.secrets.includes(hostKey.privateKey.trim()));
  });

  it('reads back what the live system gets (as the lab does from the embedded config)', () => {
    const live = buildLiveIgnition({ authorizedKeys: [USER_KEY], hostKey });
    const got = readLiveIgnition(live.bytes);
    assert.deepEqual(got.authorizedKeys, [USER_KEY]);
    assert.equal(got.hostPrivateKey?.trim(), hostKey.privateKey.trim());
    assert.equal(got.files.get(`${HOST_KEY_PATH}.pub`)?.mode, 0o644);
    assert.throws(() => readLiveIgnition('{}'), /not an Ignition config/);
  });

  it('adds NetworkManager keyfiles (mode 0600) for live_network', () => {
    const network = parseLiveNetwork([{ interface: 'eno1', ipv4: { address: '192.0.2.10', prefix: 24, gateway: '192.0.2.1' }, dns: ['192.0.2.53'] }]);
    const live = buildLiveIgnition({ authorizedKeys: [USER_KEY], hostKey, network, specVersion: '3.4.0' });
    const files = (live.config['storage'] as { files: File[] }).files;
    const nm = files.find((f) => f.path === '/etc/NetworkManager/system-connections/fleetboot-eno1.nmconnection')!;
    assert.equal(nm.mode, 0o600);
    assert.match(parseDataUrl(nm.contents.source).data.toString(), /\[ipv4\]\nmethod=manual\naddress1=192\.0\.2\.10\/24\ngateway=192\.0\.2\.1\ndns=192\.0\.2\.53;\n/);
    assert.equal((live.config['ignition'] as { version: string }).version, '3.4.0');
  });

  it('refuses to build without an authorized key', () => {
    assert.throws(() => buildLiveIgnition({ authorizedKeys: ['  '], hostKey }), /needs at least one authorized key for core/);
  });
});

describe('live_network inventory variable', () => {
  it('renders static IPv4 and IPv6 by MAC, with DNS split by family', () => {
    const [net] = parseLiveNetwork([
      {
        mac: '52-54-00-AA-BB-CC',
        name: 'prov',
        ipv4: { address: '192.0.2.10', prefix: 24, gateway: '192.0.2.1' },
        ipv6: { address: '2001:db8::10', prefix: 64, gateway: '2001:db8::1' },
        dns: ['192.0.2.53', '2001:db8::53'],
        dns_search: ['lab.example.com'],
        mtu: 9000,
      },
    ]);
    assert.equal(keyfilePath(net!), '/etc/NetworkManager/system-connections/prov.nmconnection');
    assert.equal(
      renderKeyfile(net!),
      [
        '[connection]', 'id=prov', 'type=ethernet', 'autoconnect=true', '',
        '[ethernet]', 'mac-address=52:54:00:AA:BB:CC', 'mtu=9000', '',
        '[ipv4]', 'method=manual', 'address1=192.0.2.10/24', 'gateway=192.0.2.1', 'dns=192.0.2.53;', 'dns-search=lab.example.com;', '',
        '[ipv6]', 'method=manual', 'address1=2001:db8::10/64', 'gateway=2001:db8::1', 'dns=2001:db8::53;', '',
      ].join('\n'),
    );
  });

  it('defaults to DHCP on IPv4 and SLAAC on IPv6, and can disable a family', () => {
    const [a, b] = parseLiveNetwork([{ interface: 'eth0' }, { interface: 'eth1', ipv6: 'disabled' }]);
    assert.match(renderKeyfile(a!), /\[ipv4\]\nmethod=auto\n\n\[ipv6\]\nmethod=auto\n/);
    assert.match(renderKeyfile(b!), /interface-name=eth1[\s\S]*\[ipv6\]\nmethod=disabled\n$/);
    assert.deepEqual(parseLiveNetwork(undefined), []);
  });

  it('names the bad field in one line', () => {
    const bad: Array<[unknown, string]> = [
      [{ interface: 'eth0' }, 'live_network: must be a list of interfaces'],
      [[{ ipv4: 'dhcp' }], 'live_network[0]: needs interface (e.g. eno1) or mac'],
      [[{ interface: 'a-very-long-interface-name' }], "live_network[0].interface: 'a-very-long-interface-name' is not an interface name"],
      [[{ mac: '52:54:00:aa:bb' }], "live_network[0].mac: '52:54:00:aa:bb' is not a MAC address"],
      [[{ interface: 'eth0', ipv4: { address: '192.0.2.10', prefix: 33 } }], "live_network[0].ipv4.prefix: '33' must be a whole number from 1 to 32"],
      [[{ interface: 'eth0', ipv4: { address: '2001:db8::1', prefix: 24 } }], "live_network[0].ipv4.address: '2001:db8::1' is not an IPv4 address"],
      [[{ interface: 'eth0', ipv4: { address: '192.0.2.10', prefix: 24, gateway: '2001:db8::1' } }], "live_network[0].ipv4.gateway: '2001:db8::1' is not an IPv4 address"],
      [[{ interface: 'eth0', ipv4: 'static' }], "live_network[0].ipv4: 'static' must be dhcp, disabled or {address, prefix, gateway}"],
      [[{ interface: 'eth0', dns: ['dns.example'] }], "live_network[0].dns[0]: 'dns.example' is not an IP address"],
      [[{ interface: 'eth0', ipv4: 'disabled', dns: ['192.0.2.53'] }], "live_network[0].dns[0]: IPv4 server '192.0.2.53' but ipv4 is disabled"],
      [[{ interface: 'eth0', ipv4: 'disabled', ipv6: 'disabled' }], 'live_network[0]: both ipv4 and ipv6 are disabled'],
      [[{ interface: 'eth0', adress: 'x' }], 'live_network[0].adress: unknown key'],
      [[{ interface: 'eth0' }, { interface: 'eth0' }], "live_network[1].name: 'fleetboot-eth0' is used twice"],
    ];
    for (const [value, message] of bad) {
      assert.throws(() => parseLiveNetwork(value), (err: unknown) => err instanceof LiveNetworkError && err.message.startsWith(message) && !err.message.includes('\n'), message);
    }
  });
});
