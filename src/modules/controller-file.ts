// Reading a file the playbook names (`copy: src:`, `template: src:`) on the controller,
// searched for as Ansible searches; a miss says every place looked at.

import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ModuleFailure, type ModuleContext } from './contract.js';

export async function readControllerFile(ctx: ModuleContext, src: string, subdir: 'files' | 'templates'): Promise<{ path: string; data: Buffer }> {
  const path = ctx.resolvePath(src, subdir);
  try {
    return { path, data: await readFile(path) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const dir = ctx.resolvePath('.');
      const looked = isAbsolute(src) ? [src] : [join(dir, subdir, src), join(dir, src)];
      throw new ModuleFailure(`src: could not find or access '${src}' on the controller; looked for ${looked.join(', ')}`);
    }
    if (code === 'EISDIR') throw new ModuleFailure(`src: ${path} is a directory; fleetboot copies single files only: name a file`);
    throw new ModuleFailure(`src: cannot read ${path}: ${(err as Error).message}`);
  }
}
