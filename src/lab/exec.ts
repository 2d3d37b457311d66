// One exec request on a lab host: the host's faults first, then the lab shell, with output
// streamed to the channel as it comes and the exit status sent at the end.

import { setTimeout as delay } from 'node:timers/promises';
import type { ServerChannel } from 'ssh2';
import type { HostFaults } from './faults.js';
import { runShell, type ShellHost } from './shell.js';

function collectStdin(channel: ServerChannel): () => Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Always read, so that a client writing stdin to a command that ignores it never blocks.
  const all = new Promise<Buffer>((resolve) => {
    channel.on('data', (chunk: Buffer) => chunks.push(chunk));
    channel.once('end', () => resolve(Buffer.concat(chunks)));
    channel.once('close', () => resolve(Buffer.concat(chunks)));
  });
  return () => all;
}

/**
 * Serves `command` on `channel`. `drop` destroys the whole TCP connection (fault `drop_on`):
 * it happens after the command's first output, or at its end when it writes nothing, and the
 * client never gets an exit status.
 */
export function serveExec(channel: ServerChannel, command: string, host: ShellHost, faults: HostFaults, drop: () => void): void {
  const abort = new AbortController();
  let closed = false;
  channel.once('close', () => {
    closed = true;
    abort.abort();
  });
  const stdin = collectStdin(channel);
  const finish = (rc: number): void => {
    if (closed) return;
    channel.exit(rc);
    channel.end();
  };
  const dropping = faults.dropOn?.test(command) === true;
  let dropped = false;
  const dropNow = (): void => {
    if (dropped) return;
    dropped = true;
    abort.abort();
    drop();
  };
  const writer = (write: (chunk: string | Buffer) => void) => (chunk: string | Buffer) => {
    if (closed || dropped) return;
    write(chunk);
    if (dropping) dropNow();
  };

  const run = async (): Promise<void> => {
    if (faults.slow?.match.test(command)) await delay(faults.slow.seconds * 1000, undefined, { signal: abort.signal });
    if (!dropping && faults.fail?.match.test(command)) {
      const text = faults.fail.stderr;
      if (text) channel.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
      return finish(faults.fail.rc);
    }
    const rc = await runShell(command, host, {
      stdout: writer((c) => channel.write(c)),
      stderr: writer((c) => channel.stderr.write(c)),
      stdin,
      signal: abort.signal,
      drop: dropNow,
    });
    if (dropping) dropNow();
    else finish(rc);
  };
  run().catch((err: unknown) => {
    if (err instanceof Error && err.name === 'AbortError') return;
    if (!closed) channel.stderr.write(`sh: internal error of the lab: ${String(err)}\n`);
    finish(70);
  });
}
