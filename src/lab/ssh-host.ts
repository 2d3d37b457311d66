// One simulated host's SSH server: its own loopback address and host key, public-key login
// for `core` and `root` with the lab's user key, exec and SFTP sessions over the host's
// in-memory files, and the host's faults. Kept light: the filesystem is made on first login.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2, { type AuthContext, type Connection, type ParsedKey, type Session } from 'ssh2';
import { serveExec } from './exec.js';
import type { HostFaults } from './faults.js';
import { bootFs, hostProfile, LAB_USERS, type HostProfile, type LabUser } from './host-profile.js';
import type { MemFs } from './memfs.js';
import { serveSftp } from './sftp.js';

export interface SimHostOptions {
  name: string;
  address: string;
  port: number;
  /** The host's private key, OpenSSH format. */
  hostKey: string;
  userKey: ParsedKey;
  faults: HostFaults;
}

/** The user a login is for, or undefined to refuse it. Signatures are checked, not just keys. */
function authenticate(ctx: AuthContext, userKey: ParsedKey): LabUser | undefined {
  const user = Object.hasOwn(LAB_USERS, ctx.username) ? LAB_USERS[ctx.username] : undefined;
  if (!user || ctx.method !== 'publickey') return undefined;
  if (ctx.key.algo !== userKey.type || !ctx.key.data.equals(userKey.getPublicSSH())) return undefined;
  if (ctx.signature && ctx.blob && userKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return undefined;
  return user;
}

export class SimHost {
  readonly name: string;
  readonly address: string;
  port: number;
  readonly profile: HostProfile;
  private fsCache: MemFs | undefined;
  private readonly ssh: ssh2.Server;
  private readonly tcp: NetServer;
  /** Open client sockets by "ip:port", so a fault can cut one and close() can end them all. */
  private readonly sockets = new Map<string, Socket>();

  constructor(private readonly opts: SimHostOptions) {
    this.name = opts.name;
    this.address = opts.address;
    this.port = opts.port;
    this.profile = hostProfile(opts.name);
    this.ssh = new ssh2.Server({ hostKeys: [opts.hostKey], ident: 'fleetboot-lab' }, (client, info) =>
      this.onClient(client, `${info.ip}:${info.port}`),
    );
    this.tcp = createServer((socket) => this.onSocket(socket));
  }

  get fs(): MemFs {
    return (this.fsCache ??= bootFs(this.profile));
  }

  listen(port = this.port): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.tcp.once('error', onError);
      this.tcp.listen({ host: this.address, port, exclusive: true }, () => {
        this.tcp.off('error', onError);
        const addr = this.tcp.address();
        if (addr && typeof addr === 'object') this.port = addr.port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets.values()) s.destroy();
    return new Promise((resolve) => (this.tcp.listening ? this.tcp.close(() => resolve()) : resolve()));
  }

  private onSocket(socket: Socket): void {
    if (this.opts.faults.refuse) {
      socket.destroy();
      return;
    }
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    this.sockets.set(key, socket);
    socket.once('close', () => this.sockets.delete(key));
    socket.on('error', () => undefined); // a client going away is its own business
    socket.setNoDelay(true); // as sshd does: small packets (exit status, EOF) go out at once
    this.ssh.injectSocket(socket);
  }

  private onClient(client: Connection, key: string): void {
    let user: LabUser | undefined;
    client.on('error', () => undefined);
    client.on('authentication', (ctx: AuthContext) => {
      const who = authenticate(ctx, this.opts.userKey);
      if (!who) return ctx.reject(['publickey']);
      user = who;
      ctx.accept();
    });
    client.on('session', (accept: () => Session) => {
      if (user) this.onSession(accept(), user, key);
    });
  }

  private onSession(session: Session, user: LabUser, key: string): void {
    const ok = (accept?: () => void): void => accept?.();
    session.on('pty', ok);
    session.on('env', ok);
    session.on('window-change', ok);
    session.on('signal', ok);
    // Interactive shells are refused: the lab hosts take commands, not terminals.
    session.on('shell', (_accept: unknown, reject?: () => void) => reject?.());
    session.on('exec', (accept: () => ssh2.ServerChannel, _reject: unknown, info: ssh2.ExecInfo) => {
      const host = { profile: this.profile, fs: this.fs, user };
      serveExec(accept(), info.command, host, this.opts.faults, () => this.drop(key));
    });
    session.on('sftp', (accept: () => ssh2.SFTPWrapper) => serveSftp(accept(), this.fs, user));
  }

  /** Ends a client's TCP connection once what was written to it has gone out. */
  private drop(key: string): void {
    const socket = this.sockets.get(key);
    socket?.end(() => socket.destroy());
  }
}
