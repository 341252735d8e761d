import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../lib/cache/backend.ts';
import { EntityCache } from '../../lib/cache/entity-cache.ts';
import { createStaleCollector } from '../../lib/cache/stale.ts';
import { UpstreamError } from '../../lib/errors.ts';

/** EntityCache.batch on the in-memory backend (the same semantics as Redis, without a server). */
function cache() {
  const backend = createMemoryBackend();
  return {
    backend,
    cache: new EntityCache({ backend, system: 'erp', prefix: 'unit', ttlSec: {}, defaultTtlSec: 60, staleTtlSec: 3600, negativeTtlSec: 30 }),
  };
}

/** A fetch that records what it was asked and answers `v:<id>` for every id but `unknown`. */
function recorder() {
  const calls: string[][] = [];
  const fetch = async (ids: string[]) => {
    calls.push([...ids]);
    return new Map(ids.filter((i) => i !== 'unknown').map((i) => [i, `v:${i}`]));
  };
  return { calls, fetch };
}

describe('EntityCache.batch', () => {
  it('fetches only the misses, once per distinct key, and answers hits from the cache', async () => {
    const { cache: c } = cache();
    const r = recorder();
    const first = await c.batch('order', ['a', 'b', 'a'], r.fetch, null, undefined);
    expect(Object.fromEntries(first)).toEqual({ a: 'v:a', b: 'v:b' });
    const second = await c.batch('order', ['b', 'c'], r.fetch, null, undefined);
    expect(Object.fromEntries(second)).toEqual({ b: 'v:b', c: 'v:c' });
    expect(r.calls).toEqual([['a', 'b'], ['c']]);
  });

  it('remembers unknown ids as `absent` (negative caching)', async () => {
    const { cache: c } = cache();
    const r = recorder();
    expect((await c.batch('order', ['unknown'], r.fetch, null, undefined)).get('unknown')).toBeNull();
    expect((await c.batch('order', ['unknown'], r.fetch, null, undefined)).get('unknown')).toBeNull();
    expect(r.calls).toEqual([['unknown']]);
  });

  it('concurrent batches share the fetch of a key they both miss (single flight)', async () => {
    const { cache: c } = cache();
    const calls: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async (ids: string[]) => {
      calls.push([...ids]);
      await gate;
      return new Map(ids.map((i) => [i, `v:${i}`]));
    };
    const one = c.batch('order', ['a', 'b'], slow, null, undefined);
    // Let the first batch's MGET come back and register its fetch before the second asks.
    await new Promise((r) => setTimeout(r, 10));
    const two = c.batch('order', ['b', 'c'], slow, null, undefined);
    await new Promise((r) => setTimeout(r, 10));
    release();
    expect(Object.fromEntries(await two)).toEqual({ b: 'v:b', c: 'v:c' });
    expect(Object.fromEntries(await one)).toEqual({ a: 'v:a', b: 'v:b' });
    expect(calls).toEqual([['a', 'b'], ['c']]);
  });

  it('serves stale copies when the system fails, and reports them; a key without one fails the batch', async () => {
    const { cache: c } = cache();
    await c.batch('order', ['a', 'b'], recorder().fetch, null, undefined);
    await c.invalidate('order', ['a', 'b']);
    const down = async (): Promise<Map<string, string>> => {
      throw new UpstreamError('erp', 'unreachable');
    };
    const stale = createStaleCollector();
    expect(Object.fromEntries(await c.batch('order', ['a', 'b'], down, null, stale))).toEqual({ a: 'v:a', b: 'v:b' });
    expect(stale.entries).toEqual([{ subgraph: 'erp', type: 'order', ids: ['a', 'b'], age: expect.any(Number) }]);
    await expect(c.batch('order', ['a', 'never-seen'], down, null, createStaleCollector())).rejects.toBeInstanceOf(UpstreamError);
  });

  it('a failed fetch is not remembered: the next batch asks again', async () => {
    const { cache: c } = cache();
    await expect(c.batch('order', ['a'], async () => Promise.reject(new Error('bug')), null, undefined)).rejects.toThrow('bug');
    const r = recorder();
    expect((await c.batch('order', ['a'], r.fetch, null, undefined)).get('a')).toBe('v:a');
    expect(r.calls).toEqual([['a']]);
  });

  it('reads an entry it cannot parse, or of another record version, as a miss', async () => {
    const { cache: c, backend } = cache();
    await backend.mset([
      { key: c.key('order', 'a'), value: '{not json', ttlSec: 60 },
      { key: c.key('order', 'b'), value: JSON.stringify({ s: 999, t: 0, v: 'old shape' }), ttlSec: 60 },
    ]);
    const r = recorder();
    expect(Object.fromEntries(await c.batch('order', ['a', 'b'], r.fetch, null, undefined))).toEqual({ a: 'v:a', b: 'v:b' });
    expect(r.calls).toEqual([['a', 'b']]);
  });
  it('a batch whose cache read was out while another fetched and finished takes that result, unless invalidated', async () => {
    const backend = createMemoryBackend();
    // The second batch's MGET is held until the first batch has fetched, stored and finished (a slow
    // Redis answer, or a busy event loop, does this); it then reads nothing, as a timed-out read would.
    let holdReads = false;
    let releaseRead!: () => void;
    const held = new Promise<void>((r) => (releaseRead = r));
    const slowReads = {
      ...backend,
      mget: async (keys: readonly string[]) => {
        if (!holdReads) return backend.mget(keys);
        await held;
        return keys.map(() => null);
      },
    };
    const c = new EntityCache({ backend: slowReads, system: 'erp', prefix: 'unit', ttlSec: {}, defaultTtlSec: 60, staleTtlSec: 3600, negativeTtlSec: 30 });
    const r = recorder();
    holdReads = true;
    const late = c.batch('order', ['a'], r.fetch, null, undefined);
    holdReads = false;
    expect(Object.fromEntries(await c.batch('order', ['a'], r.fetch, null, undefined))).toEqual({ a: 'v:a' });
    releaseRead();
    expect(Object.fromEntries(await late)).toEqual({ a: 'v:a' });
    expect(r.calls).toEqual([['a']]);

    // An invalidation while such a read is out drops the settled value: that read fetches again.
    await c.invalidate('order', ['a']);
    let releaseSecond!: () => void;
    const heldAgain = new Promise<void>((r) => (releaseSecond = r));
    slowReads.mget = async (keys: readonly string[]) => (holdReads ? (await heldAgain, keys.map(() => null)) : backend.mget(keys));
    holdReads = true;
    const beforeChange = c.batch('order', ['a'], r.fetch, null, undefined);
    holdReads = false;
    await c.batch('order', ['a'], r.fetch, null, undefined);
    await c.invalidate('order', ['a']);
    releaseSecond();
    await beforeChange;
    expect(r.calls).toEqual([['a'], ['a'], ['a']]);
  });
});
