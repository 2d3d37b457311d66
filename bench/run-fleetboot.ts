// What the benches share: run the built `bin/fleetboot run` as its own process and read the
// run's summary.json, which records the controller's own CPU time and peak RSS.

import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RunFigures {
  code: number;
  wallMs: number;
  outcomes: Record<string, string>;
  resources: { cpuUserMs: number; cpuSystemMs: number; maxRssKb: number };
}

export async function runFleetboot(root: string, work: string, args: string[]): Promise<RunFigures> {
  const started = Date.now();
  const code = await new Promise<number>((resolveCode, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'fleetboot'), 'run', ...args, '--no-retry-file'], {
      cwd: work,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    child.on('error', reject);
    child.on('exit', (c) => resolveCode(c ?? -1));
  });
  const wallMs = Date.now() - started;
  const runs = join(work, '.fleetboot', 'runs');
  const [runId] = (await readdir(runs)).sort().reverse();
  const summary = JSON.parse(await readFile(join(runs, runId!, 'summary.json'), 'utf8')) as Omit<RunFigures, 'code' | 'wallMs'>;
  return { code, wallMs, outcomes: summary.outcomes, resources: summary.resources };
}
