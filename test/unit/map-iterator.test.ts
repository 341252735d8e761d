import { describe, expect, it } from 'vitest';
import { mapIterator } from '../../gateway/subscriptions/map-iterator.ts';

/** A source that yields `items`, then ends or throws; records whether return() reached it. */
function source(items: number[], fail?: Error) {
  const state = { returned: 0 };
  let i = 0;
  const it: AsyncIterator<number> = {
    next: async () => {
      if (i < items.length) return { done: false, value: items[i++]! };
      if (fail) throw fail;
      return { done: true, value: undefined };
    },
    return: async () => {
      state.returned++;
      return { done: true, value: undefined };
    },
  };
  return { it, state };
}

describe('mapIterator (subscription payloads, and the active-subscriptions gauge it keeps)', () => {
  it('maps every item and calls onEnd once when the source ends', async () => {
    let ends = 0;
    const { it } = source([1, 2]);
    const out = mapIterator(it, async (n) => n * 10, () => ends++);
    const seen: number[] = [];
    for await (const v of out) seen.push(v);
    expect(seen).toEqual([10, 20]);
    await out.return?.();
    expect(ends).toBe(1);
  });

  it('return() reaches the source and calls onEnd once, however often it is called', async () => {
    let ends = 0;
    const { it, state } = source([1, 2, 3]);
    const out = mapIterator(it, async (n) => n, () => ends++);
    await out.next();
    await out.return?.();
    await out.return?.();
    expect(ends).toBe(1);
    expect(state.returned).toBeGreaterThan(0);
  });

  it('calls onEnd and closes the source when the source or map throws', async () => {
    let ends = 0;
    const failing = source([1], new Error('replay failed'));
    const out = mapIterator(failing.it, async (n) => n, () => ends++);
    await out.next();
    await expect(out.next()).rejects.toThrow('replay failed');
    expect(ends).toBe(1);
    const mapFails = source([1, 2]);
    const out2 = mapIterator(mapFails.it, async () => Promise.reject(new Error('map failed')), () => ends++);
    await expect(out2.next()).rejects.toThrow('map failed');
    expect(ends).toBe(2);
    expect(mapFails.state.returned).toBe(1);
  });
});
