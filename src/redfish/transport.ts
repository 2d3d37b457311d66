// The wire under the Redfish client: one small interface (gofish's Client, sushy's connector),
// and its axios implementation. Policies (auth, retries, one-in-flight) live in the client.

import { createSecureContext, type SecureContext } from 'node:tls';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import type { BmcEndpoint } from './types.js';

export interface TransportRequest {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON when the answer is JSON, the text otherwise, undefined when empty. */
  body: unknown;
}

export interface RedfishTransport {
  request(method: string, path: string, req?: TransportRequest): Promise<TransportResponse>;
  /** Frees the keep-alive sockets. */
  close(): void;
}

export interface AxiosTransportOptions {
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Plain HTTP: only for the read-only DMTF mockup in tests; BMCs are always HTTPS. */
  scheme?: 'https' | 'http';
}

/** The headers every Redfish request carries (spec: OData-Version; JSON only). */
export const BASE_HEADERS: Readonly<Record<string, string>> = { 'OData-Version': '4.0', Accept: 'application/json' };

/** A failure with no HTTP answer; `code` is Node's (ECONNRESET, ECONNREFUSED, ETIMEDOUT...). */
export class TransportFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'TransportFailure';
  }
}

// Destroys a socket that has not connected (TLS included) within `ms`; axios' own timeout
// covers the whole answer, which is the read timeout.
function guardConnect(socket: Duplex | null | undefined, ms: number, secure: boolean): void {
  if (!socket) return;
  const timer = setTimeout(() => {
    const err = Object.assign(new Error(`connect timed out after ${ms} ms`), { code: 'ETIMEDOUT' });
    socket.destroy(err);
  }, ms);
  timer.unref();
  socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
}

class HttpsConnectAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly connectTimeoutMs: number,
  ) {
    super(options);
  }
  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    guardConnect(socket, this.connectTimeoutMs, true);
    return socket;
  }
}

class HttpConnectAgent extends http.Agent {
  constructor(
    options: http.AgentOptions,
    private readonly connectTimeoutMs: number,
  ) {
    super(options);
  }
  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    guardConnect(socket, this.connectTimeoutMs, false);
    return socket;
  }
}

function parseBody(text: string, contentType: string): unknown {
  if (text === '') return undefined;
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code === 'ECONNABORTED' ? 'ETIMEDOUT' : code;
    const msg = (err as { message?: unknown }).message;
    if (typeof msg === 'string' && /socket hang up/i.test(msg)) return 'ECONNRESET';
  }
  return 'EUNKNOWN';
}

/** One TLS context per CA bundle: building one per BMC costs ~1 ms of CPU and memory each at 1,000 BMCs. */
const secureContexts = new Map<string, SecureContext>();

function secureContextFor(ca: string): SecureContext {
  let ctx = secureContexts.get(ca);
  if (!ctx) {
    ctx = createSecureContext({ ca });
    secureContexts.set(ca, ctx);
  }
  return ctx;
}

export function createAxiosTransport(endpoint: BmcEndpoint, options: AxiosTransportOptions = {}): RedfishTransport {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const readTimeoutMs = options.readTimeoutMs ?? 60_000;
  const scheme = options.scheme ?? 'https';
  // One keep-alive socket per BMC: the client sends one request at a time anyway.
  const agentOptions = { keepAlive: true, maxSockets: 1 };
  const agent =
    scheme === 'https'
      ? new HttpsConnectAgent({ ...agentOptions, ...(endpoint.ca ? { secureContext: secureContextFor(endpoint.ca) } : {}), rejectUnauthorized: !endpoint.insecure }, connectTimeoutMs)
      : new HttpConnectAgent(agentOptions, connectTimeoutMs);
  const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
  const client: AxiosInstance = axios.create({
    baseURL: `${scheme}://${host}:${endpoint.port}`,
    ...(scheme === 'https' ? { httpsAgent: agent } : { httpAgent: agent }),
    timeout: readTimeoutMs,
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: (data: unknown) => data,
    maxRedirects: 0,
    // The environment's HTTP proxy must not see BMC traffic or credentials.
    proxy: false,
  });

  return {
    async request(method, path, req = {}) {
      const headers: Record<string, string> = { ...BASE_HEADERS, ...req.headers };
      let data: string | undefined;
      if (req.body !== undefined) {
        data = JSON.stringify(req.body);
        headers['Content-Type'] = 'application/json';
      }
      try {
        const res = await client.request<string>({ method, url: path, headers, data, ...(req.signal ? { signal: req.signal } : {}) });
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (typeof v === 'string') out[k.toLowerCase()] = v;
          else if (Array.isArray(v)) out[k.toLowerCase()] = v.join(', ');
          else if (typeof v === 'number') out[k.toLowerCase()] = String(v);
        }
        const text = typeof res.data === 'string' ? res.data : '';
        return { status: res.status, headers: out, body: parseBody(text, out['content-type'] ?? '') };
      } catch (err) {
        const code = errorCode(err);
        // Never the axios error's text as is: its config holds the Authorization header.
        throw new TransportFailure(`${method} ${path}: ${code}`, code);
      }
    },
    close() {
      agent.destroy();
    },
  };
}
