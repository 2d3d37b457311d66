// Builds a small ISO with the structure of a CoreOS live ISO using Debian's xorriso (reference
// coreos-iso-embed.md §5): ISO level 1 (so coreos/igninfo.json is COREOS/IGNINFO.JSO in the primary tree, as
// on real images), Rock Ridge and Joliet on top, an all-zero images/ignition.img as the embed area.

import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { CliResult } from './cli.js';

const run = promisify(execFile);

export interface TestIsoOptions {
  /** Size of images/ignition.img (default 256 KiB, as COSA makes it). */
  areaSize?: number;
  /** igninfo.json content; null leaves the file out (older images: fallback to images/ignition.img). */
  igninfo?: Record<string, unknown> | null;
  /** Replaces images/ignition.img's content (e.g. an area coreos-installer wrote). */
  ignitionImg?: Buffer;
  volumeId?: string;
  /** ISO 9660 level (default 1, as CoreOS images; at 2 or 3 igninfo.json is IGNINFO.JSON and coreos-installer misses it). */
  isoLevel?: 1 | 2 | 3;
}

export interface TestIso {
  path: string;
  dir: string;
}

/** A fresh scratch directory under the OS temp dir. */
export function scratchDir(prefix = 'fleetboot-iso-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function buildTestIso(opts: TestIsoOptions = {}): Promise<TestIso> {
  const dir = await scratchDir();
  const stage = join(dir, 'stage');
  const areaSize = opts.areaSize ?? 256 * 1024;
  const files: Record<string, Buffer | string> = {
    'images/ignition.img': opts.ignitionImg ?? Buffer.alloc(areaSize),
    'images/pxeboot/vmlinuz': 'dummy kernel\n'.repeat(100),
    'images/pxeboot/initrd.img': 'dummy initrd\n'.repeat(100),
    'images/pxeboot/rootfs.img': 'dummy rootfs\n'.repeat(300),
    'coreos/features.json': '{"installer-config": true, "live-initrd-network": true}\n',
    'EFI/fedora/grub.cfg':
      'linux /images/pxeboot/vmlinuz coreos.liveiso=test ignition.firstboot ignition.platform.id=metal\n' +
      'initrd /images/pxeboot/initrd.img /images/ignition.img\n',
    'isolinux/isolinux.cfg': 'append initrd=/images/pxeboot/initrd.img,/images/ignition.img coreos.liveiso=test\n',
  };
  const igninfo = opts.igninfo === undefined ? { file: 'images/ignition.img' } : opts.igninfo;
  if (igninfo !== null) files['coreos/igninfo.json'] = JSON.stringify(igninfo);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(stage, rel)), { recursive: true });
    await writeFile(join(stage, rel), content);
  }
  const path = join(dir, 'test.iso');
  await run(
    'xorriso',
    ['-as', 'mkisofs', '-quiet', '-iso-level', String(opts.isoLevel ?? 1), '-R', '-J', '-joliet-long', '-V', opts.volumeId ?? 'fedora-coreos-test', '-volset', 'fedora-coreos-test', '-o', path, stage],
    { env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } },
  );
  return { path, dir };
}

/** Runs a Debian tool and returns its stdout (throws with its stderr when it fails). */
export async function tool(cmd: string, args: string[], opts: { cwd?: string; encoding?: 'buffer' } = {}): Promise<Buffer> {
  const { stdout } = await run(cmd, args, { cwd: opts.cwd, encoding: 'buffer', maxBuffer: 64 << 20 });
  return stdout;
}

/** Extracts one file from an ISO with xorriso (its own reader, Rock Ridge names). */
export async function xorrisoExtract(iso: string, isoPath: string, out: string): Promise<void> {
  await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', isoPath, out]);
}

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the CLI with `stdin` piped in and stdout kept as bytes (cli.ts's runCli ignores stdin and decodes text). */
export function runCliBytes(args: string[], stdin?: Buffer): Promise<CliResult & { stdoutBytes: Buffer }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(stdin ?? Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr, stdoutBytes });
    });
  });
}
