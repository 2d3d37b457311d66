// The SSH transport's public face: what the engine and modules import.

export { connectSsh, type ConnectOptions } from './connect.js';
export { MAX_EXEC_CHANNELS, SshClientConnection, type ClosedInfo } from './connection.js';
export { SshConnectionLostError, SshHostKeyError } from './errors.js';
export { decideHostKey, fingerprintSha256, type HostKeyDecision } from './host-key-policy.js';
export { checkHostKey, hostString, parseKnownHosts, type HostKeyStatus, type KnownHostEntry } from './known-hosts.js';
export { SshConnectionPool, type SshPoolOptions, type SshTransportEvent } from './pool.js';
export { SSH_TARGET_VARIABLES, SshTargetError, sshTargetFromVars } from './target.js';
export * from './types.js';
