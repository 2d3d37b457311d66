// bench/artifacts: N concurrent readers (default 100) pull a file (default 1 GiB, random bytes in a
// temp dir, deleted after) through Range requests of CHUNK bytes (default 4 MiB, as BMCs read),
// three ways: (a) fleetboot's artifact server with a different 256 KiB overlay per reader,
// (b) the same server serving the plain file, (c) Debian's nginx serving the file (sendfile on).
// Each server runs alone in its own process (ours: this file with --role server; nginx: single
// process, `master_process off`), so its CPU seconds and peak RSS are read from /proc for that
// process only. Readers are curl processes by default (--client node: node:http in this process);
// their CPU is shown apart. All on 127.0.0.1.
//
//   npm run bench:artifacts -- [--size-mib 1024] [--readers 100] [--chunk-mib 4] [--per-reader-mib SIZE]
//                              [--modes overlay,plain,nginx] [--client curl|node]

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { open, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { ArtifactServer } from '../src/serve/server.js';
import { arg, count } from './args.js';

const OVERLAY_BYTES = 256 * 1024;
const MIB = 1024 * 1024;
const NGINX = '/usr/sbin/nginx';


/** Reader i's overlay: its offset (not chunk-aligned, so reads straddle it) and bytes (seeded). */
function overlayFor(i: number, readers: number, size: number): { offset: number; bytes: Buffer } {
  const offset = Math.min(size - OVERLAY_BYTES, Math.floor(((i + 0.5) * size) / readers) + 12_345);
  const bytes = Buffer.allocUnsafe(OVERLAY_BYTES);
  let x = (i + 1) * 2654435761;
  for (let k = 0; k < OVERLAY_BYTES; k += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes.writeInt32LE(x | 0, k);
  }
  return { offset, bytes };
}

// ---- server role: runs in its own process, publishes one artifact per reader ----

interface Ready {
  urls: string[];
}

async function serveRole(): Promise<void> {
  const file = arg('file', '');
  const readers = count('readers', 100);
  const size = count('size', 1);
  const overlay = arg('mode', 'plain') === 'overlay';
  let events = 0;
  let unusual = 0;
  const server = await ArtifactServer.start({
    bind: [{ protocol: 'http', host: '127.0.0.1', port: 0 }],
    onEvent: (e) => {
      events++;
      // Anything but a whole 206 is worth seeing (the first few).
      if ((!e.detail?.startsWith('206 ') || /aborted|failed/.test(e.detail)) && unusual++ < 5) process.stderr.write(`server: ${e.host} ${e.action} ${e.detail}\n`);
    },
  });
  const urls: string[] = [];
  for (let i = 0; i < readers; i++) {
    const p = await server.publish({ host: `bmc-${i}`, name: 'live.iso', file, ...(overlay ? { overlays: [overlayFor(i, readers, size)] } : {}) });
    urls.push(p.url);
  }
  process.send!({ urls } satisfies Ready);
  process.on('message', (m) => {
    if (m === 'stop') void server.close().then(() => process.send!({ events, stats: server.stats() }, () => process.exit(0)));
  });
}

// ---- orchestrator ----

interface ProcFigures {
  cpuSec: number;
  sysSec: number;
  rssKb: number;
  hwmKb: number;
}

async function procFigures(pid: number): Promise<ProcFigures> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  // USER_HZ is 100 on every Linux Node supports.
  return { cpuSec: (Number(f[11]) + Number(f[12])) / 100, sysSec: Number(f[12]) / 100, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** A temp file of `size` random bytes (page cache warm afterwards). */
async function makeFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    const block = Buffer.allocUnsafe(4 * MIB);
    for (let pos = 0; pos < size; pos += block.length) {
      randomFillSync(block);
      const n = Math.min(block.length, size - pos);
      await fh.write(block, 0, n, pos);
    }
  } finally {
    await fh.close();
  }
}

interface ReadResult {
  bytes: number;
  requests: number;
  /** The reader's overlay bytes as it received them (overlay mode), to check after the clock stops. */
  seen?: Buffer;
}

/**
 * One reader: sequential Range GETs of `chunk` bytes over one kept-alive connection, from its own
 * start offset, wrapping around, until `total` bytes. Bodies are counted and dropped, except the
 * bytes where this reader's overlay lies, which are kept for the check.
 */
async function reader(url: string, size: number, chunk: number, total: number, start: number, watch?: { offset: number; length: number }): Promise<ReadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const seen = watch ? Buffer.alloc(watch.length) : undefined;
  let got = 0;
  let requests = 0;
  let pos = start;
  try {
    while (got < total) {
      const from = pos;
      const to = Math.min(size, from + chunk, from + (total - got)) - 1;
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, agent, headers: { Range: `bytes=${from}-${to}` } }, (res) => {
          if (res.statusCode !== 206 || res.headers['content-range'] !== `bytes ${from}-${to}/${size}`) {
            reject(new Error(`${url}: bytes=${from}-${to} answered ${res.statusCode} ${res.headers['content-range']}`));
            res.resume();
            return;
          }
          let at = from;
          res.on('data', (c: Buffer) => {
            if (seen && watch && at + c.length > watch.offset && at < watch.offset + watch.length) {
              const s = Math.max(at, watch.offset);
              const e = Math.min(at + c.length, watch.offset + watch.length);
              c.copy(seen, s - watch.offset, s - at, e - at);
            }
            at += c.length;
          });
          res.on('end', () => (at === to + 1 ? resolve() : reject(new Error(`${url}: short body ${at - from} of ${to - from + 1}`))));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      requests++;
      got += to - from + 1;
      pos = to + 1 >= size ? 0 : to + 1;
    }
  } finally {
    agent.destroy();
  }
  return { bytes: got, requests, ...(seen ? { seen } : {}) };
}

/** Children's CPU seconds so far (cutime + cstime of exited, waited-for children: the curl readers). */
async function childrenCpu(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

/**
 * The same reader as one curl process: every Range request a `next` section of one config file,
 * over one kept-alive connection. Curl's own cost per byte is a fraction of Node's, so the servers,
 * not the readers, are what is measured. The chunks holding the overlay are written to files.
 */
async function curlReader(dir: string, id: number, url: string, size: number, chunk: number, total: number, start: number, watch?: { offset: number; length: number }): Promise<ReadResult> {
  const sections: string[] = [];
  const kept: { path: string; from: number }[] = [];
  let got = 0;
  let pos = start;
  while (got < total) {
    const from = pos;
    const to = Math.min(size, from + chunk, from + (total - got)) - 1;
    let out = '/dev/null';
    if (watch && to >= watch.offset && from < watch.offset + watch.length) {
      out = join(dir, `r${id}-${from}`);
      kept.push({ path: out, from });
    }
    sections.push(`url = "${url}"\nrange = "${from}-${to}"\noutput = "${out}"\nwrite-out = "%{http_code} %{size_download}\\n"\nsilent\nshow-error\n`);
    got += to - from + 1;
    pos = to + 1 >= size ? 0 : to + 1;
  }
  const conf = join(dir, `r${id}.conf`);
  await writeFile(conf, sections.join('next\n'));
  const child = spawn('curl', ['-K', conf], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (text += d));
  // 'close', not 'exit': stdout may still hold the last lines when the process has exited.
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`curl reader ${id} exited with ${code}`);
  const lines = text.trim().split('\n');
  let bytes = 0;
  for (const l of lines) {
    const [status, n] = l.split(' ');
    if (status !== '206') throw new Error(`curl reader ${id}: got HTTP ${status} in ${JSON.stringify(text.slice(0, 300))}`);
    bytes += Number(n);
  }
  if (bytes !== total || lines.length !== sections.length) throw new Error(`curl reader ${id}: ${bytes} B in ${lines.length} answers, wanted ${total} B in ${sections.length}`);
  let seen: Buffer | undefined;
  if (watch) {
    seen = Buffer.alloc(watch.length);
    for (const k of kept) {
      const body = await readFile(k.path);
      const s0 = Math.max(k.from, watch.offset);
      const e0 = Math.min(k.from + body.length, watch.offset + watch.length);
      body.copy(seen, s0 - watch.offset, s0 - k.from, e0 - k.from);
    }
  }
  return { bytes, requests: lines.length, ...(seen ? { seen } : {}) };
}

interface Opts {
  size: number;
  chunk: number;
  perReader: number;
  readers: number;
  client: 'curl' | 'node';
  /** Scratch space for the readers (curl configs, kept chunks). */
  dir: string;
}

interface ModeResult {
  mode: string;
  seconds: number;
  bytes: number;
  requests: number;
  server: { cpuSec: number; sysSec: number; hwmKb: number; rssBeforeKb: number };
  clientCpuSec: number;
  note: string;
}

async function runReaders(
  mode: string,
  urls: string[],
  pid: number,
  opts: Opts,
  overlays: boolean,
): Promise<Omit<ModeResult, 'note'>> {
  const before = await procFigures(pid);
  const clientBefore = process.cpuUsage();
  const curlBefore = await childrenCpu();
  const scratch = await mkdtemp(join(opts.dir, 'readers-'));
  const started = performance.now();
  const results = await Promise.all(
    urls.map((url, i) => {
      const start = Math.floor((i * opts.size) / opts.readers / opts.chunk) * opts.chunk;
      const watch = overlays ? { offset: overlayFor(i, opts.readers, opts.size).offset, length: OVERLAY_BYTES } : undefined;
      return opts.client === 'curl'
        ? curlReader(scratch, i, url, opts.size, opts.chunk, opts.perReader, start, watch)
        : reader(url, opts.size, opts.chunk, opts.perReader, start, watch);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const curlCpu = (await childrenCpu()) - curlBefore;
  const after = await procFigures(pid);
  await rm(scratch, { recursive: true, force: true });
  if (overlays && opts.perReader >= opts.size) {
    results.forEach((r, i) => {
      if (!r.seen!.equals(overlayFor(i, opts.readers, opts.size).bytes)) throw new Error(`reader ${i} did not receive its overlay`);
    });
  }
  return {
    mode,
    seconds,
    bytes: results.reduce((n, r) => n + r.bytes, 0),
    requests: results.reduce((n, r) => n + r.requests, 0),
    server: { cpuSec: after.cpuSec - before.cpuSec, sysSec: after.sysSec - before.sysSec, hwmKb: after.hwmKb, rssBeforeKb: before.rssKb },
    clientCpuSec: (client.user + client.system) / 1e6 + curlCpu,
  };
}

async function ours(mode: 'overlay' | 'plain', file: string, opts: Opts): Promise<ModeResult> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'server', '--file', file, '--readers', String(opts.readers), '--size', String(opts.size), '--mode', mode], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [ready] = (await once(child, 'message')) as [Ready];
    const r = await runReaders(mode === 'overlay' ? '(a) fleetboot, per-reader overlay' : '(b) fleetboot, plain file', ready.urls, child.pid!, opts, mode === 'overlay');
    child.send('stop');
    const [end] = (await once(child, 'message')) as [{ events: number; stats: { openFiles: number } }];
    return { ...r, note: `${end.events} events, ${end.stats.openFiles} files open after close` };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

async function nginx(dir: string, fileName: string, opts: Opts): Promise<ModeResult> {
  const conf = join(dir, 'nginx.conf');
  const port = await freePort();
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, `${d}_temp`), { recursive: true });
  await writeFile(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${dir}/client_body_temp;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    location / { }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-e', `${dir}/error.log`, '-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    // Ready when it answers.
    const url = `http://127.0.0.1:${port}/${fileName}`;
    for (let tries = 0; ; tries++) {
      const ok = await new Promise<boolean>((resolve) => {
        const req = request(url, { method: 'HEAD' }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.end();
      });
      if (ok) break;
      if (child.exitCode !== null || tries > 200) throw new Error(`nginx did not start (exit ${child.exitCode}); see ${dir}/error.log`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await runReaders('(c) nginx, plain file', Array.from({ length: opts.readers }, () => url), child.pid!, opts, false);
    return { ...r, note: 'single process, sendfile on' };
  } finally {
    child.kill('SIGQUIT');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

async function main(): Promise<void> {
  const size = count('size-mib', 1024) * MIB;
  const readers = count('readers', 100);
  const chunk = count('chunk-mib', 4) * MIB;
  const perReader = count('per-reader-mib', size / MIB) * MIB;
  const modes = arg('modes', 'overlay,plain,nginx').split(',');
  const client = arg('client', 'curl');
  if (client !== 'curl' && client !== 'node') throw new Error(`--client takes curl or node (got ${client})`);
  const dir = await mkdtemp(join(tmpdir(), 'fleetboot-bench-artifacts-'));
  const opts: Opts = { size, chunk, perReader, readers, client, dir };
  const fileName = 'live.iso';
  const file = join(dir, fileName);
  try {
    const made = performance.now();
    await makeFile(file, size);
    const makeSec = (performance.now() - made) / 1000;
    const results: ModeResult[] = [];
    for (const m of modes) {
      if (m === 'overlay' || m === 'plain') results.push(await ours(m, file, opts));
      else if (m === 'nginx') results.push(await nginx(dir, fileName, opts));
      else throw new Error(`--modes takes overlay, plain and nginx (got ${m})`);
    }
    const mbs = (r: ModeResult) => r.bytes / 1e6 / r.seconds;
    const lines = [
      `artifacts: ${readers} readers x ${perReader / MIB} MiB each of a ${size / MIB} MiB file, ${chunk / MIB} MiB Range requests, keep-alive, 127.0.0.1, node ${process.version}, ${cpus().length} cores`,
      `  readers: ${client === 'curl' ? 'one curl process each (one kept-alive connection, one config of Range requests)' : 'in the bench process (node:http, one kept-alive connection each)'}; ` +
        `each server in its own process; file made in ${makeSec.toFixed(1)} s (page cache warm); load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    ];
    for (const r of results) {
      lines.push(
        `  ${r.mode}: ${mbs(r).toFixed(0)} MB/s (${(r.bytes / 1e9).toFixed(2)} GB, ${r.requests} requests, ${r.seconds.toFixed(1)} s); ` +
          `server CPU ${r.server.cpuSec.toFixed(1)} s (${r.server.sysSec.toFixed(1)} s in the kernel), peak RSS ${(r.server.hwmKb / 1024).toFixed(0)} MiB (${(r.server.rssBeforeKb / 1024).toFixed(0)} MiB before the readers); ` +
          `readers' CPU ${r.clientCpuSec.toFixed(1)} s; ${r.note}`,
      );
    }
    const byKey = (k: string) => results.find((r) => r.mode.startsWith(k));
    const [a, b, c] = [byKey('(a)'), byKey('(b)'), byKey('(c)')];
    if (c && a) lines.push(`  a/c (overlay vs nginx): ${(mbs(a) / mbs(c)).toFixed(2)}`);
    if (c && b) lines.push(`  b/c (plain vs nginx): ${(mbs(b) / mbs(c)).toFixed(2)}`);
    if (a && b) lines.push(`  a/b (overlay cost): ${(mbs(a) / mbs(b)).toFixed(2)}`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (arg('role', '') === 'server') await serveRole();
else await main();
