// ansible.builtin.template: renders a Jinja2 template file on the controller, puts the result on the host.

import { readFile } from 'node:fs/promises';
import { ModuleFailure, type ModuleSpec } from './contract.js';
import { fileModeSchema } from './copy.js';
import { parseMode, putFile } from './put-file.js';

export interface TemplateArgs {
  src: string;
  dest: string;
  mode?: string | number;
}

export const templateModule: ModuleSpec<TemplateArgs> = {
  name: 'template',
  supportsCheck: true,
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['src', 'dest'],
    properties: { src: { type: 'string', minLength: 1 }, dest: { type: 'string', minLength: 1 }, mode: fileModeSchema },
  },
  async run(args, ctx) {
    const mode = parseMode(args.mode);
    const path = ctx.resolvePath(args.src, 'templates');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new ModuleFailure(`src: cannot read template ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return putFile(args.dest, Buffer.from(ctx.render(text, { template_path: path })), mode, ctx);
  },
};
