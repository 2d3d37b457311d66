// One command on an opened exec channel: stdin in, output streamed out as it arrives (UTF-8
// decoded across chunk boundaries), the exit status or signal collected. On timeout or abort
// the remote process group is sent KILL and the channel closed. That is best effort: OpenSSH
// honours the "signal" request for ordinary users but refuses it for root sessions (privilege
// separation is skipped for root), and then the command runs on until it ends by itself.

import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { ExecOptions, ExecResult } from './types.js';

/** How long a timed-out command's channel may take to close before the result is given anyway. */
const CLOSE_GRACE_MS = 3_000;

export interface ChannelOutcome {
  result: ExecResult;
  /** The abort signal fired: the caller rejects with its reason. */
  aborted: boolean;
  /** Closed without an exit status or signal, and not by us: maybe the connection dropped. */
  unexplained: boolean;
}

const earlyExits = new WeakMap<ClientChannel, { code: number | null; sig: string | undefined }>();

/**
 * Call inside ssh2's exec callback, before any await: the exit status can arrive in the same
 * read as the channel's confirmation, and ssh2 emits it at once (output is buffered by the
 * stream, the 'exit' event is not).
 */
export function rememberExit(channel: ClientChannel): ClientChannel {
  channel.once('exit', (code: number | null, sig?: string) => earlyExits.set(channel, { code, sig }));
  return channel;
}

export function runOnChannel(channel: ClientChannel, options: ExecOptions): Promise<ChannelOutcome> {
  const { stdin, timeoutMs, signal, onStdout, onStderr } = options;
  return new Promise((resolve) => {
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    let stdout = '';
    let stderr = '';
    let rc: number | null = null;
    let exitSignal: string | undefined;
    let timedOut = false;
    let aborted = false;
    let mainClosed = false;
    let stderrClosed = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const takeOut = (text: string): void => {
      if (!text) return;
      stdout += text;
      onStdout?.(text);
    };
    const takeErr = (text: string): void => {
      if (!text) return;
      stderr += text;
      onStderr?.(text);
    };

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      takeOut(out.end());
      takeErr(err.end());
      const result: ExecResult = { rc, stdout, stderr };
      if (exitSignal !== undefined) result.signal = exitSignal;
      if (timedOut) result.timedOut = true;
      const explained = rc !== null || exitSignal !== undefined || timedOut || aborted;
      resolve({ result, aborted, unexplained: !explained });
    };
    const maybeFinish = (): void => {
      if (mainClosed && stderrClosed) finish();
    };

    const kill = (): void => {
      sendSignal(channel, 'KILL');
      channel.close();
    };
    // An abort is the operator stopping the run: answer at once, don't wait for the server.
    function onAbort(): void {
      if (settled || aborted) return;
      aborted = true;
      kill();
      finish();
    }

    channel.on('data', (chunk: Buffer) => {
      if (!settled) takeOut(out.write(chunk));
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      if (!settled) takeErr(err.write(chunk));
    });
    const onExit = (code: number | null, sig?: string): void => {
      if (typeof code === 'number') rc = code;
      else if (sig !== undefined) exitSignal = sig;
    };
    const early = earlyExits.get(channel);
    if (early) onExit(early.code, early.sig);
    else channel.on('exit', onExit);
    channel.on('close', () => {
      mainClosed = true;
      maybeFinish();
    });
    channel.stderr.on('close', () => {
      stderrClosed = true;
      maybeFinish();
    });
    // A write after the server closed its side must not crash the process.
    channel.on('error', () => undefined);

    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(() => {
        if (settled || aborted) return;
        timedOut = true;
        kill();
        // OpenSSH waits for the process before closing; it may refuse the signal (root sessions).
        graceTimer = setTimeout(finish, CLOSE_GRACE_MS);
      }, timeoutMs);
    }
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    // Always send EOF, so a command reading stdin ends instead of waiting forever.
    if (stdin !== undefined) channel.end(stdin);
    else channel.end();
  });
}

interface ChannelInternals {
  _client?: { _protocol?: { signal?: (channelId: number, signal: string) => void } };
  outgoing?: { id?: number; state?: string };
}

/**
 * Sends a "signal" request. ssh2 1.17's `channel.signal()` silently does nothing once stdin is
 * at EOF (mscdex/ssh2#1510), which it always is here; the request is still valid then
 * (RFC 4254 6.9), so it goes through ssh2's protocol object when that has the expected shape.
 */
export function sendSignal(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as ChannelInternals;
  const protocol = internals._client?._protocol;
  const id = internals.outgoing?.id;
  const state = internals.outgoing?.state;
  if (typeof protocol?.signal === 'function' && typeof id === 'number' && (state === 'open' || state === 'eof')) {
    protocol.signal(id, name);
  } else {
    channel.signal(name);
  }
}
