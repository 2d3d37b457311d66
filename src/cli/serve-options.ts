// The artifact server's command-line options: where it listens and the URLs it is reached at.

import { readFileSync } from 'node:fs';
import { OptionsError } from '../core/errors.js';
import type { BindAddress } from '../serve/server.js';

/** Loopback on free ports: enough for the lab; a data center names its own address. */
export const DEFAULT_SERVE = ['http://127.0.0.1:0', 'https://127.0.0.1:0'];

export interface ServeArgs {
  serve?: string[];
  'serve-url'?: string[];
  'serve-cert'?: string;
  'serve-key'?: string;
}

export interface ServeConfig {
  bind: BindAddress[];
  advertise: { http?: string; https?: string };
  tls?: { cert: string; key: string };
}

function parseUrl(flag: string, text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new OptionsError(`${flag} ${JSON.stringify(text)}: not a URL; give it as http://ADDRESS:PORT or https://ADDRESS:PORT`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OptionsError(`${flag} ${text}: the scheme must be http or https`);
  return u;
}

export function serveConfig(args: ServeArgs, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const split = (v: string | undefined): string[] => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
  const binds = args.serve?.length ? args.serve : split(env.FLEETBOOT_SERVE).length ? split(env.FLEETBOOT_SERVE) : DEFAULT_SERVE;
  const bind = binds.map((b): BindAddress => {
    const u = parseUrl('--serve', b);
    const protocol = u.protocol === 'https:' ? 'https' : 'http';
    if (u.port === '' && !/:\d+$/.test(u.host)) throw new OptionsError(`--serve ${b}: give the port (${protocol}://${u.hostname}:PORT, 0 for a free one)`);
    return { protocol, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 0) };
  });
  const advertise: ServeConfig['advertise'] = {};
  for (const a of args['serve-url']?.length ? args['serve-url'] : split(env.FLEETBOOT_SERVE_URL)) {
    const u = parseUrl('--serve-url', a);
    const protocol = u.protocol === 'https:' ? 'https' : 'http';
    if (advertise[protocol]) throw new OptionsError(`--serve-url: two ${protocol} URLs (${advertise[protocol]}, ${a}); give one per scheme`);
    advertise[protocol] = a;
  }
  const certFile = args['serve-cert'];
  const keyFile = args['serve-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new OptionsError('--serve-cert and --serve-key go together (the certificate chain and its key, PEM)');
  let tls: ServeConfig['tls'];
  if (certFile && keyFile) {
    const read = (flag: string, f: string): string => {
      try {
        return readFileSync(f, 'utf8');
      } catch (err) {
        throw new OptionsError(`${flag} ${f}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
    };
    tls = { cert: read('--serve-cert', certFile), key: read('--serve-key', keyFile) };
  }
  return { bind, advertise, ...(tls ? { tls } : {}) };
}
