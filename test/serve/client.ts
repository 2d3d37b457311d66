// A small HTTP(S) client for the serve tests: whole responses as buffers, multipart bodies split.

import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { connect } from 'node:net';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function get(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; ca?: string; agent?: HttpAgent | HttpsAgent } = {},
): Promise<Reply> {
  const u = new URL(url);
  const req = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.agent ? { agent: opts.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end();
  });
}

/** Sends `target` byte for byte (no URL normalising) and returns the status line and the rest. */
export function rawGet(host: string, port: number, target: string): Promise<{ statusLine: string; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host, () => s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ statusLine: text.slice(0, text.indexOf('\r\n')), text });
    });
    s.on('error', reject);
  });
}

export interface Part {
  contentType: string;
  start: number;
  end: number;
  size: number;
  body: Buffer;
}

/** Splits a multipart/byteranges body, checking its framing on the way. */
export function parseMultipart(contentType: string, body: Buffer): Part[] {
  const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(contentType);
  if (!m) throw new Error(`not multipart/byteranges: ${contentType}`);
  const boundary = m[1]!;
  const parts: Part[] = [];
  let pos = 0;
  for (;;) {
    const delim = `\r\n--${boundary}`;
    if (body.toString('latin1', pos, pos + delim.length) !== delim) throw new Error(`no delimiter at ${pos}`);
    pos += delim.length;
    if (body.toString('latin1', pos, pos + 4) === '--\r\n') {
      if (pos + 4 !== body.length) throw new Error('bytes after the closing delimiter');
      return parts;
    }
    const headEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    const head = body.toString('latin1', pos + 2, headEnd).split('\r\n');
    const field = (name: string) => head.find((h) => h.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? '';
    const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(field('content-range'));
    if (!cr) throw new Error(`bad part Content-Range: ${field('content-range')}`);
    const [start, end, size] = [Number(cr[1]), Number(cr[2]), Number(cr[3])];
    pos = headEnd + 4;
    parts.push({ contentType: field('content-type'), start, end, size, body: body.subarray(pos, pos + end - start + 1) });
    pos += end - start + 1;
  }
}
