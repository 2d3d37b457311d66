// ansible.builtin.copy: puts a file (from the controller, or inline content) on the host.

import { basename } from 'node:path';
import type { ModuleSpec } from './contract.js';
import { readControllerFile } from './controller-file.js';
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
    if (args.content !== undefined) return putFile({ dest: args.dest, content: Buffer.from(args.content), mode }, ctx);
    const { data } = await readControllerFile(ctx, args.src!, 'files');
    return putFile({ dest: args.dest, content: data, nameInDir: basename(args.src!), mode }, ctx);
  },
};
