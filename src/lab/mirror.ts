// The lab's mirror: one HTTP server on its own loopback address serving, per architecture of the
// lab, a small CoreOS-like live ISO (built at start by live-iso-image.ts) and its PXE files, the
// stream metadata that points at them (CoreOS stream shape), with HEAD, ETag and Range (single,
// multiple, suffix, open-ended, If-Range, 416). It also answers GET /lab/hosts[/NAME]: each host's
// architecture, disks and installs, for tests and benchmarks.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LabArch } from './arch.js';
import type { HostMachine } from './host-machine.js';
import { buildLiveIsoImage, liveIsoFileName, liveIsoFiles, liveIsoVolumeId } from './live-iso-image.js';

/** The mirror's address: 4th octet 254, never a host's (hosts use 1…250). */
export const MIRROR_ADDRESS = '127.10.0.254';
export const LAB_OS_VERSION = '418.94.202410090804-0';
export const STREAM_PATH = '/streams/stable.json';

interface Artifact {
  data: Buffer;
  sha256: string;
  etag: string;
  type: string;
}

export interface LiveIsoInfo {
  size: number;
  volumeId: string;
  sha256: string;
}

function artifact(data: Buffer, type: string): Artifact {
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { data, sha256, etag: `"${sha256.slice(0, 32)}"`, type };
}

/** The lab's artifacts for each architecture, by URL path. */
export function buildArtifacts(arches: readonly LabArch[]): { files: Map<string, Artifact>; isos: Map<LabArch, LiveIsoInfo> } {
  const files = new Map<string, Artifact>();
  const isos = new Map<LabArch, LiveIsoInfo>();
  for (const arch of new Set(arches)) {
    const opts = { arch, version: LAB_OS_VERSION };
    const iso = artifact(buildLiveIsoImage(opts), 'application/x-iso9660-image');
    files.set(`/art/${arch}/${liveIsoFileName(opts)}`, iso);
    isos.set(arch, { size: iso.data.length, volumeId: liveIsoVolumeId(opts), sha256: iso.sha256 });
    const inIso = liveIsoFiles(opts);
    const pxe: Array<[string, string]> = [['images/pxeboot/vmlinuz', 'kernel'], ['images/pxeboot/initrd.img', 'initramfs.img'], ['images/pxeboot/rootfs.img', 'rootfs.img']];
    for (const [path, name] of pxe) files.set(`/art/${arch}/rhcos-${LAB_OS_VERSION}-live-${name}.${arch}`, artifact(inIso.get(path) ?? Buffer.alloc(0), 'application/octet-stream'));
  }
  return { files, isos };
}

/** Stream metadata in CoreOS's shape, every location under `base` (e.g. http://127.10.0.254:8080). */
export function streamMetadata(base: string, arches: readonly LabArch[], files: Map<string, Artifact>): Record<string, unknown> {
  const entry = (path: string): Record<string, string> => {
    const a = files.get(path);
    return { location: `${base}${path}`, sha256: a?.sha256 ?? '' };
  };
  const architectures: Record<string, unknown> = {};
  for (const arch of [...new Set(arches)].sort()) {
    const p = (name: string): string => `/art/${arch}/rhcos-${LAB_OS_VERSION}-live-${name}.${arch}`;
    architectures[arch] = {
      artifacts: {
        metal: {
          release: LAB_OS_VERSION,
          formats: {
            iso: { disk: entry(`/art/${arch}/${liveIsoFileName({ arch, version: LAB_OS_VERSION })}`) },
            pxe: { kernel: entry(p('kernel')), initramfs: entry(p('initramfs.img')), rootfs: entry(p('rootfs.img')) },
          },
        },
      },
    };
  }
  return { stream: 'stable', metadata: { 'last-modified': '2024-10-09T08:04:00Z', generator: 'fleetboot lab' }, architectures };
}

type Range = { start: number; end: number };

/** The ranges of a `Range` header for a body of `size` bytes; undefined to ignore the header, 'unsatisfiable' for 416. */
export function parseRange(header: string, size: number): Range[] | 'unsatisfiable' | undefined {
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m || m[1] === undefined) return undefined;
  const out: Range[] = [];
  for (const part of m[1].split(',')) {
    const r = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(part);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    if (r[1] === '') {
      const n = Number(r[2]);
      if (n === 0) continue;
      out.push({ start: Math.max(0, size - n), end: size - 1 });
    } else {
      const start = Number(r[1]);
      const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
      if (r[2] !== '' && Number(r[2]) < start) return undefined;
      if (start >= size) continue;
      out.push({ start, end });
    }
  }
  return out.length ? out : 'unsatisfiable';
}

function serveArtifact(req: IncomingMessage, res: ServerResponse, a: Artifact): void {
  const size = a.data.length;
  const head = req.method === 'HEAD';
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', a.etag);
  res.setHeader('Last-Modified', 'Wed, 09 Oct 2024 08:04:00 GMT');
  const rangeHeader = req.headers.range;
  const ifRange = req.headers['if-range'];
  const useRange = rangeHeader !== undefined && (ifRange === undefined || ifRange === a.etag);
  const ranges = useRange ? parseRange(rangeHeader, size) : undefined;
  if (ranges === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  if (!ranges) {
    res.writeHead(200, { 'Content-Type': a.type, 'Content-Length': size });
    res.end(head ? undefined : a.data);
    return;
  }
  if (ranges.length === 1) {
    const [r] = ranges as [Range];
    res.writeHead(206, { 'Content-Type': a.type, 'Content-Length': r.end - r.start + 1, 'Content-Range': `bytes ${r.start}-${r.end}/${size}` });
    res.end(head ? undefined : a.data.subarray(r.start, r.end + 1));
    return;
  }
  const boundary = createHash('sha256').update(`${a.etag}${rangeHeader}`).digest('hex').slice(0, 24);
  const parts = ranges.flatMap((r) => [
    Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${a.type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`),
    a.data.subarray(r.start, r.end + 1),
  ]);
  const body = Buffer.concat([...parts, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  res.writeHead(206, { 'Content-Type': `multipart/byteranges; boundary=${boundary}`, 'Content-Length': body.length });
  res.end(head ? undefined : body);
}

export interface MirrorOptions {
  address?: string;
  port: number;
  arches: readonly LabArch[];
  machines: () => readonly HostMachine[];
}

export class LabMirror {
  readonly address: string;
  port = 0;
  private readonly server: Server;
  private files: Map<string, Artifact>;
  readonly isos: Map<LabArch, LiveIsoInfo>;
  /** Served bodies' bytes and requests, by path (for benchmarks and tests). */
  readonly served = new Map<string, { requests: number; bytes: number }>();

  constructor(private readonly opts: MirrorOptions) {
    this.address = opts.address ?? MIRROR_ADDRESS;
    const built = buildArtifacts(opts.arches);
    this.files = built.files;
    this.isos = built.isos;
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  get baseUrl(): string {
    return `http://${this.address}:${this.port}`;
  }

  get streamUrl(): string {
    return `${this.baseUrl}${STREAM_PATH}`;
  }

  /** The stream metadata JSON the mirror serves (known once it listens: the locations carry its port). */
  get streamJson(): string {
    return this.files.get(STREAM_PATH)?.data.toString('utf8') ?? '';
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.address, port: this.opts.port, exclusive: true }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        if (a && typeof a === 'object') this.port = a.port;
        // The stream's locations carry the port, known only now.
        const stream = Buffer.from(JSON.stringify(streamMetadata(this.baseUrl, this.opts.arches, this.files), null, 2) + '\n');
        this.files.set(STREAM_PATH, artifact(stream, 'application/json'));
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://lab').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/lab/hosts' || path.startsWith('/lab/hosts/')) {
      const name = path.slice('/lab/hosts/'.length);
      const all = this.opts.machines();
      const body = path === '/lab/hosts' ? all.map((m) => m.toJSON()) : all.find((m) => m.hostname === name)?.toJSON();
      if (body === undefined) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `no lab host ${name}` }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body, null, 2));
      return;
    }
    const a = this.files.get(path);
    if (!a) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const count = this.served.get(path) ?? { requests: 0, bytes: 0 };
    count.requests++;
    this.served.set(path, count);
    res.on('finish', () => (count.bytes += Number(res.getHeader('Content-Length') ?? 0) * (req.method === 'HEAD' ? 0 : 1)));
    serveArtifact(req, res, a);
  }
}
