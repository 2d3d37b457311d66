import assert from 'node:assert/strict';
import { WaitAbortedError, WaitTimeoutError, WaiterSet } from '../../src/cluster/waiters.js';

interface Obj {
  name: string;
  ready: boolean;
}

describe('cluster: waiters', () => {
  it('offers an object only to the waiters under its keys and the unkeyed ones', async () => {
    const set = new WaiterSet<Obj>();
    let calls = 0;
    const counted = (name: string) => (o: Obj): boolean => {
      calls++;
      return o.name === name && o.ready;
    };
    const waits = Array.from({ length: 1000 }, (_, i) => set.wait(counted(`n${i}`), { key: `n${i}` }));
    const any = set.wait((o) => o.name === 'n500' && o.ready);
    set.offer({ name: 'n500', ready: false }, ['n500']);
    assert.equal(calls, 1); // one keyed predicate, not a thousand
    set.offer({ name: 'n500', ready: true }, ['n500']);
    assert.equal((await waits[500])?.name, 'n500');
    assert.equal((await any).name, 'n500');
    assert.equal(set.size, 999);
    set.rejectAll(new WaitAbortedError('stopped'));
    const settled = await Promise.allSettled(waits);
    assert.equal(settled.filter((s) => s.status === 'rejected').length, 999);
    assert.equal(set.size, 0);
  });

  it('resolves each waiter once, with the first match', async () => {
    const set = new WaiterSet<Obj>();
    const p = set.wait((o) => o.ready, { key: 'a' });
    set.offer({ name: 'a', ready: true }, ['a']);
    set.offer({ name: 'a2', ready: true }, ['a']);
    assert.equal((await p).name, 'a');
    assert.equal(set.size, 0);
  });

  it('rejects on its deadline, saying what it waited for and the last cluster error', async () => {
    const set = new WaiterSet<Obj>();
    await assert.rejects(
      set.wait(() => false, { deadline: Date.now() - 1, what: 'node a to be Ready' }, () => 'WATCH node: 403 Forbidden'),
      (err: unknown) =>
        err instanceof WaitTimeoutError &&
        err.message === 'timed out after 0 ms waiting for node a to be Ready (last cluster error: WATCH node: 403 Forbidden)',
    );
    assert.equal(set.size, 0);
  });

  it('rejects at once on an aborted signal, and when aborted later', async () => {
    const set = new WaiterSet<Obj>();
    await assert.rejects(set.wait(() => true, { signal: AbortSignal.abort(), what: 'x' }), /^WaitAbortedError: stopped waiting for x$/);
    const ac = new AbortController();
    const p = set.wait(() => false, { signal: ac.signal, key: 'k', what: 'the client CSR of k' });
    ac.abort(new Error('the run was interrupted'));
    await assert.rejects(p, /^WaitAbortedError: stopped waiting for the client CSR of k: the run was interrupted$/);
    assert.equal(set.size, 0);
  });

  it('rejects a waiter whose predicate throws, leaving the others', async () => {
    const set = new WaiterSet<Obj>();
    const bad = set.wait(() => {
      throw new Error('boom');
    });
    const good = set.wait((o) => o.ready);
    set.offer({ name: 'a', ready: true }, []);
    await assert.rejects(bad, /boom/);
    assert.equal((await good).name, 'a');
  });
});
