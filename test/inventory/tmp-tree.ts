// Writes a small tree of files into a fresh temporary directory for a test.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const made: string[] = [];

/** `files` maps relative paths to contents; returns the directory. */
export async function tmpTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fleetboot-inventory-'));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

export async function removeTmpTrees(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Lines joined with newlines, so a test shows line numbers plainly. */
export function lines(...ls: string[]): string {
  return ls.join('\n') + '\n';
}
