// Whether an SSH server answers on an address and port: it sends its "SSH-2.0-" banner.

import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

export function probeSsh(address: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let seen = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('SSH-2.0-')) done(true);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/** Whether a BMC answers GET /redfish/v1/ with 200 over HTTPS verified against the lab CA. */
export function probeBmc(address: string, port: number, ca: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest({ host: address, port, path: '/redfish/v1/', method: 'GET', ca, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
