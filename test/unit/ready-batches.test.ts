import { describe, expect, it } from 'vitest';
import { readyBatches } from '../../subgraphs/mes/events/ready-batches.ts';

/** The event bridge's grouping of what the MES feed already has. */
async function all<T>(it: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const g of it) out.push(g);
  return out;
}

/** A source that has `bursts[i]` items at once, then waits for I/O (a timer) before the next burst. */
async function* bursts(sizes: number[]): AsyncGenerator<number> {
  let n = 0;
  for (const size of sizes) {
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < size; i++) yield n++;
  }
}

describe('readyBatches', () => {
  it('groups what the source has at once and never waits for more', async () => {
    expect(await all(readyBatches(bursts([3, 1, 2]), 100))).toEqual([[0, 1, 2], [3], [4, 5]]);
  });

  it('keeps groups to `max`, in order, nothing lost', async () => {
    expect(await all(readyBatches(bursts([5]), 2))).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('a failing source fails the consumer once the items before the failure are out', async () => {
    async function* failing() {
      yield 1;
      yield 2;
      throw new Error('feed dropped');
    }
    const seen: number[][] = [];
    await expect(
      (async () => {
        for await (const g of readyBatches(failing(), 10)) seen.push(g);
      })(),
    ).rejects.toThrow('feed dropped');
    expect(seen.flat()).toEqual([1, 2]);
  });

  it('ending the consumer early ends the source', async () => {
    let ended = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        ended = true;
      }
    }
    for await (const g of readyBatches(source(), 3)) {
      expect(g).toEqual([0, 1, 2]);
      break;
    }
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(true);
  });
});
