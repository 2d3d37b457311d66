// coreos.live_iso: the RHCOS live ISO for this host, served with a per-host live Ignition written
// into its embed area as the bytes stream (no copy of the ISO per host). The live Ignition lets
// the run's key in as `core` and carries an SSH host key made for this host, whose public half
// becomes the fact `fleetboot_host_key`, so the SSH step that follows knows whom it talks to.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import ssh2 from 'ssh2';
import { generateHostKey } from '../coreos/host-keys.js';
import { embedOverlay } from '../coreos/iso-ignition.js';
import { buildLiveIgnition } from '../coreos/live-ignition.js';
import { parseLiveNetwork } from '../coreos/live-network.js';
import { parseStreamMetadata, pickLiveIso, type LiveIsoArtifact } from '../coreos/stream-metadata.js';
import { ModuleFailure, type ModuleContext, type ModuleSpec } from './contract.js';
import { cachedIso, defaultCacheDir, isHttpUrl, isoState, loadStream, localPath, servedOverlays } from './coreos-iso-cache.js';

export interface CoreosLiveIsoArgs {
  stream: string | Record<string, unknown>;
  arch?: string;
  cache_dir?: string;
  authorized_keys?: string[];
  network?: unknown;
  name?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `f`; any error becomes the module's failure with its message (prefixed when given). */
async function verdict<T>(f: () => T | Promise<T>, prefix = ''): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof ModuleFailure) throw err;
    throw new ModuleFailure(prefix + message(err));
  }
}

/** The public key line(s) for `core`: given, or the public half of the host's SSH private key file. */
async function authorizedKeys(args: CoreosLiveIsoArgs, ctx: ModuleContext): Promise<string[]> {
  if (args.authorized_keys) return args.authorized_keys;
  const file = ctx.vars['ansible_ssh_private_key_file'] ?? ctx.vars['ansible_private_key_file'];
  if (typeof file !== 'string' || file === '') {
    throw new ModuleFailure('authorized_keys: not given and the host has no ansible_ssh_private_key_file to take the public key from; give authorized_keys: [ssh-ed25519 AAAA...]');
  }
  const path = file.startsWith('~/') ? homedir() + file.slice(1) : file;
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new ModuleFailure(`authorized_keys: cannot read ansible_ssh_private_key_file ${path}: ${message(err)}`);
  }
  const parsed = ssh2.utils.parseKey(data);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    throw new ModuleFailure(`authorized_keys: cannot read the key in ${path} (${key instanceof Error ? key.message : 'no key'}); give authorized_keys explicitly`);
  }
  return [`${key.type} ${key.getPublicSSH().toString('base64')}`];
}

async function pickIso(args: CoreosLiveIsoArgs, ctx: ModuleContext): Promise<LiveIsoArtifact> {
  const arch = args.arch ?? ctx.vars['arch'];
  if (typeof arch !== 'string' || arch === '') throw new ModuleFailure('arch: not given and the host has no arch variable; set arch (aarch64 or x86_64)');
  if (typeof args.stream !== 'string') {
    const given = args.stream;
    return verdict(() => pickLiveIso(parseStreamMetadata(JSON.stringify(given), 'stream'), arch, 'stream'));
  }
  // A stream file is found as the playbook's files are; a relative ISO path in it is taken from its directory.
  const location = isHttpUrl(args.stream) || args.stream.startsWith('file:') ? args.stream : ctx.resolvePath(args.stream, 'files');
  const stream = await verdict(() => loadStream(location, ctx.signal));
  const iso = await verdict(() => pickLiveIso(stream, arch, `stream metadata ${args.stream}`));
  const streamFile = localPath(location);
  if (streamFile && !isHttpUrl(iso.location) && !iso.location.startsWith('file:') && !isAbsolute(iso.location)) {
    return { ...iso, location: join(dirname(streamFile), iso.location) };
  }
  return iso;
}

export const coreosLiveIsoModule: ModuleSpec<CoreosLiveIsoArgs> = {
  name: 'coreos.live_iso',
  aliases: ['fleetboot.coreos.live_iso'],
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['stream'],
    properties: {
      stream: { type: ['string', 'object'], minLength: 1 },
      arch: { type: 'string', minLength: 1 },
      cache_dir: { type: 'string', minLength: 1 },
      authorized_keys: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
      network: { type: ['array', 'null'] },
      name: { type: 'string', minLength: 1 },
    },
  },
  async run(args, ctx) {
    const iso = await pickIso(args, ctx);
    const isoInfo = { location: iso.location, sha256: iso.sha256 };
    // Everything a wrong inventory can break is checked before anything is downloaded.
    const keys = await authorizedKeys(args, ctx);
    const network = await verdict(() => parseLiveNetwork(args.network === undefined ? ctx.vars['live_network'] : args.network, args.network === undefined ? 'live_network' : 'network'));
    if (ctx.check) return { changed: true, failed: false, iso: isoInfo, msg: 'check mode: the ISO was chosen, not downloaded or published' };

    const file = await verdict(() => cachedIso(iso.location, iso.sha256, args.cache_dir ?? defaultCacheDir(), ctx.signal));
    const { state, usedLength } = await verdict(() => isoState(file), `live ISO ${file}: `);

    const hostKey = generateHostKey(ctx.host);
    ctx.addSecret(hostKey.privateKey);
    ctx.addSecret(hostKey.privateKey.trim());
    const live = await verdict(() => buildLiveIgnition({ authorizedKeys: keys, hostKey, network }));
    for (const s of live.secrets) ctx.addSecret(s);

    const area = await verdict(() => embedOverlay(state, live.bytes, { force: true }), `embedding the live Ignition into ${file}: `);
    const overlays = servedOverlays(area, usedLength);

    const publisher = await ctx.artifacts();
    const published = await publisher.publishFile({ name: args.name ?? 'live.iso', file, overlays });
    return {
      changed: true,
      failed: false,
      url: published.url,
      ...(published.httpsUrl ? { https_url: published.httpsUrl } : {}),
      iso: isoInfo,
      host_key_fingerprint: hostKey.fingerprint,
      ansible_facts: { fleetboot_host_key: hostKey.pinnedHostKey },
    };
  },
};
