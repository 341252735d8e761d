import { afterEach, describe, expect, it } from 'vitest';
import { acquireMemoryBus } from '../../lib/events/memory-bus.ts';
import { createRedisBus } from '../../lib/events/redis-bus.ts';
import type { EventBus, HubEventInput } from '../../lib/events/types.ts';
import { createLogger } from '../../lib/log.ts';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../support/hub.ts';

/** A batch of MES events appended in one step, on the real Redis Stream and on the in-memory bus. */
const log = createLogger('test', 'error');
const event = (n: number): HubEventInput => ({
  type: 'EquipmentStateChanged', occurredAt: new Date(0).toISOString(), plant: '1000', mesEventId: n, equipmentId: `EQ-${n}`, previousState: 'IDLE', state: 'RUNNING',
});
const item = (n: number, publish = true) => ({ event: publish ? event(n) : null, at: { feed: 'mes', position: n } });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const buses: Record<string, () => Promise<EventBus>> = {
  redis: async () => {
    const prefix = uniquePrefix('publish-many');
    const bus = await createRedisBus({ url: TEST_REDIS_URL, prefix, maxLen: 10_000, log, listen: false });
    cleanups.push(async () => {
      await bus.close();
      await dropPrefix(TEST_REDIS_URL, prefix);
    });
    return bus;
  },
  memory: async () => {
    const bus = acquireMemoryBus(uniquePrefix('publish-many'), 10_000);
    cleanups.push(() => bus.close());
    return bus;
  },
};

describe.each(Object.keys(buses))('publishMany (%s bus)', (kind) => {
  it('appends a batch in order, moves the position to its last event, and skips the events the hub does not publish', async () => {
    const bus = await buses[kind]!();
    const published = await bus.publishMany([item(1), item(2, false), item(3)]);
    expect(published.map((p) => p?.mesEventId ?? null)).toEqual([1, null, 3]);
    expect(await bus.position('mes')).toBe(3);
    const stream = await bus.replay('0-0', 10);
    expect(stream.map((e) => e.id)).toEqual([published[0]!.id, published[2]!.id]);
    expect(stream.map((e) => e.mesEventId)).toEqual([1, 3]);
  });

  it('a batch retried after a lost answer, with more events behind it, appends only what is missing', async () => {
    const bus = await buses[kind]!();
    await bus.publishMany([item(1), item(2)]);
    const again = await bus.publishMany([item(1), item(2), item(3), item(4)]);
    expect(again.map((p) => p?.mesEventId ?? null)).toEqual([null, null, 3, 4]);
    expect((await bus.replay('0-0', 10)).map((e) => e.mesEventId)).toEqual([1, 2, 3, 4]);
    expect(await bus.position('mes')).toBe(4);
  });
});
