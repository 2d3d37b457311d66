// How a lab host downloads over HTTP(S): from its own process, to loopback addresses only (the lab
// never sends traffic elsewhere). Failures come back as reqwest would describe them, so the
// installer can print coreos-installer's error chain.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

export type FetchResult =
  | { ok: true; body: Buffer; status: number }
  /** `chain`: reqwest's error and its causes, outermost first. `retry`: a status curl would retry. */
  | { ok: false; chain: string[]; retry: boolean };

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 410: 'Gone',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
// coreos-installer's http_get retries these, as `curl --retry` does.
const RETRY = new Set([408, 429, 500, 502, 503, 504]);

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** GET `url` (http or https, loopback only); `ca` is trusted for HTTPS besides the usual roots. */
export function loopbackGet(url: URL, opts: { ca?: string; signal?: AbortSignal } = {}): Promise<FetchResult> {
  const sending = `error sending request for url (${url.href})`;
  if (!isLoopbackHost(url.hostname)) {
    return Promise.resolve({ ok: false, retry: false, chain: [sending, `the lab reaches loopback addresses only; nothing was sent to ${url.hostname}`] });
  }
  return new Promise((resolve) => {
    const onResponse = (res: IncomingMessage): void => {
      const status = res.statusCode ?? 0;
      const reason = REASONS[status] ?? res.statusMessage ?? '';
      if (RETRY.has(status)) {
        res.resume();
        return resolve({ ok: false, retry: true, chain: [`HTTP ${status} ${reason}`] });
      }
      if (status >= 400) {
        res.resume();
        const kind = status >= 500 ? 'server' : 'client';
        return resolve({ ok: false, retry: false, chain: [`HTTP status ${kind} error (${status} ${reason}) for url (${url.href})`] });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ok: true, status, body: Buffer.concat(chunks) }));
      res.on('error', (err) => resolve({ ok: false, retry: true, chain: [`error decoding response body`, err.message] }));
    };
    const common = { method: 'GET', agent: false as const, ...(opts.signal ? { signal: opts.signal } : {}), headers: { 'user-agent': 'coreos-installer' } };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...common, ca: opts.ca ? [...rootCertificates, opts.ca] : [...rootCertificates] }, onResponse)
        : httpRequest(url, common, onResponse);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      const cause =
        code === 'ECONNREFUSED' ? 'tcp connect error: Connection refused (os error 111)'
        : code === 'ECONNRESET' ? 'connection closed before message completed'
        : /CERT|VERIFY|SELF_SIGNED|ISSUER/.test(code) ? 'invalid peer certificate: UnknownIssuer'
        : err.message;
      resolve({ ok: false, retry: true, chain: [sending, cause] });
    });
    req.end();
  });
}
