// What `copy` and `template` share: compare the wanted content with the host's file as read
// now, write it (SFTP, temp file then rename) only when it differs.

import { createHash } from 'node:crypto';
import type { TaskResult } from '../core/result.js';
import { ModuleFailure, type ModuleContext } from './contract.js';

/** `mode` as Ansible takes it: an octal string ('0644', '644') or a number of mode bits. */
export function parseMode(mode: string | number | undefined): number | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode === 'number') return mode;
  if (/^0?[0-7]{3,4}$/.test(mode)) return parseInt(mode, 8);
  throw new ModuleFailure(`mode: '${mode}' is not an octal mode such as '0644'`);
}

export function decidePut(current: Buffer | null, wanted: Buffer): { changed: boolean; reason: string } {
  if (current === null) return { changed: true, reason: 'file does not exist' };
  if (current.equals(wanted)) return { changed: false, reason: 'content is already as wanted' };
  return { changed: true, reason: 'content differs' };
}

export async function putFile(
  dest: string,
  wanted: Buffer,
  mode: number | undefined,
  ctx: ModuleContext,
): Promise<TaskResult> {
  const conn = await ctx.ssh();
  const current = await conn.readFile(dest);
  const { changed, reason } = decidePut(current, wanted);
  const checksum = createHash('sha1').update(wanted).digest('hex');
  if (changed && !ctx.check) await conn.writeFile(dest, wanted, mode);
  const result: TaskResult = { changed, failed: false, dest, checksum, size: wanted.length, reason };
  if (mode !== undefined) result.mode = '0' + mode.toString(8);
  return result;
}
