// Errors of the SSH transport beyond the contract's SshUnreachableError. Every message starts
// with `host (address:port): ` so it stands on its own in a log line or a recap.

import { SshUnreachableError, type SshTarget } from './types.js';

export function targetLabel(target: Pick<SshTarget, 'host' | 'address' | 'port'>): string {
  return `${target.host} (${target.address}:${target.port})`;
}

export function unreachable(target: SshTarget, what: string, cause?: unknown): SshUnreachableError {
  return new SshUnreachableError(target.host, `${targetLabel(target)}: ${what}`, cause === undefined ? undefined : { cause });
}

/**
 * The connection went away under a running command or file transfer. It is an
 * SshUnreachableError (Ansible calls this host unreachable too); `instanceof` tells it apart
 * from a failure to connect in the first place.
 */
export class SshConnectionLostError extends SshUnreachableError {
  constructor(target: SshTarget, what: string, options?: { cause?: unknown }) {
    super(target.host, `${targetLabel(target)}: ${what}`, options);
    this.name = 'SshConnectionLostError';
  }
}

/**
 * The server's host key was refused (unknown under the strict policy, changed, or revoked).
 * Waiting does not fix it: an operator must look at the key, so callers that retry stop here.
 */
export class SshHostKeyError extends SshUnreachableError {
  constructor(target: SshTarget, what: string, options?: { cause?: unknown }) {
    super(target.host, `${targetLabel(target)}: ${what}`, options);
    this.name = 'SshHostKeyError';
  }
}
