import assert from 'node:assert/strict';
import { describeConnectError, type ConnectContext } from '../../src/ssh/connect-error.js';

const ctx: ConnectContext = { connectTimeoutMs: 10_000, user: 'core', tried: ['key /k/id'], skipped: [] };
const withProps = (message: string, props: Record<string, unknown>): Error => Object.assign(new Error(message), props);

describe('connect error messages', () => {
  it('names socket failures plainly', () => {
    assert.equal(describeConnectError(withProps('connect ECONNREFUSED 127.0.0.1:22', { code: 'ECONNREFUSED' }), ctx), 'connection refused');
  });
  it('gives the timeout', () => {
    const err = withProps('Timed out while waiting for handshake', { level: 'client-timeout' });
    assert.equal(describeConnectError(err, ctx), 'timed out after 10s');
    assert.equal(describeConnectError(err, { ...ctx, connectTimeoutMs: 300 }), 'timed out after 0.3s');
  });
  it('names the user and what was tried when authentication fails', () => {
    const err = withProps('All configured authentication methods failed', { level: 'client-authentication' });
    assert.equal(
      describeConnectError(err, { ...ctx, tried: ['agent /a.sock'], skipped: ['private key /k/id is passphrase-protected: load it into ssh-agent'] }),
      'authentication failed for user core (tried agent /a.sock); private key /k/id is passphrase-protected: load it into ssh-agent',
    );
  });
});
