// One simulated host's SSH server: its own loopback address and host key, public-key login, exec
// and SFTP sessions over the host's in-memory files, and the host's faults. Kept light: the
// filesystem is made on first login.
//
// Until its BMC first boots it, a host is an always-on live system that lets `core` and `root` in
// with the lab's user key. After each boot (`boot()`), it runs the system that boot brought up:
// that system's host key, its users' authorized keys, a fresh filesystem, or nothing at all.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2, { type AuthContext, type Connection, type ParsedKey, type Session } from 'ssh2';
import { serveExec } from './exec.js';
import type { HostFaults } from './faults.js';
import { HostMachine } from './host-machine.js';
import { bootFs, hostProfile, LAB_USERS, type HostProfile, type LabUser } from './host-profile.js';
import type { MemFs } from './memfs.js';
import { serveSftp } from './sftp.js';
import type { InstallerSettings } from './shell-types.js';

export interface SimHostOptions {
  name: string;
  address: string;
  port: number;
  /** The host's private key, OpenSSH format. */
  hostKey: string;
  userKey: ParsedKey;
  faults: HostFaults;
  /** Architecture, disks and installs (default: a machine made from the name, aarch64). */
  machine?: HostMachine;
  installer?: InstallerSettings;
}

/** The system a host runs: what answers SSH on its address. */
export interface RunningSystem {
  kind: 'live' | 'installed';
  /** Private host key (OpenSSH or PEM). */
  hostKey: string;
  /** Who may log in, with which keys. */
  logins: Map<string, ParsedKey[]>;
  fs: MemFs;
}

/** The user a login is for, or undefined to refuse it. Signatures are checked, not just keys. */
function authenticate(ctx: AuthContext, logins: Map<string, ParsedKey[]>): LabUser | undefined {
  const user = Object.hasOwn(LAB_USERS, ctx.username) ? LAB_USERS[ctx.username] : undefined;
  if (!user || ctx.method !== 'publickey') return undefined;
  const key = (logins.get(ctx.username) ?? []).find((k) => ctx.key.algo === k.type && ctx.key.data.equals(k.getPublicSSH()));
  if (!key) return undefined;
  if (ctx.signature && ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return undefined;
  return user;
}

export class SimHost {
  readonly name: string;
  readonly address: string;
  port: number;
  readonly profile: HostProfile;
  readonly machine: HostMachine;
  /** Whether a connection may come in now (a BMC-driven host is down while off or booting). */
  gate: () => boolean = () => true;
  private system: RunningSystem | undefined;
  private fsCache: MemFs | undefined;
  private ssh: ssh2.Server;
  private readonly tcp: NetServer;
  /** Open client sockets by "ip:port", so a fault can cut one and close() can end them all. */
  private readonly sockets = new Map<string, Socket>();

  constructor(private readonly opts: SimHostOptions) {
    this.name = opts.name;
    this.address = opts.address;
    this.port = opts.port;
    this.machine = opts.machine ?? new HostMachine(opts.name, 'aarch64');
    this.profile = hostProfile(opts.name, this.machine.arch);
    this.ssh = this.sshServer(opts.hostKey);
    this.tcp = createServer((socket) => this.onSocket(socket));
  }

  get fs(): MemFs {
    return this.system?.fs ?? (this.fsCache ??= bootFs(this.profile));
  }

  private sshServer(hostKey: string): ssh2.Server {
    return new ssh2.Server({ hostKeys: [hostKey], ident: 'fleetboot-lab' }, (client, info) => this.onClient(client, `${info.ip}:${info.port}`));
  }

  private logins(): Map<string, ParsedKey[]> {
    return this.system?.logins ?? new Map(Object.keys(LAB_USERS).map((u) => [u, [this.opts.userKey]]));
  }

  /**
   * The host (re)boots into `system`, or into nothing (`null`: no bootable OS, a failed boot).
   * Every open connection ends; the address answers again only once a system runs.
   */
  async boot(system: RunningSystem | null): Promise<void> {
    for (const s of this.sockets.values()) s.destroy();
    this.system = system ?? undefined;
    this.machine.boot = system ? system.kind : 'off';
    if (!system) {
      await new Promise<void>((resolve) => (this.tcp.listening ? this.tcp.close(() => resolve()) : resolve()));
      return;
    }
    this.ssh = this.sshServer(system.hostKey);
    if (!this.tcp.listening) await this.listen(this.port);
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
    if (this.opts.faults.refuse || !this.gate()) {
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
    const logins = this.logins();
    client.on('error', () => undefined);
    client.on('authentication', (ctx: AuthContext) => {
      const who = authenticate(ctx, logins);
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
    const fs = this.fs;
    session.on('pty', ok);
    session.on('env', ok);
    session.on('window-change', ok);
    session.on('signal', ok);
    // Interactive shells are refused: the lab hosts take commands, not terminals.
    session.on('shell', (_accept: unknown, reject?: () => void) => reject?.());
    session.on('exec', (accept: () => ssh2.ServerChannel, _reject: unknown, info: ssh2.ExecInfo) => {
      const host = {
        profile: this.profile,
        fs,
        user,
        machine: this.machine,
        faults: this.opts.faults,
        ...(this.opts.installer ? { installer: this.opts.installer } : {}),
      };
      serveExec(accept(), info.command, host, this.opts.faults, () => this.drop(key));
    });
    session.on('sftp', (accept: () => ssh2.SFTPWrapper) => serveSftp(accept(), fs, user));
  }

  /** Ends a client's TCP connection once what was written to it has gone out. */
  private drop(key: string): void {
    const socket = this.sockets.get(key);
    socket?.end(() => socket.destroy());
  }
}
