import assert from 'node:assert/strict';
import type { ClosedInfo } from '../../src/ssh/connection.js';
import { SshConnectionPool, type PoolableConnection, type SshTransportEvent } from '../../src/ssh/pool.js';
import { SshUnreachableError, type ExecResult, type SshTarget } from '../../src/ssh/types.js';

class FakeConnection implements PoolableConnection {
  isOpen = true;
  closes = 0;
  private listeners: ((info: ClosedInfo) => void)[] = [];
  constructor(readonly target: SshTarget) {}
  onClose(listener: (info: ClosedInfo) => void): void {
    this.listeners.push(listener);
  }
  /** The server went away. */
  lose(): void {
    this.isOpen = false;
    for (const l of this.listeners) l({ expected: false, reason: 'connection lost: reset' });
  }
  async exec(): Promise<ExecResult> {
    return { rc: 0, stdout: '', stderr: '' };
  }
  async exists(): Promise<boolean> {
    return false;
  }
  async stat(): Promise<null> {
    return null;
  }
  async readFile(): Promise<Buffer | null> {
    return null;
  }
  async writeFile(): Promise<void> {}
  async close(): Promise<void> {
    this.closes++;
    if (this.isOpen) {
      this.isOpen = false;
      for (const l of this.listeners) l({ expected: true, reason: 'closed by fleetboot' });
    }
  }
}

const target = (overrides: Partial<SshTarget> = {}): SshTarget => ({
  host: 'node-001',
  address: '127.30.0.1',
  port: 22,
  user: 'core',
  knownHostsFile: '/k',
  hostKeyPolicy: 'strict',
  connectTimeoutMs: 1000,
  keepaliveIntervalMs: 0,
  ...overrides,
});

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SSH pool', () => {
  it('shares one connect between concurrent callers and reports it', async () => {
    const events: SshTransportEvent[] = [];
    const pending = deferred<FakeConnection>();
    let connects = 0;
    const pool = new SshConnectionPool({
      onEvent: (e) => events.push(e),
      connect: () => {
        connects++;
        return pending.promise;
      },
    });
    const gets = [pool.get(target()), pool.get(target()), pool.get(target())];
    pending.resolve(new FakeConnection(target()));
    const conns = await Promise.all(gets);
    assert.equal(connects, 1);
    assert.ok(conns.every((c) => c === conns[0]));
    assert.equal(await pool.get(target()), conns[0]);
    assert.deepEqual(
      events.map((e) => [e.host, e.transport, e.action]),
      [
        ['node-001', 'ssh', 'connect'],
        ['node-001', 'ssh', 'connected'],
      ],
    );
  });

  it('forgets a lost connection so the next get reconnects', async () => {
    const made: FakeConnection[] = [];
    const events: SshTransportEvent[] = [];
    const pool = new SshConnectionPool({
      onEvent: (e) => events.push(e),
      connect: async (t) => {
        made.push(new FakeConnection(t));
        return made[made.length - 1] as FakeConnection;
      },
    });
    const first = await pool.get(target());
    made[0]?.lose();
    const second = await pool.get(target());
    assert.notEqual(second, first);
    assert.equal(made.length, 2);
    assert.ok(events.some((e) => e.action === 'closed' && e.detail === 'connection lost: reset'));
  });

  it('reconnects when the target changed, closing the old connection', async () => {
    const made: FakeConnection[] = [];
    const pool = new SshConnectionPool({
      connect: async (t) => {
        made.push(new FakeConnection(t));
        return made[made.length - 1] as FakeConnection;
      },
    });
    await pool.get(target());
    const moved = await pool.get(target({ port: 2222 }));
    assert.equal(moved.target.port, 2222);
    assert.equal(made[0]?.closes, 1);
  });

  it('wraps connect failures as SshUnreachableError, reports them, and tries again next time', async () => {
    const events: SshTransportEvent[] = [];
    let attempts = 0;
    const pool = new SshConnectionPool({
      onEvent: (e) => events.push(e),
      connect: async (t) => {
        attempts++;
        if (attempts === 1) throw new Error('something odd');
        return new FakeConnection(t);
      },
    });
    await assert.rejects(pool.get(target()), (e: unknown) => e instanceof SshUnreachableError && e.message === 'node-001 (127.30.0.1:22): something odd');
    assert.equal(events[1]?.action, 'error');
    await pool.get(target());
    assert.equal(attempts, 2);
  });

  it('lets a caller stop waiting without failing the shared connect', async () => {
    const pending = deferred<FakeConnection>();
    const pool = new SshConnectionPool({ connect: () => pending.promise });
    const controller = new AbortController();
    const impatient = pool.get(target(), controller.signal);
    const patient = pool.get(target());
    controller.abort();
    await assert.rejects(impatient, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    const conn = new FakeConnection(target());
    pending.resolve(conn);
    assert.equal(await patient, conn);
  });

  it('closes connections that finish connecting after a drop, and all on closeAll', async () => {
    const pending = deferred<FakeConnection>();
    const made: FakeConnection[] = [];
    const pool = new SshConnectionPool({
      connect: (t) => {
        if (t.host === 'slow') return pending.promise;
        made.push(new FakeConnection(t));
        return Promise.resolve(made[made.length - 1] as FakeConnection);
      },
    });
    const slow = pool.get(target({ host: 'slow' }));
    await pool.get(target({ host: 'a' }));
    await pool.get(target({ host: 'b' }));
    const closing = pool.closeAll();
    const late = new FakeConnection(target({ host: 'slow' }));
    pending.resolve(late);
    await closing;
    await slow;
    assert.equal(late.closes >= 1, true);
    assert.ok(made.every((c) => c.closes === 1));
  });
});
