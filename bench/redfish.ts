// bench/redfish: insert the live ISO, a one-time boot to Cd and a restart on N simulated BMCs at
// once (default 1,000). The lab runs in its own process, so CPU and RSS are fleetboot's (read from
// the run's summary.json, which records its own rusage); what the BMCs saw comes from each BMC's
// GET /lab/stats. Assumes a build (`npm run build`): bin/fleetboot runs dist/.
//
//   npm run bench:redfish -- [--hosts 1000] [--forks 1000] [--profiles mixed|generic]

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labDown, labUp, type LabHost, type LabState } from '../src/lab/control.js';
import { runFleetboot } from './run-fleetboot.js';
import { arg, count } from './args.js';

/** Stats reads in flight at once: enough to be quick, few enough to spare descriptors and the lab. */
const STATS_CONCURRENCY = 50;
// Nothing serves this loopback URL: the lab BMCs try it at boot and record a failed CD boot, which the
// bench does not look at; it stays off the network.
const IMAGE = 'https://127.0.0.1:9443/live/rhcos-live.x86_64.iso';
/** How long a power change takes on a lab BMC (the lab's default, pinned so runs compare). */
const POWER_DELAY_MS = 200;


interface BmcStats {
  requests: number;
  peakConcurrentRequests: number;
  peakSessions: number;
  sessions: number;
}

function isStats(v: unknown): v is BmcStats {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['requests', 'peakConcurrentRequests', 'peakSessions', 'sessions'].every((k) => typeof o[k] === 'number');
}

/** One BMC's GET /lab/stats over HTTPS verified with the lab CA. */
function readStats(host: LabHost, ca: Buffer, agent: Agent): Promise<BmcStats> {
  const bmc = host.bmc;
  if (!bmc) return Promise.reject(new Error(`${host.name} has no BMC`));
  return new Promise((resolveStats, reject) => {
    const req = request({ host: bmc.address, port: bmc.port, path: '/lab/stats', ca, agent, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          const parsed: unknown = JSON.parse(text);
          if (res.statusCode !== 200 || !isStats(parsed)) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
          resolveStats(parsed);
        } catch (err) {
          reject(new Error(`${host.name}: /lab/stats: ${(err as Error).message}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${host.name}: /lab/stats timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * CPU seconds a process has used so far (user + system), from /proc; undefined where there is no
 * /proc. USER_HZ is 100 on every Linux that Node supports.
 */
async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Every BMC's stats, at most `limit` requests at once (in host order). */
async function readAllStats(lab: LabState, limit: number): Promise<BmcStats[]> {
  const ca = await readFile(lab.bmcCa!);
  const agent = new Agent({ keepAlive: false });
  const out: BmcStats[] = new Array<BmcStats>(lab.hosts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lab.hosts.length) {
      const i = next++;
      out[i] = await readStats(lab.hosts[i]!, ca, agent);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, lab.hosts.length) }, worker));
  } finally {
    agent.destroy();
  }
  return out;
}

const hosts = count('hosts', 1000);
const forks = count('forks', 1000);
const profiles = arg('profiles', 'mixed');
if (profiles !== 'mixed' && profiles !== 'generic') throw new Error(`--profiles must be mixed or generic (got ${profiles})`);

const root = fileURLToPath(new URL('..', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'fleetboot-bench-redfish-'));
const labDir = join(work, 'lab');
const playbook = join(work, 'lom.yml');
await writeFile(
  playbook,
  `- name: boot the live ISO through the BMC
  hosts: all
  gather_facts: false
  tasks:
    - name: mount the live ISO
      redfish.virtual_media: { state: inserted, image: "${IMAGE}" }
    - name: boot from it once
      redfish.boot: { target: Cd }
    - name: restart
      redfish.power: { state: restart }
`,
);

try {
  const labStarted = Date.now();
  const lab = await labUp({ hosts, dir: labDir, port: 0, bmcPort: 0, bmcProfiles: profiles, bmcPowerDelayMs: POWER_DELAY_MS }); // free ports: never collide with another lab
  const labMs = Date.now() - labStarted;

  const labCpuBefore = await cpuSeconds(lab.pid);
  const { code, wallMs, outcomes: runOutcomes, resources } = await runFleetboot(root, work, [playbook, '-i', lab.inventory, '--forks', String(forks)]);
  const labCpuAfter = await cpuSeconds(lab.pid);
  const labCpu = labCpuBefore !== undefined && labCpuAfter !== undefined ? `${(labCpuAfter - labCpuBefore).toFixed(2)} s` : 'unknown (no /proc)';

  const summary = { outcomes: runOutcomes, resources };
  const ok = Object.values(summary.outcomes).filter((o) => o === 'ok').length;
  const outcomes = new Map<string, number>();
  for (const o of Object.values(summary.outcomes)) outcomes.set(o, (outcomes.get(o) ?? 0) + 1);

  const statsStarted = Date.now();
  const stats = await readAllStats(lab, STATS_CONCURRENCY);
  const statsMs = Date.now() - statsStarted;
  const requests = stats.map((s) => s.requests);
  const total = requests.reduce((a, b) => a + b, 0);
  const r = summary.resources;
  process.stdout.write(
    [
      `redfish: ${hosts} BMCs (${profiles} profiles) x insert + one-time boot Cd + restart, forks ${forks}, node ${process.version}`,
      `  note: ${cpus().length} cores shared by the lab's BMCs and fleetboot; wall time includes the lab's own CPU and a ${POWER_DELAY_MS} ms power delay per power change`,
      `  lab start (separate process): ${(labMs / 1000).toFixed(2)} s`,
      `  exit code: ${code}; hosts ok: ${ok}/${hosts} (${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')})`,
      `  wall time (process start to exit): ${(wallMs / 1000).toFixed(2)} s`,
      `  Redfish requests per host: ${(total / hosts).toFixed(1)} (min ${Math.min(...requests)}, max ${Math.max(...requests)}, total ${total})`,
      `  peak in-flight requests per BMC: ${Math.max(...stats.map((s) => s.peakConcurrentRequests))} (max over BMCs)`,
      `  peak sessions per BMC: ${Math.max(...stats.map((s) => s.peakSessions))} (max over BMCs)`,
      `  sessions left open: ${stats.reduce((a, s) => a + s.sessions, 0)} (sum over BMCs; must be 0)`,
      `  fleetboot CPU: ${((r.cpuUserMs + r.cpuSystemMs) / 1000).toFixed(2)} s (user ${(r.cpuUserMs / 1000).toFixed(2)}, system ${(r.cpuSystemMs / 1000).toFixed(2)})`,
      `  fleetboot peak RSS: ${(r.maxRssKb / 1024).toFixed(0)} MiB`,
      `  lab CPU during the run (the ${hosts} BMCs, same cores): ${labCpu}`,
      `  (stats read from ${hosts} BMCs, ${STATS_CONCURRENCY} at a time, in ${(statsMs / 1000).toFixed(2)} s)`,
      '',
    ].join('\n'),
  );
  if (code !== 0) process.exitCode = 1;
} finally {
  await labDown(labDir);
  await rm(work, { recursive: true, force: true });
}
