// coreos.ignition: takes the worker Ignition config (a controller file, inline content or a URL),
// checks it, hashes it (`sha512-<hex>`), publishes it for this host at an unguessable URL, and
// fetches it back through the advertised URL as the operator's `curl` step does, comparing the
// digest. The config itself never appears in the result, events or messages.

import { readFile } from 'node:fs/promises';
import type { TaskResult } from '../core/result.js';
import { ignitionDigest } from '../coreos/ignition-digest.js';
import { checkWorkerIgnition } from '../coreos/worker-ignition.js';
import { ModuleFailure, type ModuleContext, type ModuleSpec } from './contract.js';
import { fetchBack, httpFailure, httpGetBytes, onceByKey } from './coreos-fetch.js';

export interface CoreosIgnitionArgs {
  src?: string;
  content?: string | Record<string, unknown>;
  url?: string;
  name?: string;
  validate?: 'worker' | 'none';
}

/** Source reads of this process, by resolved path or URL: a file named by 1,000 hosts is read once. */
const sources = new Map<string, Promise<Buffer>>();

/** Forgets cached sources (tests; a long-lived process serving several runs). */
export function clearIgnitionSourceCache(): void {
  sources.clear();
}

async function readSource(args: CoreosIgnitionArgs, resolve: (p: string) => string, signal: AbortSignal): Promise<{ bytes: Buffer; what: string }> {
  if (args.content !== undefined) {
    const text = typeof args.content === 'string' ? args.content : JSON.stringify(args.content);
    return { bytes: Buffer.from(text, 'utf8'), what: 'content' };
  }
  if (args.src !== undefined) {
    const path = resolve(args.src);
    const bytes = await onceByKey(sources, `file:${path}`, () => readFile(path)).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
      throw new ModuleFailure(`src: cannot read Ignition config ${path}: ${why}`);
    });
    return { bytes, what: `src ${args.src}` };
  }
  const url = args.url!;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ModuleFailure(`url: '${url}' is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ModuleFailure(`url: '${url}' must be http:// or https://`);
  const bytes = await onceByKey(sources, `url:${u.href}`, () => httpGetBytes(u.href, { signal })).catch((err: unknown) => {
    if (err instanceof ModuleFailure) throw err;
    throw new ModuleFailure(`url: fetching Ignition config from ${u.origin} failed: ${httpFailure(err)}`);
  });
  return { bytes, what: `url ${u.origin}${u.pathname}` };
}

export const coreosIgnitionModule: ModuleSpec<CoreosIgnitionArgs> = {
  name: 'coreos.ignition',
  aliases: ['fleetboot.coreos.ignition'],
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      src: { type: 'string', minLength: 1 },
      content: { type: ['string', 'object'] },
      url: { type: 'string', minLength: 1 },
      name: { type: 'string', minLength: 1 },
      validate: { enum: ['worker', 'none'] },
    },
    oneOf: [{ required: ['src'] }, { required: ['content'] }, { required: ['url'] }],
  },
  async run(args, ctx) {
    const { bytes, what } = await readSource(args, (p) => ctx.resolvePath(p, 'files'), ctx.signal);
    return publishIgnition(bytes, what, args, ctx);
  },
};

/**
 * What coreos.ignition does with the config's bytes, whatever their source (`what` names it in
 * messages): validate, hash, publish for this host, fetch back through the advertised URLs and
 * compare. The bytes never go into the result, events or messages.
 */
export async function publishIgnition(
  bytes: Buffer,
  what: string,
  opts: { name?: string; validate?: 'worker' | 'none' },
  ctx: ModuleContext,
): Promise<TaskResult> {
  if ((opts.validate ?? 'worker') === 'worker') {
    const check = checkWorkerIgnition(bytes, `Ignition config (${what})`);
    if (check.errors.length > 0) throw new ModuleFailure(check.errors.join('; '));
    for (const w of check.warnings) ctx.emit({ kind: 'message', level: 'warning', msg: w });
  }
  const hash = ignitionDigest(bytes);
  if (ctx.check) {
    return { changed: false, failed: false, hash, size: bytes.length, msg: 'check mode: the config was read and hashed, not published' };
  }
  const publisher = await ctx.artifacts();
  const published = await publisher.publishBytes({ name: opts.name ?? 'config.ign', bytes });
  const wrong = await fetchBack(published, publisher, ctx.signal, (got) => {
    if (got.length !== bytes.length) return `got ${got.length} bytes, published ${bytes.length}`;
    const digest = ignitionDigest(got);
    return digest === hash ? undefined : `digest ${digest.slice(0, 23)}... does not match the published ${hash.slice(0, 23)}...`;
  });
  if (wrong) throw new ModuleFailure(`Ignition config published but ${wrong}`, { url: published.url, hash });
  return {
    changed: false,
    failed: false,
    url: published.url,
    ...(published.httpsUrl ? { https_url: published.httpsUrl } : {}),
    hash,
    size: bytes.length,
  };
}
