// ansible.builtin.wait_for_connection: waits until the host answers over SSH (after a reboot,
// or while a live system boots), trying again every `sleep` seconds until `timeout`.

import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../core/errors.js';
import type { ModuleSpec } from './contract.js';
import { SshHostKeyError } from '../ssh/errors.js';

export interface WaitForConnectionArgs {
  delay?: number;
  sleep?: number;
  timeout?: number;
  connect_timeout?: number;
}

export const waitForConnectionModule: ModuleSpec<WaitForConnectionArgs> = {
  name: 'wait_for_connection',
  local: true, // it connects itself, and an unreachable host is what it waits out
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      delay: { type: 'number', minimum: 0 },
      sleep: { type: 'number', minimum: 0 },
      timeout: { type: 'number', minimum: 0 },
      connect_timeout: { type: 'number', exclusiveMinimum: 0 },
    },
  },
  async run(args, ctx) {
    const started = Date.now();
    const deadline = started + (args.timeout ?? 600) * 1000;
    const pauseMs = (args.sleep ?? 1) * 1000;
    const connectMs = (args.connect_timeout ?? 5) * 1000;
    if (args.delay) await sleep(args.delay * 1000, undefined, { signal: ctx.signal });
    let lastError = 'not tried';
    for (let attempt = 1; ; attempt++) {
      try {
        await withTimeout(probe(), connectMs, `no answer within ${connectMs / 1000}s`);
        return { changed: false, failed: false, elapsed: Math.round((Date.now() - started) / 1000), attempts: attempt };
      } catch (err) {
        // A refused host key does not fix itself by waiting: the host is unreachable now.
        if (err instanceof SshHostKeyError) throw err;
        lastError = errorMessage(err);
        ctx.emit({ kind: 'message', level: 'debug', verbosity: 2, msg: `wait_for_connection attempt ${attempt}: ${lastError}` });
        // Not awaited: dropping a connect still pending (a host that takes TCP but never answers)
        // waits for that connect's own timeout, which may be far longer than connect_timeout.
        void ctx.reconnect().catch(() => undefined);
      }
      if (Date.now() + pauseMs >= deadline) break;
      await sleep(pauseMs, undefined, { signal: ctx.signal });
    }
    return {
      changed: false,
      failed: true,
      elapsed: Math.round((Date.now() - started) / 1000),
      msg: `timed out waiting for connection after ${args.timeout ?? 600}s: ${lastError}`,
    };

    async function probe(): Promise<void> {
      const conn = await ctx.ssh();
      const r = await conn.exec('true', { signal: ctx.signal, timeoutMs: connectMs });
      if (r.rc !== 0) throw new Error(`'true' exited with ${r.rc ?? r.signal}`);
    }
  },
};

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
