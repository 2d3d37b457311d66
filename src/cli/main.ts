// fleetboot's command line. Flags are named as ansible-playbook names them where the meaning
// is the same; exit codes are ansible-playbook's.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, FleetbootError } from '../core/errors.js';
import { approveCommand } from './approve-command.js';
import { inventoryCommand } from './inventory-command.js';
import { labCommand } from './lab-command.js';
import { demoCommand } from './demo-command.js';
import { isoCommand } from './iso-command.js';
import { runCommand } from './run-command.js';
import { serveCommand } from './serve-command.js';
import { version } from './version.js';

const EPILOG = `Exit codes (as ansible-playbook): 0 ok, 1 error, 2 a host failed, 3 a host unreachable,
4 parse error (inventory, playbook), 5 bad options, 99 interrupted, 250 unexpected.`;

async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.OK;
  const setCode = (c: number): void => {
    code = c;
  };
  const parser = yargs(argv)
    .scriptName('fleetboot')
    .usage('$0 <command> [options]')
    .command(runCommand(setCode))
    .command(inventoryCommand(setCode))
    .command(labCommand(setCode))
    .command(demoCommand(setCode))
    .command(isoCommand(setCode))
    .command(serveCommand(setCode))
    .command(approveCommand(setCode))
    .demandCommand(1, 'name a command: run, inventory, lab, iso, serve, approve or demo (see --help)')
    .strict()
    .recommendCommands()
    .version(version())
    .alias('h', 'help')
    .epilog(EPILOG)
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((msg, err) => {
      // yargs' own complaints (YError) are usage errors; anything else came from a command.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(msg ?? err?.message ?? 'bad usage');
    });
  await parser.parseAsync();
  return code;
}

class UsageError extends Error {}

try {
  process.exitCode = await main(hideBin(process.argv));
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`ERROR! ${err.message}\nTry 'fleetboot --help'.\n`);
    process.exitCode = ExitCode.BAD_OPTIONS;
  } else if (err instanceof FleetbootError) {
    process.stderr.write(`ERROR! ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    const e = err as Error;
    process.stderr.write(`ERROR! unexpected: ${e?.message ?? String(err)}\n`);
    if (process.env.FLEETBOOT_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    else process.stderr.write('This is a bug in fleetboot; run again with FLEETBOOT_DEBUG=1 for the stack trace and report it.\n');
    process.exitCode = ExitCode.UNEXPECTED;
  }
}
