import { describe, expect, it } from 'vitest';
import { RefreshAheadCache } from '../src/refreshAheadCache.ts';

/**
 * A store the cache loads from. A load reads the store when it starts (as a database read
 * does) and returns only when the test lets it finish.
 */
class Store {
  readonly values = new Map<string, { name: string }>();
  readonly pending: { key: string; finish: () => void; fail: (error: Error) => void }[] = [];
  loads = 0;

  load = (key: string): Promise<{ name: string } | undefined> => {
    this.loads++;
    const read = this.values.get(key);
    return new Promise((resolve, reject) => {
      this.pending.push({ key, finish: () => resolve(read && { ...read }), fail: reject });
    });
  };

  /** Finishes every load under way and lets their callbacks run. */
  async finishAll(): Promise<void> {
    for (const load of this.pending.splice(0)) load.finish();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function setup(ttlMs = 1_000) {
  const store = new Store();
  const clock = { time: 1_000, now: () => clock.time };
  const errors: unknown[] = [];
  const cache = new RefreshAheadCache({
    ttlMs,
    max: 100,
    load: store.load,
    onRefreshError: (error) => errors.push(error),
    perf: clock,
  });
  /** Asks for `keys`, lets every load under way finish, and returns what each ask got. */
  const settled = async (...keys: string[]) => {
    const asked = keys.map((key) => cache.get(key));
    await store.finishAll();
    return Promise.all(asked);
  };
  return { store, clock, cache, errors, settled };
}

describe('RefreshAheadCache', () => {
  it('loads a missing key once however many ask at the same time, and keeps it', async () => {
    const { store, cache, settled } = setup();
    store.values.set('a', { name: 'one' });
    expect(await settled('a', 'a', 'a')).toEqual([{ name: 'one' }, { name: 'one' }, { name: 'one' }]);
    expect(await cache.get('a')).toEqual({ name: 'one' });
    expect(store.loads).toBe(1);
  });

  it('does not keep a key that has no value, or whose load failed', async () => {
    const { store, cache, settled } = setup();
    expect(await settled('nobody')).toEqual([undefined]);

    const failing = cache.get('a');
    store.pending.splice(0)[0]?.fail(new Error('database down'));
    await expect(failing).rejects.toThrow('database down');

    store.values.set('a', { name: 'one' });
    expect(await settled('nobody', 'a')).toEqual([undefined, { name: 'one' }]);
    expect(store.loads).toBe(4);
  });

  it('serves a key past half its TTL from the cache and loads it again in the background', async () => {
    const { store, clock, cache, settled } = setup(1_000);
    store.values.set('a', { name: 'one' });
    await settled('a');

    clock.time += 400; // before half the TTL: no load
    expect(await cache.get('a')).toEqual({ name: 'one' });
    expect(store.loads).toBe(1);

    store.values.set('a', { name: 'two' });
    clock.time += 200; // past half: the cached value at once, one load behind it
    expect(await cache.get('a')).toEqual({ name: 'one' });
    expect(await cache.get('a')).toEqual({ name: 'one' });
    expect(store.loads).toBe(2);
    await store.finishAll();
    expect(await cache.get('a')).toEqual({ name: 'two' });

    // The refreshed value lives a full TTL from its load.
    clock.time += 900;
    expect(await cache.get('a')).toEqual({ name: 'two' });
  });

  it('never serves a value older than its TTL', async () => {
    const { store, clock, settled } = setup(1_000);
    store.values.set('a', { name: 'one' });
    await settled('a');

    store.values.set('a', { name: 'two' });
    clock.time += 1_001;
    expect(await settled('a')).toEqual([{ name: 'two' }]);
  });

  it('drops a key whose background load finds it gone', async () => {
    const { store, clock, cache, settled } = setup(1_000);
    store.values.set('a', { name: 'one' });
    await settled('a');

    store.values.delete('a');
    clock.time += 600;
    expect(await cache.get('a')).toEqual({ name: 'one' });
    await store.finishAll();
    expect(await settled('a')).toEqual([undefined]);
  });

  it('discards a background load overtaken by a delete, so a revoked value does not come back', async () => {
    const { store, clock, cache, settled } = setup(1_000);
    store.values.set('a', { name: 'one' });
    await settled('a');

    clock.time += 600;
    await cache.get('a'); // starts the background load, which reads 'one' ...
    store.values.set('a', { name: 'revoked' });
    cache.delete('a'); // ... and the change is announced before that load returns
    await store.finishAll();

    expect(await settled('a')).toEqual([{ name: 'revoked' }]);
  });

  it('does not keep a first load overtaken by a delete, though its caller gets its value', async () => {
    const { store, cache, settled } = setup();
    store.values.set('a', { name: 'one' });
    const asked = cache.get('a');
    cache.delete('a');
    await store.finishAll();
    expect(await asked).toEqual({ name: 'one' });

    store.values.set('a', { name: 'two' });
    expect(await settled('a')).toEqual([{ name: 'two' }]);
    expect(store.loads).toBe(2);
  });

  it('forgets every key whose value matches, and the loads under way', async () => {
    const { store, cache, settled } = setup();
    store.values.set('a', { name: 'same' });
    store.values.set('b', { name: 'same' });
    store.values.set('c', { name: 'other' });
    store.values.set('d', { name: 'same' });
    await settled('a', 'b', 'c');

    const underWay = cache.get('d');
    cache.deleteWhere((value) => value.name === 'same');
    await store.finishAll();
    await underWay;
    await settled('a', 'b', 'c', 'd');
    expect(store.loads).toBe(4 + 3); // a, b and d again (d was read before the change); c stayed
  });

  it('keeps serving a value whose background load failed, and reports the failure', async () => {
    const { store, clock, cache, errors, settled } = setup(1_000);
    store.values.set('a', { name: 'one' });
    await settled('a');

    clock.time += 600;
    await cache.get('a');
    store.pending.splice(0)[0]?.fail(new Error('database down'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
    expect(await cache.get('a')).toEqual({ name: 'one' });
    expect(store.loads).toBe(3); // and tries again at its next use
  });
});
