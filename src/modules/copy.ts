// ansible.builtin.copy: puts a file (from the controller, or inline content) on the host.

import { readFile } from 'node:fs/promises';
import { ModuleFailure, type ModuleSpec } from './contract.js';
import { parseMode, putFile } from './put-file.js';

export interface CopyArgs {
  src?: string;
  content?: string;
  dest: string;
  mode?: string | number;
}

export const fileModeSchema = { type: ['string', 'integer'] } as const;

export const copyModule: ModuleSpec<CopyArgs> = {
  name: 'copy',
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['dest'],
    properties: { src: { type: 'string' }, content: { type: 'string' }, dest: { type: 'string', minLength: 1 }, mode: fileModeSchema },
    oneOf: [{ required: ['src'] }, { required: ['content'] }],
  },
  async run(args, ctx) {
    const mode = parseMode(args.mode);
    let data: Buffer;
    if (args.content !== undefined) data = Buffer.from(args.content);
    else {
      const path = ctx.resolvePath(args.src!, 'files');
      try {
        data = await readFile(path);
      } catch (err) {
        throw new ModuleFailure(`src: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    return putFile(args.dest, data, mode, ctx);
  },
};
