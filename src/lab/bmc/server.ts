// The HTTPS listener of one simulated BMC, on the BMC's own loopback address: reads a request,
// hands it to the BmcService, writes the answer. Counts requests in flight from arrival to the
// end of the answer, so the lab can tell whether a client ever sent two at once.

import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody } from './errors.js';
import type { BmcService } from './service.js';

/** Largest request body accepted: Redfish requests are small JSON documents. */
const MAX_BODY = 1 << 20;

export class BmcServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    readonly address: string,
    readonly service: BmcService,
    tls: { key: string; cert: string },
  ) {
    this.server = createServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, (req, res) => {
      // The lab's own stats endpoint is not Redfish traffic: it must not count as overlap.
      let ended = (req.url ?? '').startsWith('/lab/');
      if (!ended) service.begin();
      const end = (): void => {
        if (!ended) {
          ended = true;
          service.end();
        }
      };
      res.on('finish', end);
      res.on('close', end);
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      req.on('end', () => {
        if (size > MAX_BODY) {
          const message = `The request body is larger than ${MAX_BODY} bytes.`;
          res.writeHead(413, { 'OData-Version': '4.0', 'Content-Type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(errorBody('Base.1.16.GeneralError', message)));
          return;
        }
        service
          .handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) })
          .then((out) => {
            res.writeHead(out.status, { ...out.headers, 'Content-Length': String(Buffer.byteLength(out.body)) });
            res.end(out.body);
            // The answer is complete once written: 'finish' may fire only after the client's next
            // request on this kept-open connection arrived, which would read as overlap.
            end();
          })
          .catch((err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            const body = JSON.stringify(errorBody('Base.1.16.InternalError', message));
            res.writeHead(500, { 'OData-Version': '4.0', 'Content-Type': 'application/json; charset=utf-8' });
            res.end(body);
            end();
          });
      });
    });
    // Clients may hold connections open; close() must not wait for them.
    this.server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('tlsClientError', () => undefined);
    // Node's parser refuses unknown methods before the handler: DSP0266 wants 405 or 501 for them.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (!socket.writable) return;
      if (err.code === 'HPE_INVALID_METHOD') {
        const body = JSON.stringify(errorBody('Base.1.16.OperationNotAllowed', 'The HTTP method is not supported by this service.'));
        socket.end(
          `HTTP/1.1 501 Not Implemented\r\nOData-Version: 4.0\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, this.address, () => {
        this.server.off('error', onError);
        const a = this.server.address();
        this.port = typeof a === 'object' && a ? a.port : port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.service.stop();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
  }
}
