// Where runs are kept: `.fleetboot/runs/<id>/` under the working directory (or $FLEETBOOT_HOME).

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FleetbootError } from '../core/errors.js';
import { readJournal, type JournalSummary } from './journal.js';

export function runsRoot(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.FLEETBOOT_HOME ? resolve(env.FLEETBOOT_HOME, 'runs') : resolve(cwd, '.fleetboot', 'runs');
}

/** Run ids sort by time: `20261125T114002Z-3f9a`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function createRunDir(root: string, runId: string): Promise<string> {
  const dir = join(root, runId);
  await mkdir(join(dir, 'hosts'), { recursive: true, mode: 0o700 });
  return dir;
}

/** The journal of the run named (an id, or a path to its directory), or of the latest run. */
export async function loadRunJournal(root: string, run?: string): Promise<{ dir: string; summary: JournalSummary }> {
  let dir: string;
  if (run && run !== 'last' && run !== 'latest') {
    dir = run.includes('/') ? resolve(run) : join(root, run);
  } else {
    let ids: string[];
    try {
      ids = (await readdir(root)).filter((n) => /^\d{8}T\d{6}Z-[0-9a-f]+$/.test(n)).sort();
    } catch {
      ids = [];
    }
    if (ids.length === 0) throw new FleetbootError(`--retry-failed: no earlier run under ${root}; run the playbook once first`);
    dir = join(root, ids[ids.length - 1]!);
  }
  let text: string;
  try {
    text = await readFile(join(dir, 'journal.jsonl'), 'utf8');
  } catch {
    throw new FleetbootError(`--retry-failed: no journal at ${join(dir, 'journal.jsonl')}; name a run id from ${root}`);
  }
  return { dir, summary: readJournal(text) };
}
