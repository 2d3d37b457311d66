// A recording transport (gofish testclient style): every request is kept as sent, answers come
// from a handler, and overlapping requests are counted.

import type { RedfishTransport, TransportRequest, TransportResponse } from '../../src/redfish/transport.js';
import { TransportFailure } from '../../src/redfish/transport.js';

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** The request's abort signal, for handlers that hang until aborted as a real socket would. */
  signal?: AbortSignal;
}

export type Answer = TransportResponse | TransportFailure;
export type Handler = (req: Recorded, index: number) => Answer | Promise<Answer>;

export function answer(status: number, body?: unknown, headers: Record<string, string> = {}): TransportResponse {
  return { status, headers, body };
}

export function dropped(code = 'ECONNRESET'): TransportFailure {
  return new TransportFailure(`dropped: ${code}`, code);
}

export class FakeTransport implements RedfishTransport {
  readonly requests: Recorded[] = [];
  inFlight = 0;
  maxInFlight = 0;
  closed = false;

  constructor(private readonly handler: Handler) {}

  async request(method: string, path: string, req: TransportRequest = {}): Promise<TransportResponse> {
    const rec: Recorded = { method, path, headers: { ...req.headers }, body: req.body, ...(req.signal ? { signal: req.signal } : {}) };
    const index = this.requests.push(rec) - 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Yield a few turns so that a second request, if the client allowed one, would overlap.
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      const a = await this.handler(rec, index);
      if (a instanceof TransportFailure) throw a;
      return a;
    } finally {
      this.inFlight -= 1;
    }
  }

  close(): void {
    this.closed = true;
  }

  /** `METHOD path` of each request, for exact-sequence assertions. */
  lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }
}

/** Answers by `METHOD path`: each key holds a list consumed in order (the last one repeats). */
export function routes(table: Record<string, Answer[]>): Handler {
  const used = new Map<string, number>();
  return (req) => {
    const key = `${req.method} ${req.path}`;
    const list = table[key];
    if (!list || list.length === 0) return answer(404, { error: { code: 'Base.1.0.ResourceMissingAtURI', message: `no route ${key}` } });
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    return list[Math.min(n, list.length - 1)] as Answer;
  };
}

export const ROOT = {
  '@odata.id': '/redfish/v1/',
  Systems: { '@odata.id': '/redfish/v1/Systems' },
  Managers: { '@odata.id': '/redfish/v1/Managers' },
  SessionService: { '@odata.id': '/redfish/v1/SessionService' },
  Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
};

export const SESSION_CREATED = answer(201, { '@odata.id': '/redfish/v1/SessionService/Sessions/7', Id: '7' }, {
  'x-auth-token': 'tok-secret-1',
  location: '/redfish/v1/SessionService/Sessions/7',
});

/** A clock that moves only when the client sleeps. */
export class FakeClock {
  nowMs = Date.parse('2026-11-25T12:00:00Z');
  readonly sleeps: number[] = [];
  readonly now = (): number => this.nowMs;
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.nowMs += ms;
  };
}
