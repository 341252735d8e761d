import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedResults } from '../../gateway/subscriptions/shared-results.ts';

/** Single-flight of the federated read per (event, selection, scopes). */
describe('SharedResults', () => {
  afterEach(() => vi.useRealTimers());

  it('runs one read for concurrent callers with the same key, and one per distinct key', async () => {
    const shared = new SharedResults<string>();
    const run = vi.fn(async () => 'answer');
    const [a, b] = await Promise.all([shared.get('k', run), shared.get('k', run)]);
    expect([a, b]).toEqual(['answer', 'answer']);
    expect(run).toHaveBeenCalledTimes(1);
    await shared.get('other', run);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('keeps a settled result for ttlMs, then reads again', async () => {
    vi.useFakeTimers();
    const shared = new SharedResults<number>(1_000);
    let n = 0;
    const run = async () => ++n;
    expect(await shared.get('k', run)).toBe(1);
    vi.advanceTimersByTime(999);
    expect(await shared.get('k', run)).toBe(1);
    vi.advanceTimersByTime(2);
    expect(await shared.get('k', run)).toBe(2);
  });

  it('does not keep a failed read: the next caller tries again', async () => {
    const shared = new SharedResults<string>();
    await expect(shared.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await Promise.resolve();
    expect(await shared.get('k', async () => 'back')).toBe('back');
  });

  it('stays bounded: past maxEntries the oldest settled entries go', async () => {
    const shared = new SharedResults<number>(60_000, 100);
    for (let i = 0; i < 500; i++) await shared.get(`k${i}`, async () => i);
    expect(shared.size).toBeLessThanOrEqual(100);
    // The newest are still shared.
    const run = vi.fn(async () => -1);
    expect(await shared.get('k499', run)).toBe(499);
    expect(run).not.toHaveBeenCalled();
  });
});
