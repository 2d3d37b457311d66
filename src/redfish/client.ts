// The Redfish client: sessions (Basic only where none can be made), one request in flight per
// BMC, bounded retries that honour Retry-After, task monitors, If-Match, and a transport event
// for every request. Vendor retries come from the quirk table as data.

import { setTimeout as delay } from 'node:timers/promises';
import PQueue from 'p-queue';
import { ExitCode } from '../core/errors.js';
import type { TransportEvent } from '../core/events.js';
import { etagOf, strongForm } from './etag.js';
import {
  PreconditionError,
  RedfishConnectionError,
  RedfishError,
  TaskError,
  errorFromResponse,
  errorInfo,
  mostSevereMessage,
} from './errors.js';
import { ALL_RETRY_ROWS, matchTransient, type QuirkRow } from './quirks.js';
import { parseRetryAfter } from './retry-after.js';
import { TransportFailure, type RedfishTransport, type TransportResponse } from './transport.js';
import type { BmcEndpoint } from './types.js';

export interface RedfishClientOptions {
  /** Inventory name of the host, for events and messages. */
  host: string;
  endpoint: BmcEndpoint;
  transport: RedfishTransport;
  onEvent?: (event: TransportEvent) => void;
  /** Requests in flight at once to this BMC (default 1). */
  concurrency?: number;
  /** Retries of a dropped connection, a 5xx to a GET, a 503/429 (default 4). */
  retries?: number;
  /** First backoff delay, doubled per retry up to `maxBackoffMs` (defaults 1 s, 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Longest wait a `Retry-After` may ask for (default 60 s). */
  retryAfterCapMs?: number;
  /** Poll interval of a task monitor without Retry-After (default 1 s), and its deadline (default 15 min). */
  taskPollMs?: number;
  taskDeadlineMs?: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Aborts waits and requests (the task's timeout, the second Ctrl-C); logout ignores it. */
  signal?: AbortSignal;
  /** Quirk rows of this BMC (from discovery); before that, every retry row applies. */
  quirks?: readonly QuirkRow[];
}

export interface RedfishResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type AuthMode = 'none' | 'session' | 'basic';

interface ExchangeOptions {
  auth: boolean;
  headers?: Record<string, string>;
  /** Logout must run after an abort too. */
  ignoreAbort?: boolean;
}

/** Codes of a connection that failed or dropped before an answer. */
const DROPPED = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const TLS_HINT = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/;
/** A running task monitor's TaskState values (spec TaskState enum). */
const TASK_RUNNING = new Set(['New', 'Starting', 'Running', 'Suspended', 'Pending', 'Stopping', 'Service', 'Interrupted']);
const TASK_FAILED = new Set(['Exception', 'Killed', 'Cancelled']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A `Location` header may be an absolute URL; requests go by path. */
export function pathOf(location: string): string {
  if (location.startsWith('/')) return location;
  try {
    const u = new URL(location);
    return u.pathname + u.search;
  } catch {
    return location;
  }
}

function linkOf(v: unknown): string | undefined {
  return isRecord(v) && typeof v['@odata.id'] === 'string' ? v['@odata.id'] : undefined;
}

export class RedfishClient {
  readonly host: string;
  private readonly endpoint: BmcEndpoint;
  private readonly transport: RedfishTransport;
  private readonly queue: PQueue;
  private readonly opts: Required<Pick<RedfishClientOptions, 'retries' | 'backoffMs' | 'maxBackoffMs' | 'retryAfterCapMs' | 'taskPollMs' | 'taskDeadlineMs'>>;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly onEvent: ((event: TransportEvent) => void) | undefined;
  private readonly runSignal: AbortSignal | undefined;
  /** The run's signal joined with the current task's (tasks of one host run one after another). */
  private signal: AbortSignal | undefined;
  private retryRows: readonly QuirkRow[];
  private mode: AuthMode = 'none';
  private token: string | undefined;
  private session: string | undefined;
  private loginPromise: Promise<void> | undefined;
  private root: Record<string, unknown> | undefined;

  constructor(options: RedfishClientOptions) {
    this.host = options.host;
    this.endpoint = options.endpoint;
    this.transport = options.transport;
    this.queue = new PQueue({ concurrency: options.concurrency ?? 1 });
    this.opts = {
      retries: options.retries ?? 4,
      backoffMs: options.backoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      retryAfterCapMs: options.retryAfterCapMs ?? 60_000,
      taskPollMs: options.taskPollMs ?? 1000,
      taskDeadlineMs: options.taskDeadlineMs ?? 15 * 60_000,
    };
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, signal ? { signal } : {}));
    this.now = options.now ?? Date.now;
    this.onEvent = options.onEvent;
    this.runSignal = options.signal;
    this.signal = options.signal;
    this.retryRows = options.quirks ?? ALL_RETRY_ROWS;
  }

  /**
   * Binds the requests and waits that follow to a task's signal as well as the run's, so a task
   * timeout aborts the request in flight instead of leaving it to finish after the task failed.
   */
  useTaskSignal(task: AbortSignal | undefined): void {
    const run = this.runSignal;
    this.signal = !task || task === run ? run : run ? AbortSignal.any([run, task]) : task;
  }

  get authMode(): AuthMode {
    return this.mode;
  }

  /** The session's URI while logged in with a session. */
  get sessionUri(): string | undefined {
    return this.session;
  }

  /** Narrows the vendor retries to this BMC's rows once discovery knows who made it. */
  setQuirks(rows: readonly QuirkRow[]): void {
    this.retryRows = rows;
  }

  /** The service root, read without credentials (spec), once. */
  async serviceRoot(): Promise<Record<string, unknown>> {
    if (this.root) return this.root;
    const res = await this.exchange('GET', '/redfish/v1/', undefined, { auth: false });
    if (res.status >= 400) throw errorFromResponse(this.host, 'GET', '/redfish/v1/', res.status, res.body);
    if (!isRecord(res.body)) throw new RedfishError(`${this.host}: redfish GET /redfish/v1/: the service root is not a JSON object (is this a Redfish service?)`);
    this.root = res.body;
    return res.body;
  }

  /** Logs in once; concurrent callers share the one login. */
  async login(): Promise<void> {
    if (this.mode !== 'none') return;
    return this.startLogin();
  }

  private startLogin(): Promise<void> {
    this.loginPromise ??= this.createSession()
      .catch((err: unknown) => {
        this.mode = 'none';
        this.token = undefined;
        this.session = undefined;
        throw err;
      })
      .finally(() => {
        this.loginPromise = undefined;
      });
    return this.loginPromise;
  }

  /** Deletes the session (runs after an abort too); a session already gone is fine. */
  async logout(): Promise<void> {
    if (this.loginPromise) await this.loginPromise.catch(() => undefined);
    const session = this.session;
    const wasSession = this.mode === 'session';
    if (!wasSession || !session) {
      this.mode = 'none';
      return;
    }
    try {
      const res = await this.exchange('DELETE', session, undefined, { auth: true, ignoreAbort: true });
      if (res.status >= 400 && res.status !== 401 && res.status !== 404 && res.status !== 410) {
        throw errorFromResponse(this.host, 'DELETE', session, res.status, res.body);
      }
    } finally {
      this.mode = 'none';
      this.token = undefined;
      this.session = undefined;
    }
  }

  /** Frees the transport's sockets; call after logout. */
  close(): void {
    this.transport.close();
  }

  async get(path: string): Promise<RedfishResponse> {
    await this.login();
    const res = await this.exchange('GET', path, undefined, { auth: true });
    if (res.status >= 400) throw errorFromResponse(this.host, 'GET', path, res.status, res.body);
    return res;
  }

  /** GET of a resource that must be a JSON object. */
  async getObject(path: string): Promise<{ body: Record<string, unknown>; headers: Record<string, string> }> {
    const res = await this.get(path);
    if (!isRecord(res.body)) throw new RedfishError(`${this.host}: redfish GET ${path}: the answer is not a JSON object`);
    return { body: res.body, headers: res.headers };
  }

  /** POST (actions, collections); a 202 is followed to its task monitor. */
  async post(path: string, body?: unknown): Promise<RedfishResponse> {
    await this.login();
    return this.finish('POST', path, await this.exchange('POST', path, body, { auth: true }));
  }

  async delete(path: string): Promise<RedfishResponse> {
    await this.login();
    return this.finish('DELETE', path, await this.exchange('DELETE', path, undefined, { auth: true }));
  }

  /**
   * PATCH with If-Match: the ETag of `etagFrom` (the caller's fresh read) or of a GET made here.
   * On 412 the resource is read again and the strong form of its tag sent once; on 428 the
   * resource is read and its tag sent once. If-Match is never silently dropped.
   */
  async patch(path: string, body: unknown, etagFrom?: RedfishResponse): Promise<RedfishResponse> {
    await this.login();
    const read = etagFrom ?? (await this.get(path));
    const etag = etagOf(read.headers, read.body);
    let res = await this.exchange('PATCH', path, body, { auth: true, ...(etag ? { headers: { 'If-Match': etag } } : {}) });
    if (res.status === 412 || res.status === 428) {
      const fresh = await this.get(path);
      const tag = etagOf(fresh.headers, fresh.body);
      if (!tag) {
        throw new PreconditionError(
          `${this.host}: redfish PATCH ${path}: HTTP ${res.status}: the BMC wants If-Match but serves no ETag for the resource`,
          res.status, 'PATCH', path, errorInfo(res.body).code, undefined,
        );
      }
      res = await this.exchange('PATCH', path, body, { auth: true, headers: { 'If-Match': res.status === 412 ? strongForm(tag) : tag } });
    }
    return this.finish('PATCH', path, res);
  }

  /** Follows a task monitor until it is done, or fails at the deadline. */
  async waitTask(location: string, method = 'POST', actionPath = location, accepted?: RedfishResponse): Promise<RedfishResponse> {
    const monitor = pathOf(location);
    const deadline = this.now() + this.opts.taskDeadlineMs;
    let last: RedfishResponse | undefined = accepted;
    for (;;) {
      const wait = parseRetryAfter(last?.headers['retry-after'], this.now(), this.opts.retryAfterCapMs) ?? this.opts.taskPollMs;
      if (this.now() + wait > deadline) {
        throw new TaskError(`${this.host}: redfish ${method} ${actionPath}: the task at ${monitor} did not finish within ${Math.round(this.opts.taskDeadlineMs / 1000)} s (check the BMC's task list)`);
      }
      await this.sleep(wait, this.signal);
      const res = await this.exchange('GET', monitor, undefined, { auth: true });
      if (res.status >= 400) throw errorFromResponse(this.host, 'GET', monitor, res.status, res.body);
      last = res;
      if (res.status === 202) continue;
      const body = res.body;
      if (isRecord(body) && typeof body.TaskState === 'string') {
        if (TASK_RUNNING.has(body.TaskState)) continue;
        if (TASK_FAILED.has(body.TaskState) || body.TaskStatus === 'Critical') {
          const why = mostSevereMessage(body.Messages) ?? `TaskState ${body.TaskState}`;
          throw new TaskError(`${this.host}: redfish ${method} ${actionPath}: the task failed: ${why.replace(/\s+/g, ' ')}`);
        }
      }
      return res;
    }
  }

  private async finish(method: string, path: string, res: RedfishResponse): Promise<RedfishResponse> {
    if (res.status === 202) {
      const location = res.headers['location'];
      if (!location) throw new TaskError(`${this.host}: redfish ${method} ${path}: HTTP 202 without a Location to follow (the BMC does not say where the task is)`);
      return this.waitTask(location, method, path, res);
    }
    if (res.status >= 400) throw errorFromResponse(this.host, method, path, res.status, res.body);
    return res;
  }

  private async createSession(): Promise<void> {
    const root = await this.serviceRoot();
    const links = isRecord(root.Links) ? root.Links : {};
    const sessionService = linkOf(root.SessionService);
    // The spec fixes the Sessions path; a root that links SessionService but not Sessions is old.
    const sessions = linkOf(links.Sessions) ?? (sessionService ? `${sessionService.replace(/\/$/, '')}/Sessions` : undefined);
    if (!sessions) {
      this.mode = 'basic';
      return;
    }
    const res = await this.exchange('POST', sessions, { UserName: this.endpoint.user, Password: this.endpoint.password }, { auth: false });
    if (res.status === 404 || res.status === 405 || res.status === 501) {
      this.mode = 'basic';
      return;
    }
    if (res.status >= 400) throw errorFromResponse(this.host, 'POST', sessions, res.status, res.body);
    const token = res.headers['x-auth-token'];
    if (!token) throw new RedfishError(`${this.host}: redfish POST ${sessions}: HTTP ${res.status} without X-Auth-Token (the BMC made no usable session)`);
    const location = res.headers['location'] ?? linkOf(res.body);
    this.token = token;
    this.session = location ? pathOf(location) : undefined;
    this.mode = 'session';
  }

  /**
   * After a 401 to a request sent with `usedToken`: one new session for all the requests that
   * failed with the same token. The old token stays in use until the new one exists, so requests
   * leaving the queue meanwhile still carry credentials (they may 401 and wait here too).
   */
  private async relogin(usedToken: string): Promise<void> {
    if (this.loginPromise) return this.loginPromise;
    if (this.token !== usedToken) return;
    return this.startLogin();
  }

  private authHeaders(): Record<string, string> {
    if (this.mode === 'session' && this.token) return { 'X-Auth-Token': this.token };
    if (this.mode === 'basic') {
      return { Authorization: `Basic ${Buffer.from(`${this.endpoint.user}:${this.endpoint.password}`).toString('base64')}` };
    }
    return {};
  }

  private backoff(attempt: number): number {
    return Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
  }

  /** How long to wait before sending again, or undefined to give the answer to the caller. */
  private retryDelay(method: string, path: string, res: TransportResponse, requestBody: unknown, attempt: number): number | undefined {
    const after = parseRetryAfter(res.headers['retry-after'], this.now(), this.opts.retryAfterCapMs);
    if (res.status >= 400) {
      const info = errorInfo(res.body);
      const texts = [info.code, info.message, ...info.messageIds].filter((t): t is string => t !== undefined);
      const row = matchTransient(this.retryRows, { method, path, status: res.status, texts, requestBody });
      if (row) return attempt < row.attempts ? (after ?? row.delayMs) : undefined;
    }
    if (attempt >= this.opts.retries) return undefined;
    // 503/429 mean "not processed, come back"; other 5xx only for reads, which are safe to repeat.
    if (res.status === 503 || res.status === 429) return after ?? this.backoff(attempt);
    if (res.status >= 500 && (method === 'GET' || method === 'HEAD')) return after ?? this.backoff(attempt);
    return undefined;
  }

  /** Sends with retries and one re-login on 401; returns the final answer whatever its status. */
  private async exchange(method: string, path: string, body: unknown, options: ExchangeOptions): Promise<RedfishResponse> {
    let attempt = 0;
    let relogged = false;
    for (;;) {
      if (!options.ignoreAbort) this.signal?.throwIfAborted();
      let res: TransportResponse;
      let usedToken: string | undefined;
      try {
        ({ res, usedToken } = await this.send(method, path, body, options));
      } catch (err) {
        if (!(err instanceof TransportFailure)) throw err;
        // An abort cancels the request: that is the abort, not a BMC that did not answer.
        if (!options.ignoreAbort && this.signal?.aborted) throw this.signal.reason;
        // A read timeout on an action may mean it ran: only reads are sent again then.
        const retryable = DROPPED.has(err.code) || (err.code === 'ETIMEDOUT' && (method === 'GET' || method === 'HEAD'));
        if (retryable && attempt < this.opts.retries) {
          await this.sleep(this.backoff(attempt), options.ignoreAbort ? undefined : this.signal);
          attempt += 1;
          continue;
        }
        const where = `${this.endpoint.address}:${this.endpoint.port}`;
        const hint = TLS_HINT.test(err.code)
          ? `TLS verification failed: set bmc.ca_file to the BMC's CA bundle`
          : `the BMC at ${where} did not answer; check that it is reachable`;
        throw new RedfishConnectionError(`${this.host}: redfish ${method} ${path}: ${err.code} (${hint})`, ExitCode.ERROR, { cause: err });
      }
      if (res.status === 401 && options.auth && usedToken !== undefined && !relogged) {
        relogged = true;
        await this.relogin(usedToken);
        continue;
      }
      const wait = this.retryDelay(method, path, res, body, attempt);
      if (wait !== undefined) {
        await this.sleep(wait, options.ignoreAbort ? undefined : this.signal);
        attempt += 1;
        continue;
      }
      return res;
    }
  }

  /** One request through the per-BMC queue, reported as a transport event (no body, no headers). */
  private async send(method: string, path: string, body: unknown, options: ExchangeOptions): Promise<{ res: TransportResponse; usedToken: string | undefined }> {
    return this.queue.add(async () => {
      // Credentials are taken when the request leaves the queue: a re-login may have happened meanwhile.
      const usedToken = this.token;
      const headers = { ...(options.auth ? this.authHeaders() : {}), ...options.headers };
      const started = this.now();
      const signal = options.ignoreAbort ? undefined : this.signal;
      try {
        const res = await this.transport.request(method, path, { headers, ...(body !== undefined ? { body } : {}), ...(signal ? { signal } : {}) });
        this.emit(method, path, String(res.status), this.now() - started);
        return { res, usedToken };
      } catch (err) {
        this.emit(method, path, err instanceof TransportFailure ? err.code : 'error', this.now() - started);
        throw err;
      }
    });
  }

  private emit(method: string, path: string, detail: string, durationMs: number): void {
    this.onEvent?.({ kind: 'transport', host: this.host, transport: 'redfish', action: `${method} ${path}`, detail, durationMs });
  }
}
