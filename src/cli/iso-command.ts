// `fleetboot iso embed|show|remove` (also spelled `fleetboot iso ignition embed|show|remove`): coreos-installer's
// `iso ignition` commands, with its flags and messages, for users who want the live ISO as a file.

import { readFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, FleetbootError } from '../core/errors.js';
import {
  embedIgnitionFile,
  embedOverlay,
  openIsoFile,
  readIsoIgnition,
  readWithOverlay,
  removeIgnitionFile,
  removeOverlay,
  showIgnitionFile,
  type AreaOverlay,
  type IsoIgnitionState,
} from '../coreos/iso-ignition.js';

interface IsoArgs {
  iso: string;
  'ignition-file'?: string;
  output?: string;
  force?: boolean;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

/** The config to embed: `-i FILE`, or stdin when `-i` is absent (as coreos-installer) or `-`. */
async function readConfig(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === '-') {
    try {
      return await readStdin();
    } catch (err) {
      throw new FleetbootError(`reading stdin: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  try {
    return await readFile(path);
  } catch (err) {
    throw new FleetbootError(`reading ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes and waits for the write (backpressure); a closed reader (EPIPE) becomes a one-line error, not a crash. */
function writeStdout(buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new FleetbootError(`writing output: ${err.message}`));
    // Kept on failure: the stream reports a write error to the callback and then emits it.
    process.stdout.once('error', onError);
    process.stdout.write(buf, (err) => {
      if (err) return onError(err);
      process.stdout.off('error', onError);
      resolve();
    });
  });
}

/** `-o -`: the edited image on stdout, never on a terminal. */
async function streamEdited(iso: string, edit: (state: IsoIgnitionState) => Promise<AreaOverlay>): Promise<void> {
  if (process.stdout.isTTY) throw new FleetbootError('Refusing to write binary data to terminal');
  const source = await openIsoFile(iso);
  try {
    const overlay = await edit(await readIsoIgnition(source));
    for await (const chunk of readWithOverlay(source, overlay)) await writeStdout(chunk);
  } finally {
    await source.close();
  }
}

function outputOf(output: string | undefined): { kind: 'in-place' } | { kind: 'file'; path: string } {
  return output === undefined ? { kind: 'in-place' } : { kind: 'file', path: output };
}

function actions(y: Argv, setCode: (c: number) => void): Argv {
  const iso = { describe: 'ISO image', type: 'string', demandOption: true } as const;
  const output = { alias: 'o', type: 'string', describe: 'write the ISO to a new output file (- for stdout) instead of editing it in place' } as const;
  return y
    .command<IsoArgs>({
      command: 'embed <iso>',
      describe: 'embed an Ignition config in a live ISO',
      builder: (b) =>
        b
          .positional('iso', iso)
          .option('ignition-file', { alias: 'i', type: 'string', describe: 'Ignition config to embed (- or none: stdin)' })
          .option('output', output)
          .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'overwrite an existing Ignition config' }) as never,
      handler: async (args) => {
        const config = await readConfig(args['ignition-file']);
        const force = args.force === true;
        if (args.output === '-') await streamEdited(args.iso, (s) => embedOverlay(s, config, { force }));
        else await embedIgnitionFile(args.iso, config, { output: outputOf(args.output), force });
        setCode(ExitCode.OK);
      },
    })
    .command<IsoArgs>({
      command: 'show <iso>',
      describe: 'print the Ignition config embedded in a live ISO',
      builder: (b) => b.positional('iso', iso) as never,
      handler: async (args) => {
        await writeStdout(await showIgnitionFile(args.iso));
        setCode(ExitCode.OK);
      },
    })
    .command<IsoArgs>({
      command: 'remove <iso>',
      describe: 'remove the Ignition config embedded in a live ISO',
      builder: (b) => b.positional('iso', iso).option('output', output) as never,
      handler: async (args) => {
        if (args.output === '-') await streamEdited(args.iso, removeOverlay);
        else await removeIgnitionFile(args.iso, { output: outputOf(args.output) });
        setCode(ExitCode.OK);
      },
    });
}

export function isoCommand(setCode: (c: number) => void): CommandModule<object, object> {
  return {
    command: 'iso <command>',
    describe: "embed, show or remove a live ISO's Ignition config (coreos-installer iso ignition)",
    builder: (y) =>
      actions(y, setCode)
        .command({
          command: 'ignition <command>',
          describe: "the same commands, spelled as coreos-installer's `iso ignition`",
          builder: (i) => actions(i, setCode).demandCommand(1, 'name an iso ignition command: embed, show or remove'),
          handler: () => undefined,
        })
        .demandCommand(1, 'name an iso command: embed, show or remove'),
    handler: () => undefined,
  };
}
