// The lab's CoreOS-like live ISO, built in memory at lab start with no external tool: a minimal ISO 9660
// level-1 image (primary volume descriptor, path tables, one sector per directory) with the tree a RHCOS live
// ISO has where fleetboot looks: coreos/igninfo.json naming images/ignition.img, a 256 KiB all-zero embed area,
// pxeboot dummies and bootloader configs. Fixed dates make the bytes the same on every run.

const SECTOR = 2048;
/** The embed area's size on real images (COSA's `ignition_img_size`). */
export const LIVE_ISO_AREA_SIZE = 256 * 1024;
/** 2024-01-01T00:00:00Z, for every date in the image. */
const FIXED_DATE = { year: 2024, month: 1, day: 1 };

export interface LiveIsoOptions {
  /** CPU architecture the image claims (aarch64, x86_64, ...). */
  arch: string;
  /** OS version shown in the volume id, e.g. `418.94.202410090804-0`. */
  version: string;
}

/** `rhcos-<version>-<arch>` in the 32 characters a volume id holds: the version is cut, the arch kept. */
export function liveIsoVolumeId(opts: LiveIsoOptions): string {
  const room = Math.max(0, 32 - 'rhcos--'.length - opts.arch.length);
  return `rhcos-${opts.version.slice(0, room)}-${opts.arch}`.slice(0, 32);
}

/** The file name RHCOS publishes the live ISO under. */
export function liveIsoFileName(opts: LiveIsoOptions): string {
  return `rhcos-${opts.version}-live.${opts.arch}.iso`;
}

/** The image's files by their lower-case path (as on a real image's Rock Ridge tree). */
export function liveIsoFiles(opts: LiveIsoOptions): Map<string, Buffer> {
  const vol = liveIsoVolumeId(opts);
  const kargs = `coreos.liveiso=${vol} ignition.firstboot ignition.platform.id=metal`;
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  return new Map([
    ['coreos/igninfo.json', text('{"file": "images/ignition.img"}')],
    ['images/ignition.img', Buffer.alloc(LIVE_ISO_AREA_SIZE)],
    ['images/pxeboot/vmlinuz', text(`fleetboot lab kernel, ${opts.arch}, rhcos ${opts.version}\n`)],
    ['images/pxeboot/initrd.img', text(`fleetboot lab initramfs, ${opts.arch}, rhcos ${opts.version}\n`)],
    ['images/pxeboot/rootfs.img', text(`fleetboot lab root filesystem, ${opts.arch}, rhcos ${opts.version}\n`)],
    [
      'EFI/redhat/grub.cfg',
      text(
        `menuentry 'RHEL CoreOS (Live) ${opts.arch}' --class fedora --class gnu-linux --class gnu --class os {\n` +
          `\tlinux /images/pxeboot/vmlinuz ${kargs}\n` +
          '\tinitrd /images/pxeboot/initrd.img /images/ignition.img\n}\n',
      ),
    ],
    [
      'isolinux/isolinux.cfg',
      text(`label linux\n  menu label RHEL CoreOS (Live)\n  kernel /images/pxeboot/vmlinuz\n  append initrd=/images/pxeboot/initrd.img,/images/ignition.img ${kargs}\n`),
    ],
  ]);
}

interface DirNode {
  /** Level-1 identifier (upper case, no version). */
  id: string;
  dirs: DirNode[];
  files: FileNode[];
  parent: DirNode | undefined;
  number: number;
  extent: number;
}

interface FileNode {
  id: string;
  data: Buffer;
  extent: number;
}

/** An 8.3 level-1 identifier: upper case, name cut to 8 and extension to 3 characters, `;1` appended. */
function level1FileId(name: string): string {
  const clean = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const dot = name.lastIndexOf('.');
  const base = clean(dot < 0 ? name : name.slice(0, dot)).slice(0, 8);
  const ext = dot < 0 ? '' : clean(name.slice(dot + 1)).slice(0, 3);
  return `${base}.${ext};1`;
}

function level1DirId(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_').slice(0, 8);
}

/** ISO 9660 sorts identifiers as if padded: comparing the byte strings is enough for these names. */
function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function buildTree(files: Map<string, Buffer>): DirNode {
  const root: DirNode = { id: '\0', dirs: [], files: [], parent: undefined, number: 1, extent: 0 };
  for (const [path, data] of files) {
    const parts = path.split('/');
    const name = parts.pop()!;
    let dir = root;
    for (const p of parts) {
      const id = level1DirId(p);
      let next = dir.dirs.find((d) => d.id === id);
      if (!next) {
        next = { id, dirs: [], files: [], parent: dir, number: 0, extent: 0 };
        dir.dirs.push(next);
      }
      dir = next;
    }
    dir.files.push({ id: level1FileId(name), data, extent: 0 });
  }
  return root;
}

/** Directories in path-table order: by level, then by parent, then by name (breadth first over sorted children). */
function directoriesInOrder(root: DirNode): DirNode[] {
  const out: DirNode[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const d = queue.shift()!;
    d.dirs.sort(byId);
    d.files.sort(byId);
    out.push(d);
    d.number = out.length;
    queue.push(...d.dirs);
  }
  return out;
}

function both32(buf: Buffer, at: number, v: number): void {
  buf.writeUInt32LE(v, at);
  buf.writeUInt32BE(v, at + 4);
}

function both16(buf: Buffer, at: number, v: number): void {
  buf.writeUInt16LE(v, at);
  buf.writeUInt16BE(v, at + 2);
}

function dirRecord(id: Buffer, extent: number, size: number, directory: boolean): Buffer {
  const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  both32(r, 2, extent);
  both32(r, 10, size);
  r[18] = FIXED_DATE.year - 1900;
  r[19] = FIXED_DATE.month;
  r[20] = FIXED_DATE.day;
  r[25] = directory ? 2 : 0;
  both16(r, 28, 1);
  r[32] = id.length;
  id.copy(r, 33);
  return r;
}

/** A directory's extent: `.`, `..`, then the subdirectories and files sorted by identifier. */
function directoryExtent(d: DirNode): Buffer {
  const parent = d.parent ?? d;
  const records = [
    dirRecord(Buffer.from([0]), d.extent, SECTOR, true),
    dirRecord(Buffer.from([1]), parent.extent, SECTOR, true),
    ...[...d.dirs.map((c) => ({ id: c.id, rec: dirRecord(Buffer.from(c.id, 'latin1'), c.extent, SECTOR, true) })),
      ...d.files.map((f) => ({ id: f.id, rec: dirRecord(Buffer.from(f.id, 'latin1'), f.extent, f.data.length, false) }))]
      .sort(byId)
      .map((x) => x.rec),
  ];
  const body = Buffer.concat(records);
  if (body.length > SECTOR) throw new Error(`directory ${d.id} does not fit one sector`);
  return Buffer.concat([body, Buffer.alloc(SECTOR - body.length)]);
}

function pathTable(dirs: DirNode[], bigEndian: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const d of dirs) {
    const id = Buffer.from(d.id, 'latin1');
    const r = Buffer.alloc(8 + id.length + (id.length % 2));
    r[0] = id.length;
    if (bigEndian) {
      r.writeUInt32BE(d.extent, 2);
      r.writeUInt16BE((d.parent ?? d).number, 6);
    } else {
      r.writeUInt32LE(d.extent, 2);
      r.writeUInt16LE((d.parent ?? d).number, 6);
    }
    id.copy(r, 8);
    parts.push(r);
  }
  return Buffer.concat(parts);
}

function padded(s: string, len: number): string {
  return s.slice(0, len).padEnd(len, ' ');
}

/** 17-byte dec-datetime: YYYYMMDDHHMMSScc and a zero GMT offset. */
function decDate(): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${FIXED_DATE.year}${p(FIXED_DATE.month)}${p(FIXED_DATE.day)}00000000\0`;
}

/** Builds the live ISO for one architecture (a few hundred KiB). */
export function buildLiveIsoImage(opts: LiveIsoOptions): Buffer {
  const root = buildTree(liveIsoFiles(opts));
  const dirs = directoriesInOrder(root);

  // Layout: system area (16 sectors), primary descriptor, terminator, L and M path tables, directories, files.
  const pathTableSize = pathTable(dirs, false).length;
  const pathTableSectors = Math.ceil(pathTableSize / SECTOR);
  const lPath = 18;
  const mPath = lPath + pathTableSectors;
  let next = mPath + pathTableSectors;
  for (const d of dirs) d.extent = next++;
  const files = dirs.flatMap((d) => d.files);
  for (const f of files) {
    f.extent = next;
    next += Math.max(1, Math.ceil(f.data.length / SECTOR));
  }
  const image = Buffer.alloc(next * SECTOR);

  const pvd = image.subarray(16 * SECTOR, 17 * SECTOR);
  pvd[0] = 1;
  pvd.write('CD001', 1, 'latin1');
  pvd[6] = 1;
  pvd.write(padded('LINUX', 32), 8, 'latin1');
  pvd.write(padded(liveIsoVolumeId(opts), 32), 40, 'latin1');
  both32(pvd, 80, next);
  both16(pvd, 120, 1);
  both16(pvd, 124, 1);
  both16(pvd, 128, SECTOR);
  both32(pvd, 132, pathTableSize);
  pvd.writeUInt32LE(lPath, 140);
  pvd.writeUInt32BE(mPath, 148);
  dirRecord(Buffer.from([0]), root.extent, SECTOR, true).copy(pvd, 156);
  pvd.write(padded(liveIsoVolumeId(opts), 128), 190, 'latin1');
  pvd.write(padded('FLEETBOOT LAB', 128), 318, 'latin1');
  pvd.write(padded('FLEETBOOT LAB', 128), 446, 'latin1');
  pvd.write(padded('FLEETBOOT LIVE-ISO-IMAGE', 128), 574, 'latin1');
  pvd.write(padded('', 37 * 3), 702, 'latin1');
  pvd.write(decDate(), 813, 'latin1');
  pvd.write(decDate(), 830, 'latin1');
  pvd.write('0000000000000000\0', 847, 'latin1');
  pvd.write(decDate(), 864, 'latin1');
  pvd[881] = 1;

  const term = image.subarray(17 * SECTOR, 18 * SECTOR);
  term[0] = 255;
  term.write('CD001', 1, 'latin1');
  term[6] = 1;

  pathTable(dirs, false).copy(image, lPath * SECTOR);
  pathTable(dirs, true).copy(image, mPath * SECTOR);
  for (const d of dirs) directoryExtent(d).copy(image, d.extent * SECTOR);
  for (const f of files) f.data.copy(image, f.extent * SECTOR);
  return image;
}
