// A BMC as fleetboot reaches it: built from the inventory's `bmc` mapping, with the password
// already read from its environment variable or file so the caller can register it as a secret.

import { readFileSync } from 'node:fs';
import { FleetbootError } from '../core/errors.js';

export interface BmcEndpoint {
  address: string;
  port: number;
  user: string;
  /** The resolved secret: never printed, the caller registers it with the redactor. */
  password: string;
  /** Path of the CA bundle the inventory named, kept for messages. */
  caFile?: string;
  /** PEM text of the CA bundle, read from `caFile`. */
  ca?: string;
  /** Skip TLS verification: only when the inventory says `insecure: true`. */
  insecure: boolean;
  /** `bmc.system`: the ComputerSystem id when the BMC has more than one. */
  systemId?: string;
  /** `bmc.vendor`: an operator's hint when the BMC does not say who made it. */
  vendor?: string;
}

/** A bad or unreadable `bmc` mapping in the inventory. */
export class BmcConfigError extends FleetbootError {}

/** Where the endpoint builder reads secrets from; injectable so tests touch no real files. */
export interface SecretSources {
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

const DEFAULT_SOURCES: SecretSources = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

const BMC_FIELDS = new Set(['address', 'port', 'user', 'password_env', 'password_file', 'insecure', 'ca_file', 'system', 'vendor']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds a host's BmcEndpoint from its `bmc` variable. Errors are one line naming the host and
 * the field; they never contain the password.
 */
export function bmcEndpointFromVars(host: string, bmc: unknown, sources: SecretSources = DEFAULT_SOURCES): BmcEndpoint {
  const fail = (field: string, what: string): never => {
    throw new BmcConfigError(`${host}: bmc.${field}: ${what}`);
  };
  if (!isRecord(bmc)) {
    throw new BmcConfigError(`${host}: bmc: expected a mapping with address, user and password_env or password_file`);
  }
  for (const key of Object.keys(bmc)) {
    if (!BMC_FIELDS.has(key)) fail(key, `unknown field (known: ${[...BMC_FIELDS].join(', ')})`);
  }
  const str = (field: string, required: boolean): string | undefined => {
    const v = bmc[field];
    if (v === undefined || v === null || v === '') {
      if (required) fail(field, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') return fail(field, `expected a string, got ${typeof v}`);
    return v;
  };
  const address = str('address', true) as string;
  const user = str('user', true) as string;

  let port = 443;
  if (bmc.port !== undefined && bmc.port !== null) {
    const p = typeof bmc.port === 'string' && /^\d+$/.test(bmc.port) ? Number(bmc.port) : bmc.port;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) fail('port', 'expected an integer from 1 to 65535');
    port = p as number;
  }

  let insecure = false;
  if (bmc.insecure !== undefined && bmc.insecure !== null) {
    if (typeof bmc.insecure !== 'boolean') fail('insecure', 'expected true or false');
    insecure = bmc.insecure as boolean;
  }

  const passwordEnv = str('password_env', false);
  const passwordFile = str('password_file', false);
  if (passwordEnv && passwordFile) fail('password_env', 'set password_env or password_file, not both');
  let password: string;
  if (passwordEnv) {
    const value = sources.env[passwordEnv];
    if (value === undefined || value === '') return fail('password_env', `environment variable ${passwordEnv} is not set (export it before the run)`);
    password = value;
  } else if (passwordFile) {
    let text: string;
    try {
      text = sources.readFile(passwordFile);
    } catch (err) {
      const code = isRecord(err) && typeof err.code === 'string' ? err.code : 'unreadable';
      return fail('password_file', `cannot read ${passwordFile} (${code}): check the path and its permissions`);
    }
    // A password file ends with one newline at most; the password is the first line.
    password = text.replace(/\r?\n$/, '');
    if (password === '') fail('password_file', `${passwordFile} is empty`);
  } else {
    return fail('password_env', 'no password: set password_env or password_file');
  }

  const endpoint: BmcEndpoint = { address, port, user, password, insecure };
  const caFile = str('ca_file', false);
  if (caFile) {
    try {
      endpoint.ca = sources.readFile(caFile);
    } catch (err) {
      const code = isRecord(err) && typeof err.code === 'string' ? err.code : 'unreadable';
      fail('ca_file', `cannot read ${caFile} (${code}): check the path`);
    }
    if (!endpoint.ca?.includes('-----BEGIN CERTIFICATE-----')) fail('ca_file', `${caFile} holds no PEM certificate`);
    endpoint.caFile = caFile;
  }
  const system = str('system', false);
  if (system) endpoint.systemId = system;
  const vendor = str('vendor', false);
  if (vendor) endpoint.vendor = vendor;
  return endpoint;
}
