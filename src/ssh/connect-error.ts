// Turns what ssh2 and the socket report on a failed connect into the short phrase an operator
// reads after `host (address:port): `.

export interface ConnectContext {
  connectTimeoutMs: number;
  user: string;
  /** Authentication methods offered, e.g. `key /root/.ssh/id_ed25519`, `agent /run/agent.sock`. */
  tried: string[];
  /** Why a configured method could not even be tried (a passphrase-protected key). */
  skipped: string[];
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'cannot resolve the address',
  EAI_AGAIN: 'cannot resolve the address (DNS not answering)',
  EPIPE: 'connection closed by the server',
};

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
}

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null && name in err ? (err as Record<string, unknown>)[name] : undefined;
}

export function describeConnectError(err: unknown, ctx: ConnectContext): string {
  const code = field(err, 'code');
  const level = field(err, 'level');
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && SOCKET_ERRORS[code]) return SOCKET_ERRORS[code];
  if (level === 'client-timeout') return `timed out after ${formatSeconds(ctx.connectTimeoutMs)}`;
  if (level === 'client-authentication') return describeAuthFailure(ctx);
  if (message === 'Connection lost before handshake') return 'connection closed by the server before the SSH handshake (is an SSH server listening there?)';
  return message.split('\n')[0] ?? message;
}

export function describeAuthFailure(ctx: ConnectContext): string {
  const skipped = ctx.skipped.length ? `; ${ctx.skipped.join('; ')}` : '';
  if (ctx.tried.length === 0) {
    return `no way to authenticate as ${ctx.user}: set ansible_ssh_private_key_file or run an ssh-agent ($SSH_AUTH_SOCK)${skipped}`;
  }
  return `authentication failed for user ${ctx.user} (tried ${ctx.tried.join(', ')})${skipped}`;
}
