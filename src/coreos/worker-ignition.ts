// Checking a worker Ignition config a user hands fleetboot (file or URL) before it is hashed and
// served to coreos-installer. What a cluster serves is a small "pointer" config (the
// `worker-user-data-managed` secret): spec 3.x, `ignition.config.merge: [{source:
// https://api-int.<cluster>:22623/config/worker}]`, and the machine-config server's CA under
// `ignition.security.tls.certificateAuthorities`. Errors stop the run; warnings flag configs
// that parse but look unlike what the cluster would serve.

import { checkIgnitionConfig } from './ignition-schema.js';

export interface WorkerIgnitionCheck {
  /** `ignition.version`, when there is one. */
  version?: string;
  errors: string[];
  warnings: string[];
  /** The `ignition.config.merge` sources (the machine-config server URL for a pointer config). */
  mergeSources: string[];
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the bytes of a worker config as fetched; `source` names it in messages. */
export function checkWorkerIgnition(bytes: Buffer | string, source = 'worker ignition'): WorkerIgnitionCheck {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const head = text.trimStart().slice(0, 15).toLowerCase();
    const hint = head.startsWith('<') ? ' (it looks like HTML: is the URL right?)' : '';
    return { errors: [`${source} is not JSON${hint}: ${err instanceof Error ? err.message : String(err)}`], warnings: [], mergeSources: [] };
  }
  if (!isObj(value)) return { errors: [`${source} is not a JSON object`], warnings: [], mergeSources: [] };
  const ignition = value['ignition'];
  const version = isObj(ignition) && typeof ignition['version'] === 'string' ? ignition['version'] : undefined;
  if (!version) return { errors: [`${source} has no ignition.version (an Ignition config starts {"ignition": {"version": "3.2.0"}, ...})`], warnings: [], mergeSources: [] };
  if (/^[12]\./.test(version)) {
    return {
      version,
      errors: [`${source}: ignition.version ${version} is spec 2.x, which RHCOS 4.6 and later refuse; use a 3.x config (the cluster's worker pointer config is 3.x)`],
      warnings: [],
      mergeSources: [],
    };
  }
  const check = checkIgnitionConfig(value, { strict: false });
  const errors = check.errors.map((e) => `${source}: ${e}`);
  const warnings = check.warnings.map((w) => `${source}: ${w}`);
  if (version === '3.5.0') warnings.push(`${source}: ignition.version 3.5.0 needs Ignition 2.20 or later in the installed OS; clusters serve 3.2.0 or older pointer configs`);

  const config = isObj(ignition) ? ignition['config'] : undefined;
  const merge = isObj(config) && Array.isArray(config['merge']) ? config['merge'] : [];
  const mergeSources = merge.flatMap((m) => (isObj(m) && typeof m['source'] === 'string' ? [m['source']] : []));
  const replace = isObj(config) && isObj(config['replace']) ? config['replace'] : undefined;
  const hasContent = ['passwd', 'storage', 'systemd'].some((k) => isObj(value[k]) && Object.keys(value[k]).length > 0);

  if (mergeSources.length === 0 && !replace) {
    if (!hasContent) errors.push(`${source} is empty: no ignition.config.merge source and nothing to write (a worker pointer config merges https://api-int.<cluster>:22623/config/worker)`);
    else warnings.push(`${source} has no ignition.config.merge: it is a full config, not the cluster's pointer config; the host will not fetch its machine config from the cluster`);
  }
  for (const src of mergeSources) {
    let url: URL | undefined;
    try {
      url = new URL(src);
    } catch {
      continue; // the schema check already reported it
    }
    if (url.protocol === 'https:' && url.port === '22623' && !/^\/config\/[\w-]+$/.test(url.pathname)) {
      warnings.push(`${source}: merge source ${src} is on the machine-config server port but not /config/<pool>`);
    }
    if (url.protocol === 'http:') warnings.push(`${source}: merge source ${src} is plain http (the machine-config server serves https on 22623)`);
  }
  const tls = isObj(ignition) && isObj(ignition['security']) ? ignition['security']['tls'] : undefined;
  const cas = isObj(tls) && Array.isArray(tls['certificateAuthorities']) ? tls['certificateAuthorities'] : [];
  if (mergeSources.some((s) => s.startsWith('https:')) && cas.length === 0) {
    warnings.push(`${source}: merges an https source but names no ignition.security.tls.certificateAuthorities; the machine-config server's certificate will not verify`);
  }
  return { version, errors, warnings, mergeSources };
}
