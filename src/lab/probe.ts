// Whether an SSH server answers on an address and port: it sends its "SSH-2.0-" banner.

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
