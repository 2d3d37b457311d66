// Which files of an inventory directory are inventory sources: all of them, in sorted order,
// descending into subdirectories, except what Ansible skips (hidden files, group_vars/,
// host_vars/, and its ignored extensions: .md, .txt, .retry, .ini, .cfg, backups and so on).

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

// Ansible's IGNORED_ALWAYS plus INVENTORY_IGNORE_EXTS (REJECT_EXTS + .orig, .ini, .cfg, .retry).
const IGNORED =
  /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;

/** Byte order of the UTF-8 names, as Python sorts os.listdir() of bytes. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function isIgnoredInventoryFile(name: string): boolean {
  return IGNORED.test(name);
}

/** The inventory files under `dir`, in the order Ansible reads them. */
export async function listInventoryFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort(byteOrder);
  const out: string[] = [];
  for (const name of names) {
    if (IGNORED.test(name)) continue;
    const full = join(dir, name);
    const st = await stat(full).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) out.push(...(await listInventoryFiles(full)));
    else out.push(full);
  }
  return out;
}
