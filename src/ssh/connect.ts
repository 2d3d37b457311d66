// Opening an SSH connection to a target: authentication as OpenSSH tries it (the key file,
// then the agent), the host key checked by the policy before anything else is sent, and
// every failure turned into one SshUnreachableError line.

import ssh2, { type AnyAuthMethod, type ServerHostKeyAlgorithm, type VerifyCallback } from 'ssh2';
import { describeAuthFailure, describeConnectError, type ConnectContext } from './connect-error.js';
import { SshClientConnection } from './connection.js';
import { SshHostKeyError, unreachable } from './errors.js';
import { fingerprintSha256, keyTypeLabel, parsePinnedKey, preferredHostKeyAlgorithms, type PresentedKey } from './host-key-policy.js';
import { readKnownHostsFile } from './known-hosts-file.js';
import { hostString, knownKeyTypes } from './known-hosts.js';
import { loadPrivateKey } from './private-keys.js';
import type { SshTarget } from './types.js';
import { decidePresentedKey, recordNewHostKey } from './verify-host-key.js';

export interface ConnectOptions {
  /** Gives up connecting (rejecting with the signal's reason). */
  signal?: AbortSignal;
}

interface AuthPlan {
  methods: AnyAuthMethod[];
  context: ConnectContext;
}

async function planAuth(target: SshTarget): Promise<AuthPlan> {
  const methods: AnyAuthMethod[] = [];
  const context: ConnectContext = { connectTimeoutMs: target.connectTimeoutMs, user: target.user, tried: [], skipped: [] };
  if (target.privateKeyFile !== undefined) {
    const loaded = await loadPrivateKey(target.privateKeyFile);
    if (loaded.ok) {
      methods.push({ type: 'publickey', username: target.user, key: loaded.key });
      context.tried.push(`key ${target.privateKeyFile}`);
    } else {
      context.skipped.push(loaded.reason);
    }
  }
  // After the key, as OpenSSH falls back; an empty `agent` turns the agent off.
  const agent = target.agent ?? process.env.SSH_AUTH_SOCK;
  if (agent) {
    methods.push({ type: 'agent', username: target.user, agent });
    context.tried.push(`agent ${agent}`);
  }
  return { methods, context };
}

async function hostKeyAlgorithms(target: SshTarget): Promise<string[]> {
  const pinned = target.pinnedHostKey === undefined ? undefined : parsePinnedKey(target.pinnedHostKey);
  if (pinned) return preferredHostKeyAlgorithms([pinned.keyType]);
  // Unreadable here means unreadable in the verifier too, which reports it.
  const entries = await readKnownHostsFile(target.knownHostsFile).catch(() => []);
  return preferredHostKeyAlgorithms(knownKeyTypes(entries, hostString(target.address, target.port)));
}

export async function connectSsh(target: SshTarget, options: ConnectOptions = {}): Promise<SshClientConnection> {
  const { signal } = options;
  signal?.throwIfAborted();
  const auth = await planAuth(target);
  if (auth.methods.length === 0) {
    throw unreachable(target, auth.context.skipped.join('; ') || describeAuthFailure(auth.context));
  }
  const serverHostKey = await hostKeyAlgorithms(target);
  signal?.throwIfAborted();

  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    let settled = false;
    let refusal: string | undefined;
    let newKey: PresentedKey | undefined;
    let recording: Promise<string | undefined> | undefined;

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      return true;
    };
    const fail = (what: string, cause?: unknown): void => {
      if (!settle()) return;
      client.on('error', () => undefined); // late socket errors of a connection we gave up
      client.destroy();
      reject(refusal !== undefined && what === refusal ? new SshHostKeyError(target, what, cause === undefined ? undefined : { cause }) : unreachable(target, what, cause));
    };
    function onError(err: Error): void {
      fail(refusal ?? describeConnectError(err, auth.context), err);
    }
    function onClose(): void {
      fail(refusal ?? 'connection closed by the server while connecting');
    }
    function onAbort(): void {
      if (!settle()) return;
      client.on('error', () => undefined);
      client.destroy();
      reject(signal?.reason);
    }

    const hostVerifier = (blob: Buffer, verify: VerifyCallback): void => {
      void decidePresentedKey(target, blob)
        .then((decision) => {
          if (!decision.accept) refusal = decision.message;
          else if (decision.reason === 'new') newKey = decision.key;
          // The decision reads known_hosts: the connection may have closed or been given up
          // meanwhile, and ssh2 throws when told the verdict about a connection already gone.
          if (settled) return;
          try {
            verify(decision.accept);
          } catch (err) {
            fail(refusal ?? 'connection closed by the server while its host key was checked', err);
          }
        })
        .catch((err: unknown) => fail(`cannot check the host key: ${err instanceof Error ? err.message : String(err)}`, err));
    };

    client.on('error', onError);
    client.on('close', onClose);
    // Recorded once the key exchange is complete, so the server has proven it holds the key.
    client.once('handshake', () => {
      if (newKey) recording = recordNewHostKey(target, newKey);
    });
    client.once('ready', () => {
      // Commands are small request/response exchanges: Nagle's algorithm only delays them.
      client.setNoDelay(true);
      void (async () => {
        let note: string | undefined;
        if (recording && newKey) {
          const problem = await recording.catch((err: unknown) => {
            const what = err instanceof Error ? err.message : String(err);
            return `cannot record the host key in ${target.knownHostsFile}: ${what}`;
          });
          if (problem) return fail(problem);
          note = `added ${keyTypeLabel(newKey.keyType)} key ${fingerprintSha256(newKey.keyBase64)} for ${hostString(target.address, target.port)} to ${target.knownHostsFile} (accept-new)`;
        }
        if (!settle()) return;
        resolve(new SshClientConnection(target, client, note));
      })();
    });
    signal?.addEventListener('abort', onAbort, { once: true });

    client.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      authHandler: auth.methods,
      hostVerifier,
      algorithms: { serverHostKey: serverHostKey as ServerHostKeyAlgorithm[] },
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: target.keepaliveIntervalMs,
    });
  });
}
