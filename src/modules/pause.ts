// ansible.builtin.pause: waits a while (never prompts: fleetboot runs unattended).

import { setTimeout as sleep } from 'node:timers/promises';
import { ModuleFailure, type ModuleSpec } from './contract.js';

export interface PauseArgs {
  seconds?: number;
  minutes?: number;
  prompt?: string;
}

export const pauseModule: ModuleSpec<PauseArgs> = {
  name: 'pause',
  local: true,
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { seconds: { type: 'number', minimum: 0 }, minutes: { type: 'number', minimum: 0 }, prompt: { type: 'string' } },
  },
  async run(args, ctx) {
    if (args.seconds === undefined && args.minutes === undefined) {
      throw new ModuleFailure('pause without seconds or minutes would wait for a keypress; fleetboot runs unattended: give seconds or minutes');
    }
    const ms = ((args.minutes ?? 0) * 60 + (args.seconds ?? 0)) * 1000;
    if (args.prompt) ctx.emit({ kind: 'message', level: 'info', msg: args.prompt });
    const started = Date.now();
    await sleep(ms, undefined, { signal: ctx.signal });
    return { changed: false, failed: false, delta: Math.round((Date.now() - started) / 1000), echo: true, stdout: `Paused for ${ms / 1000} seconds` };
  },
};
