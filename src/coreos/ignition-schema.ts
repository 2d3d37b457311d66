// Checking an Ignition 3.x config before it is served: a JSON Schema written from the spec docs
// (coreos/ignition docs/configuration-v3_*.md: the fields fleetboot emits and the common ones,
// not Ignition's own schema file), then the semantic rules Ignition enforces that a schema
// cannot say: absolute, simplified paths; one entry per path; readable `data:` sources; unique
// user and unit names. `strict` refuses unknown keys (for configs fleetboot builds); lenient
// mode lets them through (user configs may use fields this schema does not list).

import { posix } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDataUrl } from './data-url.js';
import { parseIgnitionHash } from './ignition-digest.js';

/**
 * Stable spec versions (coreos/ignition docs/release-notes.md): 3.4.0 stable from Ignition 2.15.0
 * (2023-02), 3.5.0 from Ignition 2.20.0 (2024-10); 3.2.0 from 2.7.0 (2020-10).
 */
export const IGNITION_SPEC_VERSIONS = ['3.0.0', '3.1.0', '3.2.0', '3.3.0', '3.4.0', '3.5.0'] as const;

type Json = Record<string, unknown>;

function schema(strict: boolean): Json {
  const extra = strict ? { additionalProperties: false } : {};
  const obj = (properties: Json, required: string[] = []): Json => ({ type: 'object', properties, required, ...extra });
  const str = { type: 'string' };
  const strOrNull = { type: ['string', 'null'] };
  const bool = { type: ['boolean', 'null'] };
  const int = { type: ['integer', 'null'] };
  const strList = { type: 'array', items: str };
  const verification = obj({ hash: strOrNull });
  const header = obj({ name: str, value: strOrNull }, ['name']);
  const resource = obj({
    source: strOrNull,
    compression: strOrNull,
    httpHeaders: { type: 'array', items: header },
    verification,
  });
  const node = { path: str, overwrite: bool, user: obj({ id: int, name: strOrNull }), group: obj({ id: int, name: strOrNull }) };
  const mode = { type: ['integer', 'null'], minimum: 0, maximum: 0o7777 };
  return {
    type: 'object',
    required: ['ignition'],
    ...extra,
    properties: {
      ignition: obj(
        {
          version: { type: 'string', pattern: '^3\\.[0-9]+\\.[0-9]+(-experimental)?$' },
          config: obj({ merge: { type: 'array', items: resource }, replace: resource }),
          timeouts: obj({ httpResponseHeaders: int, httpTotal: int }),
          security: obj({ tls: obj({ certificateAuthorities: { type: 'array', items: resource } }) }),
          proxy: obj({ httpProxy: strOrNull, httpsProxy: strOrNull, noProxy: strList }),
        },
        ['version'],
      ),
      passwd: obj({
        users: {
          type: 'array',
          items: obj(
            {
              name: str,
              passwordHash: strOrNull,
              sshAuthorizedKeys: strList,
              uid: int,
              gecos: strOrNull,
              homeDir: strOrNull,
              noCreateHome: bool,
              primaryGroup: strOrNull,
              groups: strList,
              noUserGroup: bool,
              noLogInit: bool,
              shell: strOrNull,
              system: bool,
              shouldExist: bool,
            },
            ['name'],
          ),
        },
        groups: {
          type: 'array',
          items: obj({ name: str, gid: int, passwordHash: strOrNull, system: bool, shouldExist: bool }, ['name']),
        },
      }),
      storage: obj({
        files: {
          type: 'array',
          items: obj({ ...node, mode, contents: resource, append: { type: 'array', items: resource } }, ['path']),
        },
        directories: { type: 'array', items: obj({ ...node, mode }, ['path']) },
        links: { type: 'array', items: obj({ ...node, target: strOrNull, hard: bool }, ['path']) },
        // Disks, RAID, filesystems and LUKS are passed through, shape unchecked: fleetboot never emits them.
        disks: { type: 'array' },
        raid: { type: 'array' },
        filesystems: { type: 'array' },
        luks: { type: 'array' },
      }),
      systemd: obj({
        units: {
          type: 'array',
          items: obj(
            {
              name: str,
              enabled: bool,
              mask: bool,
              contents: strOrNull,
              dropins: { type: 'array', items: obj({ name: str, contents: strOrNull }, ['name']) },
            },
            ['name'],
          ),
        },
      }),
      kernelArguments: obj({ shouldExist: strList, shouldNotExist: strList }),
    },
  };
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<boolean, ValidateFunction>();

function validator(strict: boolean): ValidateFunction {
  let v = validators.get(strict);
  if (!v) {
    v = ajv.compile(schema(strict));
    validators.set(strict, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') return `${where}: unknown key '${String(e.params['additionalProperty'])}'`;
  if (e.keyword === 'required') return `${where}: missing '${String(e.params['missingProperty'])}'`;
  if (e.keyword === 'type') {
    const mode = /\.mode$/.test(where) ? ' (modes are numbers in JSON: 420 for 0644, 384 for 0600)' : '';
    const types = String(e.params['type']).split(',').filter((t) => t !== 'null').join(' or ');
    return `${where}: must be ${types === 'integer' ? 'a whole number' : types}${mode}`;
  }
  return `${where}: ${e.message ?? e.keyword}`;
}

export interface IgnitionCheck {
  errors: string[];
  warnings: string[];
}

/**
 * Checks a parsed Ignition 3.x config. `strict` (the default) also refuses keys the schema does
 * not list. Returns every problem found, each on one line, naming the JSON path.
 */
export function checkIgnitionConfig(config: unknown, options: { strict?: boolean } = {}): IgnitionCheck {
  const strict = options.strict ?? true;
  const errors: string[] = [];
  const warnings: string[] = [];
  const v = validator(strict);
  if (!v(config)) {
    for (const e of v.errors ?? []) errors.push(describe(e));
    return { errors: dedupe(errors), warnings };
  }
  const c = config as Json;
  const version = String((c['ignition'] as Json)['version']);
  if (!(IGNITION_SPEC_VERSIONS as readonly string[]).includes(version)) {
    errors.push(`ignition.version: '${version}' is not a stable Ignition 3.x spec version (stable: ${IGNITION_SPEC_VERSIONS.join(', ')})`);
  }
  semantic(c, errors, warnings);
  return { errors, warnings };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

function asList(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

function checkSource(where: string, res: unknown, errors: string[]): void {
  if (!res || typeof res !== 'object') return;
  const r = res as Json;
  const source = r['source'];
  if (typeof source === 'string') {
    if (source.startsWith('data:')) {
      try {
        parseDataUrl(source);
      } catch (err) {
        errors.push(`${where}.source: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else if (!/^(https?|tftp|s3|gs|arn):/.test(source)) {
      errors.push(`${where}.source: unsupported URL scheme in '${source.slice(0, 60)}' (Ignition reads data, http, https, tftp, s3, gs, arn)`);
    }
  }
  const verification = r['verification'];
  const hash = verification && typeof verification === 'object' ? (verification as Json)['hash'] : undefined;
  if (typeof hash === 'string') {
    try {
      parseIgnitionHash(hash);
    } catch (err) {
      errors.push(`${where}.verification.hash: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const compression = r['compression'];
  if (typeof compression === 'string' && compression !== '' && compression !== 'gzip') {
    errors.push(`${where}.compression: '${compression}' is not supported (only gzip)`);
  }
}

function semantic(c: Json, errors: string[], warnings: string[]): void {
  const ign = c['ignition'] as Json;
  const cfg = ign['config'] as Json | undefined;
  asList(cfg?.['merge']).forEach((r, i) => checkSource(`ignition.config.merge[${i}]`, r, errors));
  if (cfg?.['replace']) checkSource('ignition.config.replace', cfg['replace'], errors);
  const tls = (ign['security'] as Json | undefined)?.['tls'] as Json | undefined;
  asList(tls?.['certificateAuthorities']).forEach((r, i) => checkSource(`ignition.security.tls.certificateAuthorities[${i}]`, r, errors));

  const passwd = c['passwd'] as Json | undefined;
  const userNames = new Set<string>();
  asList(passwd?.['users']).forEach((u, i) => {
    const name = String(u['name']);
    if (name === '') errors.push(`passwd.users[${i}].name: must not be empty`);
    if (userNames.has(name)) errors.push(`passwd.users[${i}].name: user '${name}' appears twice`);
    userNames.add(name);
    asList(u['sshAuthorizedKeys']).forEach((k, j) => {
      if (!/^\S+ \S+/.test(String(k).trim())) errors.push(`passwd.users[${i}].sshAuthorizedKeys[${j}]: not an SSH public key line ('type base64 [comment]')`);
    });
  });

  const storage = c['storage'] as Json | undefined;
  const paths = new Map<string, string>();
  for (const kind of ['files', 'directories', 'links'] as const) {
    asList(storage?.[kind]).forEach((entry, i) => {
      const where = `storage.${kind}[${i}]`;
      const path = String(entry['path']);
      if (!path.startsWith('/')) errors.push(`${where}.path: '${path}' is not absolute`);
      else if (posix.normalize(path) !== path || (path.length > 1 && path.endsWith('/'))) {
        errors.push(`${where}.path: '${path}' is not simplified (write it as '${posix.normalize(path).replace(/(.)\/$/, '$1')}')`);
      }
      const seen = paths.get(path);
      if (seen) errors.push(`${where}.path: '${path}' is also ${seen}`);
      else paths.set(path, where);
      if (kind === 'files') {
        checkSource(`${where}.contents`, entry['contents'], errors);
        asList(entry['append']).forEach((r, j) => checkSource(`${where}.append[${j}]`, r, errors));
      }
      if (kind === 'links' && typeof entry['target'] !== 'string') errors.push(`${where}.target: missing`);
      const mode = entry['mode'];
      if (typeof mode === 'number' && mode & 0o7000) {
        warnings.push(`${where}.mode: ${mode.toString(8)} sets setuid/setgid/sticky bits (only honoured from spec 3.4.0)`);
      }
    });
  }

  const units = new Set<string>();
  asList((c['systemd'] as Json | undefined)?.['units']).forEach((u, i) => {
    const name = String(u['name']);
    if (!/^[^/]+\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)$/.test(name)) {
      errors.push(`systemd.units[${i}].name: '${name}' is not a systemd unit name`);
    }
    if (units.has(name)) errors.push(`systemd.units[${i}].name: unit '${name}' appears twice`);
    units.add(name);
  });
}
