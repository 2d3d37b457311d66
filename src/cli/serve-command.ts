// `fleetboot serve [NAME=]PATH…`: the artifact server on its own, for steps done by hand or by
// other tools. Each file is published at an unguessable URL (printed once: it is the operator's
// to hand out); a live ISO can carry an Ignition config in its embed area as it streams
// (`--embed-ignition`, what `fleetboot iso embed` writes, without a copy). Every request is logged
// as one line. Runs until Ctrl-C or SIGTERM.

import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { ExitCode, OptionsError } from '../core/errors.js';
import type { TransportEvent } from '../core/events.js';
import { openFileSource } from '../coreos/byte-source.js';
import { ignitionDigest } from '../coreos/ignition-digest.js';
import { checkIgnitionConfig } from '../coreos/ignition-schema.js';
import { embedOverlay, readIsoIgnition, type AreaOverlay } from '../coreos/iso-ignition.js';
import { ArtifactServer } from '../serve/server.js';
import { serveConfig, type ServeArgs } from './serve-options.js';

interface ServeCommandArgs extends ServeArgs {
  artifacts: string[];
  'embed-ignition'?: string;
  /** The host name requests are logged under (default `-`). */
  host: string;
}

export interface ServedArtifact {
  name: string;
  path: string;
}

/** `NAME=PATH` or `PATH` (its file name becomes the name). */
export function parseArtifactArg(arg: string): ServedArtifact {
  const eq = arg.indexOf('=');
  const path = eq > 0 ? arg.slice(eq + 1) : arg;
  const name = eq > 0 ? arg.slice(0, eq) : basename(arg);
  if (path === '') throw new OptionsError(`serve: ${JSON.stringify(arg)}: give a file, as PATH or NAME=PATH`);
  return { name, path: resolve(path) };
}

export function serveCommand(setCode: (c: number) => void): CommandModule<object, ServeCommandArgs> {
  return {
    command: 'serve <artifacts..>',
    describe: 'serve files (an Ignition config, a live ISO) at unguessable URLs with HTTP Range support, until Ctrl-C',
    builder: (y) =>
      y
        .positional('artifacts', { type: 'string', array: true, demandOption: true, describe: 'files to serve, as PATH or NAME=PATH' })
        .option('embed-ignition', { type: 'string', requiresArg: true, describe: 'serve each .iso with this Ignition config in its embed area (as `iso embed` writes it)' })
        .option('host', { type: 'string', default: '-', describe: 'the host name the requests are logged under' })
        .option('serve', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'listen at http(s)://ADDRESS:PORT (repeatable; default loopback, free ports; env FLEETBOOT_SERVE)' })
        .option('serve-url', { type: 'string', array: true, nargs: 1, requiresArg: true, describe: 'URL BMCs and hosts reach the server at, one per scheme (env FLEETBOOT_SERVE_URL)' })
        .option('serve-cert', { type: 'string', requiresArg: true, describe: 'HTTPS certificate chain (PEM); default: a CA made at start' })
        .option('serve-key', { type: 'string', requiresArg: true, describe: 'key of --serve-cert (PEM)' }) as never,
    handler: async (args) => {
      setCode(await serve(args));
    },
  };
}

/**
 * The config to embed, checked first: coreos-installer embeds anything, and an invalid live config
 * sends the live boot to an emergency shell, far from the operator.
 */
async function readIgnition(path: string): Promise<Buffer> {
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new OptionsError(`--embed-ignition ${path}: ${err.code ?? 'unreadable'}`);
  });
  let config: unknown;
  try {
    config = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new OptionsError(`--embed-ignition ${path}: not JSON (${(err as Error).message})`);
  }
  const { errors } = checkIgnitionConfig(config, { strict: false });
  if (errors.length) throw new OptionsError(`--embed-ignition ${path}: not a valid Ignition config: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
  return bytes;
}

function requestLine(e: TransportEvent): string {
  return `${new Date().toISOString()} [${e.host}] ${e.action}${e.detail ? ` ${e.detail}` : ''}${e.durationMs !== undefined ? ` (${e.durationMs}ms)` : ''}\n`;
}

async function serve(args: ServeCommandArgs): Promise<number> {
  const config = serveConfig(args);
  const artifacts = args.artifacts.map(parseArtifactArg);
  const names = new Set<string>();
  for (const a of artifacts) {
    if (names.has(a.name)) throw new OptionsError(`serve: two files named ${a.name}; give one a NAME= of its own`);
    names.add(a.name);
    const st = await stat(a.path).catch(() => undefined);
    if (!st?.isFile()) throw new OptionsError(`serve: ${a.path}: not a readable file`);
  }
  const embed = args['embed-ignition'] ? await readIgnition(resolve(args['embed-ignition'])) : undefined;
  if (embed && !artifacts.some((a) => a.name.endsWith('.iso'))) throw new OptionsError('serve: --embed-ignition needs an .iso among the files');

  const server = await ArtifactServer.start({ ...config, onEvent: (e) => process.stdout.write(requestLine(e)) });
  const listing: string[] = [];
  try {
    for (const a of artifacts) {
      let overlays: AreaOverlay[] | undefined;
      if (embed && a.name.endsWith('.iso')) {
        const source = await openFileSource(a.path);
        try {
          overlays = [await embedOverlay(await readIsoIgnition(source), embed, { force: true })];
        } finally {
          await source.close();
        }
      }
      const p = await server.publish({ host: args.host, name: a.name, file: a.path, ...(overlays ? { overlays } : {}) });
      // An Ignition config's digest is what coreos-installer's --ignition-hash wants.
      const digest = a.name.endsWith('.ign') ? `  ${ignitionDigest(await readFile(a.path))}` : '';
      listing.push(`${a.name}  ${p.url}${p.httpsUrl && p.httpsUrl !== p.url ? `  ${p.httpsUrl}` : ''}${digest}${overlays ? '  (Ignition embedded)' : ''}`);
    }
  } catch (err) {
    await server.close();
    throw err;
  }
  process.stdout.write(`serving ${artifacts.length} file${artifacts.length === 1 ? '' : 's'} (Ctrl-C to stop):\n${listing.map((l) => `  ${l}\n`).join('')}`);
  if (server.caPem) process.stdout.write(`HTTPS uses a CA made at start; clients that check it need:\n${server.caPem}`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  process.stdout.write('stopped\n');
  return ExitCode.OK;
}
