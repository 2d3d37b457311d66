// ansible.builtin.template: renders a Jinja2 template file on the controller, puts the result on the host.

import { basename } from 'node:path';
import type { ModuleSpec } from './contract.js';
import { readControllerFile } from './controller-file.js';
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
    const { path, data } = await readControllerFile(ctx, args.src, 'templates');
    const content = Buffer.from(ctx.render(data.toString('utf8'), { template_path: path }));
    return putFile({ dest: args.dest, content, nameInDir: basename(args.src), mode }, ctx);
  },
};
