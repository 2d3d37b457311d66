// JSON Schemas of what fleetboot accepts: the YAML inventory's structure (strict: a group has only
// hosts, children and vars) and the variables fleetboot itself reads (typed; all others free).
// `message` is fleetboot's annotation: the one-line text an operator sees when that schema fails.

const SECRET =
  'secrets may not be written in the inventory; give them by reference: password_env: NAME (an environment variable) or password_file: PATH';

/** A Jinja expression is checked once templated, by whoever reads the value. */
const TEMPLATE = { type: 'string', pattern: '\\{\\{|\\{%' } as const;

function typed(schema: Record<string, unknown>, message: string): Record<string, unknown> {
  return { if: TEMPLATE, else: { ...schema, message } };
}

const str = (what: string): Record<string, unknown> => typed({ type: 'string' }, `must be a string (${what})`);
const port = typed({ type: 'integer', minimum: 1, maximum: 65535 }, 'must be an integer from 1 to 65535');

export const SSH_PUBLIC_KEY =
  '^(?:ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh\\.com|sk-ecdsa-sha2-nistp256@openssh\\.com)[ \\t]+[A-Za-z0-9+/]+={0,3}(?:[ \\t].*)?$';

export const BMC_FIELDS = ['address', 'port', 'user', 'password_env', 'password_file', 'insecure', 'ca_file', 'system', 'vendor'];

const bmc = typed(
  {
    type: 'object',
    additionalProperties: false,
    required: ['address'],
    properties: {
      address: str('the BMC host name or IP address'),
      port: port,
      user: str('the BMC user name'),
      password_env: typed({ type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, 'must be the name of an environment variable'),
      password_file: str('the path of a file holding the password'),
      insecure: typed({ type: 'boolean' }, 'must be true or false (true skips TLS certificate checks)'),
      ca_file: str('the path of a CA certificate file'),
      system: str('the Redfish system id or path'),
      vendor: str('the BMC vendor'),
      password: { not: {}, message: SECRET },
    },
  },
  `must be a mapping with address (required) and any of: ${BMC_FIELDS.slice(1).join(', ')}`,
);

/** Variables fleetboot reads, with their types; any other variable is free, as in Ansible. */
export const VAR_PROPERTIES: Record<string, unknown> = {
  ansible_host: str('the address fleetboot connects to'),
  ansible_port: port,
  ansible_user: str('the SSH user'),
  ansible_ssh_private_key_file: str('the path of an SSH private key file'),
  fleetboot_known_hosts_file: str('the path of a known_hosts file'),
  fleetboot_host_key_policy: typed({ enum: ['strict', 'accept-new'] }, 'must be strict or accept-new'),
  fleetboot_host_key: typed(
    { type: 'string', pattern: SSH_PUBLIC_KEY },
    "must be an OpenSSH public key line such as 'ssh-ed25519 AAAAC3Nza... comment'",
  ),
  arch: typed({ enum: ['x86_64', 'aarch64', 'ppc64le', 's390x'] }, 'must be one of x86_64, aarch64, ppc64le, s390x'),
  install_device: str('the disk to install to, such as /dev/sda'),
  bmc,
  ansible_password: { not: {}, message: SECRET },
  ansible_ssh_pass: { not: {}, message: SECRET },
  ansible_become_password: { not: {}, message: SECRET },
  ansible_become_pass: { not: {}, message: SECRET },
};

/**
 * Any variable named like a secret (`*_password`, `*_token`, ...) may hold a reference (a
 * template such as "{{ lookup('env', 'BMC_PASS') }}"), never the secret itself.
 */
export const SECRET_VAR_PATTERNS: Record<string, unknown> = {
  '(^|_)(password|passwd|pass|secret|token)$': typed({ not: {} }, SECRET),
};

/** Inventory files read ansible_group_priority into the group (Python's int()). */
const GROUP_VAR_PROPERTIES: Record<string, unknown> = {
  ...VAR_PROPERTIES,
  ansible_group_priority: typed(
    { type: ['integer', 'string'], pattern: '^\\s*[+-]?\\d+\\s*$' },
    'must be an integer (among groups of the same depth, the higher priority wins)',
  ),
};

/** A host_vars/ or group_vars/ file, or one INI line's variables. */
export const VARS_SCHEMA = {
  $id: 'fleetboot:vars',
  type: 'object',
  properties: VAR_PROPERTIES,
  patternProperties: SECRET_VAR_PATTERNS,
  message: 'must be a mapping of variable names to values',
};

export const GROUP_VARS_SCHEMA = {
  $id: 'fleetboot:group-vars',
  type: 'object',
  properties: GROUP_VAR_PROPERTIES,
  patternProperties: SECRET_VAR_PATTERNS,
  message: 'must be a mapping of variable names to values',
};

export const GROUP_KEYS = ['hosts', 'children', 'vars'];

/** Ansible's YAML inventory: groups at the top, each with hosts, children and vars. */
export const YAML_INVENTORY_SCHEMA = {
  $id: 'fleetboot:inventory',
  type: 'object',
  message: 'must be a mapping of group names (such as all) to groups',
  additionalProperties: { $ref: '#/$defs/group' },
  $defs: {
    group: {
      type: ['object', 'null'],
      message: 'must be a mapping with hosts, children or vars (or empty)',
      additionalProperties: false,
      properties: {
        // A single name may stand for a one-entry mapping, as Ansible allows.
        hosts: {
          type: ['object', 'null', 'string'],
          message: 'must be a mapping of host names (each with its variables, or empty)',
          additionalProperties: {
            type: ['object', 'null'],
            message: 'must be a mapping of variables (or empty)',
            properties: VAR_PROPERTIES,
            patternProperties: SECRET_VAR_PATTERNS,
          },
        },
        children: {
          type: ['object', 'null', 'string'],
          message: 'must be a mapping of group names to groups',
          additionalProperties: { $ref: '#/$defs/group' },
        },
        vars: {
          type: ['object', 'null'],
          message: 'must be a mapping of variable names to values',
          properties: GROUP_VAR_PROPERTIES,
          patternProperties: SECRET_VAR_PATTERNS,
        },
      },
    },
  },
};
