// Ansible's `.retry` file: the failed and unreachable hosts, one per line, beside the playbook,
// for `--limit @<playbook>.retry`.

import { writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

export function retryFilePath(playbook: string): string {
  return join(dirname(playbook), basename(playbook, extname(playbook)) + '.retry');
}

export function formatRetryFile(hosts: readonly string[]): string {
  return hosts.map((h) => h + '\n').join('');
}

/** Writes the retry file when some hosts need another run, removes a stale one otherwise. */
export async function writeRetryFile(playbook: string, hosts: readonly string[]): Promise<string | undefined> {
  const path = retryFilePath(playbook);
  if (hosts.length === 0) {
    await unlink(path).catch(() => undefined);
    return undefined;
  }
  await writeFile(path, formatRetryFile(hosts));
  return path;
}
