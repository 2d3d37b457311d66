// One simulated BMC's Redfish service, transport-free: a request in, an answer out. The HTTPS
// server (server.ts) feeds it. Protocol rules (DSP0266): anonymous service root, /redfish,
// odata and $metadata; Basic or X-Auth-Token elsewhere; OData-Version 4.0; Allow; ETags.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { BASE, badRequest, errorBody, notFound, RedfishError, unavailable } from './errors.js';
import type { BmcProfile } from './profiles.js';
import * as doc from './resources.js';
import { ROOT, type BmcIdentity, type Json, type Paths } from './resources.js';
import { MachineActions } from './actions.js';
import type { Clock } from './token-bucket.js';
import { MachineState, type BootListener, type BootRecord } from './state.js';
import { DEFAULT_MEDIA_RATE } from './media-reader.js';

export interface BmcFaults {
  /** The next N requests answer 503 with Retry-After: 1. */
  burst503?: number;
  sessionLimit?: number;
  slowMs?: number;
  /** Reset (and Boot PATCH) refused for this long after each boot completes ("during POST"). */
  busyResetMs?: number;
  /** A request that arrives while another is in flight gets 503. */
  twoAtOnce?: 'refuse';
  /** PATCH without If-Match → 428. */
  requireIfMatch?: boolean;
  /** After EjectMedia the slot keeps reading the old image as inserted for this long (ms). */
  staleMediaMs?: number;
  /** Actions answer 202 Accepted with a task monitor (Location) that completes after the power delay. */
  asyncActions?: boolean;
}

export interface BmcMediaOptions {
  /** Bytes per second of the firmware's image reads (default 50 MB/s); 0 = unpaced. */
  rateBytesPerSec?: number;
  /** CA bundle for profiles that verify the image server's certificate. */
  ca?: string;
  /** Largest Range request (default 256 KiB). */
  chunkBytes?: number;
  clock?: Clock;
}

export interface BmcServiceOptions {
  identity: BmcIdentity;
  profile: BmcProfile;
  user?: string;
  password: string;
  powerDelayMs?: number;
  faults?: BmcFaults;
  /** SessionService SessionTimeout in seconds (default 1800, as real BMCs); tests set it short. */
  sessionTimeoutSec?: number;
  media?: BmcMediaOptions;
}

export interface BmcRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface BmcResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface BmcStats {
  requests: number;
  inFlight: number;
  peakConcurrentRequests: number;
  sessions: number;
  peakSessions: number;
  sessionsCreated: number;
  power: string;
  boot: { enabled: string; target: string; mode: string };
  media: { image: string | null; inserted: boolean };
  slots: { id: string; image: string | null; inserted: boolean }[];
  bootProgress: { LastState: string; OemLastState?: string };
  /** Bytes/s of the firmware's virtual CD reads (0: unpaced). */
  mediaRate: number;
  boots: BootRecord[];
  sessionsExpired: number;
}

type Method = 'GET' | 'HEAD' | 'PATCH' | 'POST' | 'DELETE';

interface Resource {
  allow: Method[];
  get?: () => Json;
  patch?: (body: Json) => void;
  post?: (body: Json | undefined, raw: Buffer) => BmcResponse | undefined;
  delete?: () => void;
}

const DEFAULT_SESSION_LIMIT = 4;
const DEFAULT_SESSION_TIMEOUT_SEC = 1800;
/** SessionTimeout's range in the SessionService schema. */
const SESSION_TIMEOUT_MIN = 30;
const SESSION_TIMEOUT_MAX = 86400;
const TASKS = `${ROOT}/TaskService/Tasks`;
const MONITORS = `${ROOT}/TaskService/TaskMonitors`;
const READ: Method[] = ['GET', 'HEAD'];
const ACTION: Method[] = ['POST'];

export function etagOf(body: Json): string {
  const { ['@odata.etag']: _ignored, ...rest } = body;
  return `"${createHash('sha1').update(JSON.stringify(rest)).digest('hex').slice(0, 16)}"`;
}

const bareTag = (t: string): string => t.trim().replace(/^W\//, '');

function header(req: BmcRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class BmcService {
  readonly identity: BmcIdentity;
  readonly profile: BmcProfile;
  readonly paths: Paths;
  readonly machine: MachineState;
  private readonly user: string;
  private readonly password: string;
  private readonly faults: BmcFaults;
  private readonly sessionLimit: number;
  private readonly sessions = new Map<string, { token: string; user: string; lastUsed: number }>();
  private sessionTimeoutSec: number;
  private sweeper: NodeJS.Timeout | undefined;
  private nextSession = 1;
  private burstLeft: number;
  private readonly actions: MachineActions;
  private readonly tasks = new Map<string, { action: string; doneAt: number; started: string }>();
  private nextTask = 1;
  private readonly powerDelayMs: number;
  private readonly mediaRate: number;
  private readonly routes: Map<string, Resource>;
  private stats = { requests: 0, inFlight: 0, peakConcurrentRequests: 0, peakSessions: 0, sessionsCreated: 0, sessionsExpired: 0 };

  constructor(opts: BmcServiceOptions) {
    this.identity = opts.identity;
    this.profile = opts.profile;
    this.paths = doc.pathsFor(opts.profile);
    this.user = opts.user ?? 'admin';
    this.password = opts.password;
    this.faults = opts.faults ?? {};
    this.sessionLimit = this.faults.sessionLimit ?? DEFAULT_SESSION_LIMIT;
    this.burstLeft = this.faults.burst503 ?? 0;
    this.powerDelayMs = opts.powerDelayMs ?? 200;
    this.sessionTimeoutSec = opts.sessionTimeoutSec ?? DEFAULT_SESSION_TIMEOUT_SEC;
    this.mediaRate = opts.media?.rateBytesPerSec ?? DEFAULT_MEDIA_RATE;
    const vm = this.profile.virtualMedia;
    this.machine = new MachineState({
      powerDelayMs: this.powerDelayMs,
      postMs: this.faults.busyResetMs ?? this.profile.quirks.postMs,
      slots: vm.slots.map((s) => ({ id: s.id, cd: s.mediaTypes.includes('CD') || s.mediaTypes.includes('DVD') })),
      media: { cdTargets: vm.cdTargets, verifyTls: vm.verifyImageTls, ...opts.media },
    });
    this.actions = new MachineActions(this.profile, this.machine, this.paths, this.faults);
    this.routes = this.buildRoutes();
  }

  /** Called when a request arrives (before its body is read), so overlap is measured from the wire. */
  begin(): void {
    this.stats.requests++;
    this.stats.inFlight++;
    this.stats.peakConcurrentRequests = Math.max(this.stats.peakConcurrentRequests, this.stats.inFlight);
  }

  /** Called when its answer is sent or its connection is gone. */
  end(): void {
    this.stats.inFlight--;
  }

  getStats(): BmcStats {
    const m = this.machine;
    this.expireSessions();
    return {
      ...this.stats,
      sessions: this.sessions.size,
      power: m.power,
      boot: { enabled: m.boot.enabled, target: m.boot.target, mode: m.boot.mode },
      media: { image: m.media.image, inserted: m.media.inserted },
      slots: m.slots.map((s) => ({ id: s.id, image: s.image, inserted: s.inserted })),
      bootProgress: { LastState: m.progress.lastState, ...(m.progress.oemLastState ? { OemLastState: m.progress.oemLastState } : {}) },
      mediaRate: this.mediaRate,
      boots: m.boots.map((b) => ({ ...b, ...(b.media ? { media: { ...b.media } } : {}) })),
    };
  }

  /** Every boot once its outcome is known; a virtual CD boot that worked hands over its open image reader. */
  onBoot(listener: BootListener): () => void {
    return this.machine.onBoot(listener);
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.machine.stop();
  }

  /** Deletes sessions idle longer than SessionTimeout, as a BMC does; their tokens then answer 401. */
  private expireSessions(): void {
    const limit = Date.now() - this.sessionTimeoutSec * 1000;
    for (const [id, s] of this.sessions) {
      if (s.lastUsed < limit) {
        this.sessions.delete(id);
        this.stats.sessionsExpired++;
      }
    }
    if (this.sessions.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** While sessions exist, a sweep frees expired ones even when nobody asks. */
  private armSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(10, Math.min(60_000, (this.sessionTimeoutSec * 1000) / 4));
    this.sweeper = setInterval(() => this.expireSessions(), every).unref();
  }

  async handle(req: BmcRequest): Promise<BmcResponse> {
    const method = req.method.toUpperCase();
    const path = normalise(req.url);
    if (path === '/lab/stats' && method === 'GET') return this.json(200, this.getStats() as unknown as Json);
    try {
      if (this.faults.twoAtOnce === 'refuse' && this.stats.inFlight > 1) {
        throw unavailable('Another request is in progress; this BMC serves one request at a time.');
      }
      if (this.burstLeft > 0) {
        this.burstLeft--;
        throw unavailable('The service is temporarily unavailable (lab fault bmc_503_burst).');
      }
      if (this.faults.slowMs) await delay(this.faults.slowMs);
      const odata = header(req, 'odata-version');
      if (odata !== undefined && odata.trim() !== '4.0') {
        throw new RedfishError(412, `${BASE}.PreconditionFailed`, `OData-Version ${odata} is not supported; this service speaks 4.0.`);
      }
      const only406 = this.profile.quirks.identityEncoding406;
      if (only406 && (method === 'GET' || method === 'HEAD') && path.startsWith(only406) && header(req, 'accept-encoding')?.trim().toLowerCase() === 'identity') {
        throw new RedfishError(406, `${BASE}.GeneralError`, 'The requested content encoding is not acceptable for this resource.');
      }
      return await this.route(method, path, req);
    } catch (err) {
      if (err instanceof RedfishError) {
        const body = errorBody(err.messageId, err.message, err.severity);
        return this.json(err.status, body, err.headers, method === 'HEAD');
      }
      throw err;
    }
  }

  private async route(method: string, requestPath: string, req: BmcRequest): Promise<BmcResponse> {
    let path = requestPath;
    if (path === '/redfish') {
      if (method !== 'GET' && method !== 'HEAD') throw this.notAllowed(method, READ);
      return this.json(200, { v1: `${ROOT}/` }, { Allow: 'GET, HEAD' }, method === 'HEAD');
    }
    if (path === `${ROOT}/$metadata`) {
      if (method !== 'GET' && method !== 'HEAD') throw this.notAllowed(method, READ);
      const xml = doc.metadataXml();
      return { status: 200, headers: this.baseHeaders({ 'Content-Type': 'application/xml; charset=utf-8', Allow: 'GET, HEAD' }), body: method === 'HEAD' ? '' : xml };
    }
    const sessionsPath = `${ROOT}/SessionService/Sessions`;
    // DSP0266: POST to a collection's `Members` is the same as POST to the collection.
    if (path === `${sessionsPath}/Members` && method === 'POST') path = sessionsPath;
    const anonymous = path === ROOT || path === `${ROOT}/odata` || (path === sessionsPath && method === 'POST');
    if (!anonymous) this.authenticate(req);
    // No query parameters are supported (ProtocolFeaturesSupported says so): `$` ones get 501, others are ignored.
    const dollar = [...new URL(req.url, 'https://bmc.invalid').searchParams.keys()].find((k) => k.startsWith('$'));
    if (dollar !== undefined) throw new RedfishError(501, `${BASE}.QueryNotSupported`, `The query parameter ${dollar} is not supported.`);

    let res = this.routes.get(path);
    if (!res && path.startsWith(`${sessionsPath}/`)) res = this.sessionResource(path.slice(sessionsPath.length + 1));
    if (!res && path.startsWith(`${TASKS}/`)) res = this.taskResource(path.slice(TASKS.length + 1));
    if (!res && path.startsWith(`${MONITORS}/`)) {
      const id = path.slice(MONITORS.length + 1);
      if (!this.tasks.has(id)) throw notFound(path);
      if (method !== 'GET' && method !== 'HEAD') throw this.notAllowed(method, READ);
      return this.monitor(id, method === 'HEAD');
    }
    if (!res) throw notFound(path);
    if (!res.allow.includes(method as Method)) throw this.notAllowed(method, res.allow);
    const allow = res.allow.join(', ');

    switch (method) {
      case 'GET':
      case 'HEAD': {
        const get = res.get;
        if (!get) throw this.notAllowed(method, res.allow);
        return this.read(method, get, res.allow);
      }
      case 'PATCH': {
        const body = parseBody(req.body, true);
        if (!body || !res.patch) throw badRequest('MalformedJSON', 'The request body is not a JSON object.');
        if (res.get) this.checkIfMatch(req, res.get());
        this.actions.checkBusy();
        res.patch(body);
        return this.read('GET', res.get ?? (() => ({})), res.allow);
      }
      case 'POST': {
        if (!res.post) throw this.notAllowed(method, res.allow);
        const out = res.post(parseBody(req.body, false), req.body);
        if (!out && this.faults.asyncActions && path.includes('/Actions/')) return this.startTask(path);
        return out ?? { status: 204, headers: this.baseHeaders({ Allow: allow }), body: '' };
      }
      case 'DELETE': {
        if (!res.delete) throw this.notAllowed(method, res.allow);
        res.delete();
        return { status: 204, headers: this.baseHeaders(), body: '' };
      }
      default:
        throw this.notAllowed(method, res.allow);
    }
  }

  private read(method: string, get: () => Json, allow: Method[]): BmcResponse {
    if (method !== 'GET' && method !== 'HEAD') throw this.notAllowed(method, allow);
    const body = get();
    const etag = etagOf(body);
    const link = describedBy(body);
    return this.json(200, { ...body, '@odata.etag': etag }, { ETag: etag, Allow: allow.join(', '), ...(link ? { Link: link } : {}) }, method === 'HEAD');
  }

  private json(status: number, body: Json, extra: Record<string, string> = {}, head = false): BmcResponse {
    const text = JSON.stringify(body);
    return { status, headers: this.baseHeaders({ 'Content-Type': 'application/json; charset=utf-8', ...extra }), body: head ? '' : text };
  }

  private baseHeaders(extra: Record<string, string> = {}): Record<string, string> {
    return { 'OData-Version': '4.0', 'Cache-Control': 'no-cache', ...extra };
  }

  private notAllowed(method: string, allow: Method[]): RedfishError {
    return new RedfishError(405, `${BASE}.OperationNotAllowed`, `${method} is not allowed on this resource.`, { Allow: allow.join(', ') });
  }

  private authenticate(req: BmcRequest): void {
    const token = header(req, 'x-auth-token');
    if (token !== undefined) {
      this.expireSessions();
      for (const s of this.sessions.values()) {
        if (sameSecret(s.token, token)) {
          s.lastUsed = Date.now();
          return;
        }
      }
    } else {
      const auth = header(req, 'authorization');
      const m = auth ? /^Basic\s+(\S+)$/i.exec(auth) : null;
      if (m?.[1]) {
        const decoded = Buffer.from(m[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon >= 0 && decoded.slice(0, colon) === this.user && sameSecret(decoded.slice(colon + 1), this.password)) return;
      }
    }
    throw new RedfishError(401, `${BASE}.NoValidSession`, 'There is no valid session established with the implementation; log in with Basic or a session.', {
      'WWW-Authenticate': 'Basic realm="fleetboot lab BMC"',
    });
  }

  private checkIfMatch(req: BmcRequest, current: Json): void {
    const ifMatch = header(req, 'if-match');
    if (ifMatch === undefined) {
      if (this.faults.requireIfMatch || this.profile.quirks.requireIfMatch) {
        throw new RedfishError(428, `${BASE}.PreconditionRequired`, 'This resource needs an If-Match header with its ETag for PATCH.');
      }
      return;
    }
    const now = bareTag(etagOf(current));
    const ok = ifMatch.split(',').some((t) => t.trim() === '*' || bareTag(t) === now);
    if (!ok) throw new RedfishError(412, `${BASE}.PreconditionFailed`, 'The ETag in If-Match does not match the resource; read it again.');
  }

  /** 202 Accepted with a task monitor (DSP0266 "Asynchronous operations"). */
  private startTask(actionPath: string): BmcResponse {
    const id = String(this.nextTask++);
    this.tasks.set(id, { action: actionPath, doneAt: Date.now() + this.powerDelayMs, started: new Date().toISOString() });
    const body = this.taskDoc(id);
    return this.json(202, body, { Location: `${MONITORS}/${id}` });
  }

  private taskDoc(id: string): Json {
    const t = this.tasks.get(id);
    const done = t !== undefined && Date.now() >= t.doneAt;
    return {
      '@odata.type': '#Task.v1_7_1.Task',
      '@odata.id': `${TASKS}/${id}`,
      Id: id,
      Name: `Task ${id}`,
      TaskState: done ? 'Completed' : 'Running',
      TaskStatus: 'OK',
      PercentComplete: done ? 100 : 50,
      StartTime: t?.started,
      TaskMonitor: `${MONITORS}/${id}`,
      Payload: { TargetUri: t?.action, HttpOperation: 'POST' },
    };
  }

  /**
   * The monitor: 202 while running, with Retry-After as an HTTP-date (Debian's sushy crashes on
   * delta-seconds there, see the reference §2), then 200 with the finished Task.
   */
  private monitor(id: string, head: boolean): BmcResponse {
    const t = this.tasks.get(id);
    if (t && Date.now() < t.doneAt) {
      return this.json(202, this.taskDoc(id), { Location: `${MONITORS}/${id}`, 'Retry-After': new Date(t.doneAt + 1000).toUTCString() }, head);
    }
    return this.json(200, this.taskDoc(id), {}, head);
  }

  private taskResource(id: string): Resource | undefined {
    if (!this.tasks.has(id)) return undefined;
    return { allow: READ, get: () => this.taskDoc(id) };
  }

  private sessionResource(id: string): Resource | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    return {
      allow: ['GET', 'HEAD', 'DELETE'],
      get: () => doc.sessionDoc(id, s.user),
      delete: () => {
        this.sessions.delete(id);
      },
    };
  }

  private patchSessionService(body: Json): void {
    for (const k of Object.keys(body)) {
      if (k !== 'SessionTimeout' && k !== '@odata.etag') throw badRequest('PropertyNotWritable', `The property ${k} is read-only or unknown.`);
    }
    const t = body.SessionTimeout;
    if (t === undefined) return;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < SESSION_TIMEOUT_MIN || t > SESSION_TIMEOUT_MAX) {
      throw badRequest('PropertyValueOutOfRange', `The value ${JSON.stringify(t)} for SessionTimeout is out of range ${SESSION_TIMEOUT_MIN} to ${SESSION_TIMEOUT_MAX} seconds.`);
    }
    this.sessionTimeoutSec = t;
    if (this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      this.armSweeper();
    }
  }

  private login(body: Json | undefined): BmcResponse {
    const user = body?.UserName;
    const pass = body?.Password;
    if (typeof user !== 'string' || typeof pass !== 'string') {
      throw badRequest('ActionParameterMissing', 'A session needs UserName and Password.');
    }
    if (user !== this.user || !sameSecret(pass, this.password)) {
      throw new RedfishError(401, `${BASE}.NoValidSession`, 'The user name or password is wrong.', { 'WWW-Authenticate': 'Basic realm="fleetboot lab BMC"' });
    }
    this.expireSessions();
    if (this.sessions.size >= this.sessionLimit) {
      throw new RedfishError(503, `${BASE}.SessionLimitExceeded`, `The session could not be created: the limit of ${this.sessionLimit} sessions is reached; log out unused sessions.`);
    }
    const id = String(this.nextSession++);
    const token = randomBytes(24).toString('hex');
    this.sessions.set(id, { token, user, lastUsed: Date.now() });
    this.armSweeper();
    this.stats.sessionsCreated++;
    this.stats.peakSessions = Math.max(this.stats.peakSessions, this.sessions.size);
    const body2 = doc.sessionDoc(id, user);
    const location = `${ROOT}/SessionService/Sessions/${id}`;
    return this.json(201, { ...body2, '@odata.etag': etagOf(body2) }, { Location: location, 'X-Auth-Token': token });
  }


  private buildRoutes(): Map<string, Resource> {
    const p = this.profile;
    const paths = this.paths;
    const who = this.identity;
    const m = this.machine;
    const r = new Map<string, Resource>();
    const ro = (path: string, get: () => Json): void => void r.set(path, { allow: READ, get });
    ro(ROOT, () => doc.serviceRoot(p, who));
    ro(`${ROOT}/odata`, () => doc.odataDocument());
    ro(`${ROOT}/TaskService`, () => doc.taskService());
    ro(TASKS, () => doc.collection('TaskCollection', TASKS, 'Task Collection', [...this.tasks.keys()].map((id) => `${TASKS}/${id}`)));
    r.set(`${ROOT}/SessionService`, { allow: ['GET', 'HEAD', 'PATCH'], get: () => doc.sessionService(this.sessionTimeoutSec), patch: (b) => this.patchSessionService(b) });
    ro(`${ROOT}/Registries`, () => doc.collection('MessageRegistryFileCollection', `${ROOT}/Registries`, 'Registry File Collection', [`${ROOT}/Registries/Base.1.16.0`]));
    ro(`${ROOT}/Registries/Base.1.16.0`, () => doc.registryFile('Base.1.16.0'));
    r.set(`${ROOT}/SessionService/Sessions`, {
      allow: ['GET', 'HEAD', 'POST'],
      get: () => doc.collection('SessionCollection', `${ROOT}/SessionService/Sessions`, 'Session Collection', [...this.sessions.keys()].map((id) => `${ROOT}/SessionService/Sessions/${id}`)),
      post: (body) => this.login(body),
    });
    ro(`${ROOT}/AccountService`, () => doc.accountService());
    ro(`${ROOT}/AccountService/Accounts`, () => doc.collection('ManagerAccountCollection', `${ROOT}/AccountService/Accounts`, 'Accounts Collection', [`${ROOT}/AccountService/Accounts/1`]));
    ro(`${ROOT}/AccountService/Accounts/1`, () => doc.account(this.user));
    const roles = Object.keys(doc.ROLES);
    ro(`${ROOT}/AccountService/Roles`, () => doc.collection('RoleCollection', `${ROOT}/AccountService/Roles`, 'Roles Collection', roles.map((id) => `${ROOT}/AccountService/Roles/${id}`)));
    for (const id of roles) ro(`${ROOT}/AccountService/Roles/${id}`, () => doc.role(id));
    ro(`${ROOT}/Systems`, () => doc.collection('ComputerSystemCollection', `${ROOT}/Systems`, 'Computer System Collection', [paths.system]));
    r.set(paths.system, { allow: ['GET', 'HEAD', 'PATCH'], get: () => doc.system(p, who, m, paths), patch: (b) => this.actions.patchBoot(b, false) });
    if (paths.settings) r.set(paths.settings, { allow: ['GET', 'HEAD', 'PATCH'], get: () => doc.settings(m, paths), patch: (b) => this.actions.patchBoot(b, true) });
    ro(`${paths.system}/ResetActionInfo`, () => doc.resetActionInfo(p, paths));
    r.set(`${paths.system}/Actions/ComputerSystem.Reset`, { allow: ACTION, post: (b) => this.actions.resetSystem(b) });
    ro(`${paths.system}/EthernetInterfaces`, () => doc.collection('EthernetInterfaceCollection', `${paths.system}/EthernetInterfaces`, 'Ethernet Interfaces', [`${paths.system}/EthernetInterfaces/NIC.1`]));
    ro(`${paths.system}/EthernetInterfaces/NIC.1`, () => doc.ethernetInterface(who, paths));
    const cpus = Array.from({ length: p.processor.Count }, (_, i) => `CPU${i + 1}`);
    ro(`${paths.system}/Processors`, () => doc.collection('ProcessorCollection', `${paths.system}/Processors`, 'Processors Collection', cpus.map((id) => `${paths.system}/Processors/${id}`)));
    for (const id of cpus) ro(`${paths.system}/Processors/${id}`, () => doc.processor(p, paths, id));
    ro(`${ROOT}/Managers`, () => doc.collection('ManagerCollection', `${ROOT}/Managers`, 'Manager Collection', [paths.manager]));
    ro(paths.manager, () => doc.manager(p, paths));
    ro(`${ROOT}/Chassis`, () => doc.collection('ChassisCollection', `${ROOT}/Chassis`, 'Chassis Collection', [paths.chassis]));
    ro(paths.chassis, () => doc.chassis(p, who, m, paths));
    ro(paths.vmediaCollection, () => doc.collection('VirtualMediaCollection', paths.vmediaCollection, 'Virtual Media Services', paths.slots.map((s) => s.path)));
    for (const { spec, path } of paths.slots) {
      const get = (): Json => doc.virtualMedia(spec, path, this.actions.mediaView(spec));
      if (spec.mount === 'patch') r.set(path, { allow: ['GET', 'HEAD', 'PATCH'], get, patch: (b) => this.actions.patchSlot(spec, b) });
      else ro(path, get);
      if (spec.mount === 'action' || spec.mount === 'local') {
        r.set(`${path}/Actions/VirtualMedia.InsertMedia`, { allow: ACTION, post: (b) => this.actions.insertMedia(spec, b) });
      }
      if (spec.mount !== 'patch') r.set(`${path}/Actions/VirtualMedia.EjectMedia`, { allow: ACTION, post: (b, raw) => this.actions.ejectMedia(spec, raw, b) });
    }
    return r;
  }
}

/** DSP0266 "Link header": the schema of the resource's `@odata.type`, versioned as it is. */
function describedBy(body: Json): string | undefined {
  const type = body['@odata.type'];
  if (typeof type !== 'string') return undefined;
  const m = /^#([A-Za-z]+)(?:\.(v\d+_\d+_\d+))?\.[A-Za-z]+$/.exec(type);
  if (!m) return undefined;
  return `<https://redfish.dmtf.org/schemas/v1/${m[1]}${m[2] ? `.${m[2]}` : ''}.json>; rel=describedby`;
}

/** The path without query, trailing slash or doubled slashes; `/redfish/v1/` is `/redfish/v1`. */
function normalise(url: string): string {
  const path = (url.split('?')[0] ?? '/').replace(/\/{2,}/g, '/');
  let p: string;
  try {
    p = decodeURIComponent(path);
  } catch {
    p = path;
  }
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** The JSON object of a body; undefined for an empty body; 400 for anything else. */
function parseBody(raw: Buffer, required: boolean): Json | undefined {
  if (raw.length === 0) {
    if (required) throw badRequest('MalformedJSON', 'The request body is empty; a JSON object is expected.');
    return undefined;
  }
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('MalformedJSON', 'The request body is not valid JSON.');
  }
  if (!isObject(v)) throw badRequest('MalformedJSON', 'The request body must be a JSON object.');
  return v;
}
