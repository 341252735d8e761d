import { describe, expect, it } from 'vitest';
import { ReadBatcher } from '../../gateway/subscriptions/read-batcher.ts';

/** The subscription reads' batching by load: what arrives while reads are out goes in the next one. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A read whose answers the test releases, one batch at a time. */
function controlled() {
  const calls: { items: string[]; answer: () => void; fail: (e: Error) => void }[] = [];
  const run = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => calls.push({ items, answer: () => resolve(items.map((i) => i.toUpperCase())), fail: reject }));
  return { calls, run };
}

describe('ReadBatcher', () => {
  it('sends what is asked in one turn as one batch, at once when idle', async () => {
    const { calls, run } = controlled();
    const batcher = new ReadBatcher(run, 10, 2);
    const answers = Promise.all(['a', 'b'].map((x) => batcher.load(x)));
    await turn();
    expect(calls.map((c) => c.items)).toEqual([['a', 'b']]);
    calls[0]!.answer();
    expect(await answers).toEqual(['A', 'B']);
  });

  it('with `concurrency` reads out, holds what arrives and sends it together when one comes back', async () => {
    const { calls, run } = controlled();
    const batcher = new ReadBatcher(run, 10, 2);
    const got: string[] = [];
    const load = (x: string) => batcher.load(x).then((v) => void got.push(v));
    void load('a');
    await turn();
    void load('b');
    await turn();
    for (const x of ['c', 'd', 'e']) {
      void load(x);
      await turn();
    }
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b']]);
    calls[0]!.answer();
    await turn();
    await turn();
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    calls[1]!.answer();
    calls[2]!.answer();
    await turn();
    expect(got.sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('keeps batches to `max`, and a failed read fails only its own items', async () => {
    const { calls, run } = controlled();
    const batcher = new ReadBatcher(run, 2, 2);
    const results = ['a', 'b', 'c'].map((x) => batcher.load(x).catch((e: Error) => `failed: ${e.message}`));
    await turn();
    expect(calls.map((c) => c.items)).toEqual([['a', 'b'], ['c']]);
    calls[0]!.fail(new Error('down'));
    calls[1]!.answer();
    expect(await Promise.all(results)).toEqual(['failed: down', 'failed: down', 'C']);
  });
});
