// The inventory variables the SSH transport reads, and how they become an SshTarget. Ansible's
// own connection variables are read under their Ansible names (so one inventory serves both);
// fleetboot's additions are prefixed `fleetboot_`. Bad values fail here, naming host and field.

import { homedir, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ExitCode, FleetbootError } from '../core/errors.js';
import { decodeKeyBlob, keyTypeOfBlob } from './known-hosts.js';
import type { HostKeyPolicy, SshTarget } from './types.js';

/** Every variable read, first name wins where there are aliases (Ansible's older `ansible_ssh_*`). */
export const SSH_TARGET_VARIABLES = [
  { names: ['ansible_host', 'ansible_ssh_host'], field: 'address', help: 'address to connect to (default: the inventory name)' },
  { names: ['ansible_port', 'ansible_ssh_port'], field: 'port', help: 'SSH port (default 22)' },
  { names: ['ansible_user', 'ansible_ssh_user'], field: 'user', help: 'remote user (default: the local user)' },
  { names: ['ansible_ssh_private_key_file', 'ansible_private_key_file'], field: 'privateKeyFile', help: 'private key file; ~ is expanded (default: ssh-agent only)' },
  { names: ['ansible_ssh_timeout'], field: 'connectTimeoutMs', help: 'connect timeout in seconds (default 10)' },
  { names: ['fleetboot_ssh_keepalive_interval'], field: 'keepaliveIntervalMs', help: 'seconds between SSH keepalives, 0 to disable (default 15)' },
  { names: ['fleetboot_known_hosts_file'], field: 'knownHostsFile', help: 'known_hosts file (default ~/.ssh/known_hosts)' },
  { names: ['fleetboot_host_key_policy'], field: 'hostKeyPolicy', help: 'strict (default) or accept-new' },
  { names: ['fleetboot_host_key'], field: 'pinnedHostKey', help: 'the only host key accepted ("ssh-ed25519 AAAA...")' },
] as const;

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;

/** An inventory variable the SSH transport cannot use: `host: field: what`. */
export class SshTargetError extends FleetbootError {
  constructor(
    readonly host: string,
    readonly field: string,
    what: string,
  ) {
    super(`${host}: ${field}: ${what}`, ExitCode.PARSE_ERROR);
  }
}

export function sshTargetFromVars(host: string, vars: Record<string, unknown>, defaults: Partial<SshTarget> = {}): SshTarget {
  const read = (names: readonly string[]): { name: string; value: unknown } | undefined => {
    for (const name of names) {
      const value = vars[name];
      if (value !== undefined && value !== null) return { name, value };
    }
    return undefined;
  };
  const bad = (name: string, what: string, value: unknown): SshTargetError =>
    new SshTargetError(host, name, `${what} (got ${JSON.stringify(value)})`);

  const text = (names: readonly string[]): string | undefined => {
    const v = read(names);
    if (!v) return undefined;
    if (typeof v.value !== 'string' || v.value.trim() === '' || /\s/.test(v.value.trim())) {
      throw bad(v.name, 'must be a non-empty string without spaces', v.value);
    }
    return v.value.trim();
  };
  const path = (names: readonly string[]): string | undefined => {
    const v = read(names);
    if (!v) return undefined;
    if (typeof v.value !== 'string' || v.value.trim() === '') throw bad(v.name, 'must be a file path', v.value);
    return expandPath(v.value.trim());
  };
  const seconds = (names: readonly string[], allowZero: boolean): number | undefined => {
    const v = read(names);
    if (!v) return undefined;
    const n = toNumber(v.value);
    if (n === undefined || n < 0 || (!allowZero && n === 0)) {
      throw bad(v.name, allowZero ? 'must be a number of seconds, 0 or more' : 'must be a number of seconds above 0', v.value);
    }
    return Math.round(n * 1000);
  };

  const [addressVar, portVar, userVar, keyVar, timeoutVar, keepaliveVar, knownHostsVar, policyVar, pinnedVar] = SSH_TARGET_VARIABLES;

  let port = defaults.port ?? 22;
  const portValue = read(portVar.names);
  if (portValue) {
    const n = toNumber(portValue.value);
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > 65535) {
      throw bad(portValue.name, 'must be an integer from 1 to 65535', portValue.value);
    }
    port = n;
  }

  let hostKeyPolicy: HostKeyPolicy = defaults.hostKeyPolicy ?? 'strict';
  const policyValue = read(policyVar.names);
  if (policyValue) {
    if (policyValue.value !== 'strict' && policyValue.value !== 'accept-new') {
      throw bad(policyValue.name, 'must be strict or accept-new (host keys are never accepted unchecked)', policyValue.value);
    }
    hostKeyPolicy = policyValue.value;
  }

  let pinnedHostKey = defaults.pinnedHostKey;
  const pinnedValue = read(pinnedVar.names);
  if (pinnedValue) {
    const normalized = typeof pinnedValue.value === 'string' ? normalizePublicKey(pinnedValue.value) : undefined;
    if (!normalized) throw bad(pinnedValue.name, 'must be a public key line such as "ssh-ed25519 AAAA..."', pinnedValue.value);
    pinnedHostKey = normalized;
  }

  const target: SshTarget = {
    host,
    address: text(addressVar.names) ?? defaults.address ?? host,
    port,
    user: text(userVar.names) ?? defaults.user ?? userInfo().username,
    knownHostsFile: path(knownHostsVar.names) ?? defaults.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts'),
    hostKeyPolicy,
    connectTimeoutMs: seconds(timeoutVar.names, false) ?? defaults.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepaliveIntervalMs: seconds(keepaliveVar.names, true) ?? defaults.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
  };
  const privateKeyFile = path(keyVar.names) ?? defaults.privateKeyFile;
  if (privateKeyFile !== undefined) target.privateKeyFile = privateKeyFile;
  if (defaults.agent !== undefined) target.agent = defaults.agent;
  if (pinnedHostKey !== undefined) target.pinnedHostKey = pinnedHostKey;
  return target;
}

/** `ssh-ed25519 AAAA... comment` → `ssh-ed25519 AAAA...`, or undefined when it is not a key line. */
export function normalizePublicKey(line: string): string | undefined {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64) return undefined;
  const blob = decodeKeyBlob(b64);
  if (!blob || keyTypeOfBlob(blob) !== type) return undefined;
  return `${type} ${blob.toString('base64')}`;
}

function toNumber(value: unknown): number | undefined {
  // INI inventories give every value as a string.
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function expandPath(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(p);
}
