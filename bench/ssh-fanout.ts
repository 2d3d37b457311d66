// bench/ssh-fanout: a playbook of 3 `command` tasks on N lab hosts (default 500). The lab runs
// in its own process, so the figures are fleetboot's: wall time, CPU seconds and peak RSS of the
// `fleetboot run` process (read from the run's summary.json, which records its own rusage).
//
//   npm run bench:ssh-fanout -- [--hosts 500] [--forks 100]

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labDown, labUp } from '../src/lab/control.js';
import { runFleetboot } from './run-fleetboot.js';
import { count } from './args.js';

const hosts = count('hosts', 500);
const forks = count('forks', 100);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'fleetboot-bench-'));
const labDir = join(work, 'lab');
const playbook = join(work, 'fanout.yml');
await writeFile(
  playbook,
  `- name: fan-out
  hosts: all
  gather_facts: false
  tasks:
    - name: one
      command: hostname
    - name: two
      command: uname -m
    - name: three
      command: cat /etc/os-release
`,
);

const labStarted = Date.now();
await labUp({ hosts, dir: labDir, port: 0 }); // any free port: never collide with another lab
const labMs = Date.now() - labStarted;
try {
  const { code, wallMs, outcomes, resources: r } = await runFleetboot(root, work, [playbook, '-i', join(labDir, 'inventory.yml'), '--forks', String(forks)]);
  const summary = { outcomes };
  const ok = Object.values(summary.outcomes).filter((o) => o === 'ok').length;
  process.stdout.write(
    [
      `ssh-fanout: ${hosts} hosts x 3 command tasks, forks ${forks}, node ${process.version}`,
      `  lab start (separate process): ${(labMs / 1000).toFixed(2)} s`,
      `  exit code: ${code}; hosts ok: ${ok}/${hosts}`,
      `  wall time (process start to exit): ${(wallMs / 1000).toFixed(2)} s`,
      `  fleetboot CPU: ${((r.cpuUserMs + r.cpuSystemMs) / 1000).toFixed(2)} s (user ${(r.cpuUserMs / 1000).toFixed(2)}, system ${(r.cpuSystemMs / 1000).toFixed(2)})`,
      `  fleetboot peak RSS: ${(r.maxRssKb / 1024).toFixed(0)} MiB`,
      '',
    ].join('\n'),
  );
} finally {
  await labDown(labDir);
  await rm(work, { recursive: true, force: true });
}
