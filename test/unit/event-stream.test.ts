import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriptionEvents, type ConnectionBudget } from '../../gateway/subscriptions/event-stream.ts';
import type { EventBus } from '../../lib/events/bus.ts';
import { acquireMemoryBus } from '../../lib/events/memory-bus.ts';
import type { HubEvent } from '../../lib/events/types.ts';

/** The replay-then-live iterator every subscription reads, on the real in-memory bus. */
let bus: EventBus;
let position = 0;
afterEach(() => bus?.close());

function freshBus(): EventBus {
  bus = acquireMemoryBus(`unit-${randomBytes(4).toString('hex')}`, 100_000);
  return bus;
}

const publish = async (equipmentId = 'EQ-1', b: EventBus = bus): Promise<HubEvent> =>
  (await b.publish(
    { type: 'EquipmentStateChanged', occurredAt: new Date(0).toISOString(), plant: '1000', mesEventId: ++position, equipmentId, previousState: 'IDLE', state: 'RUNNING' },
    { feed: 'unit', position },
  ))!;

function budget(limit = 1000): ConnectionBudget & { overflows: number } {
  return { queued: 0, limit, overflows: 0, overflow() { this.overflows++; } };
}

async function take(it: AsyncIterator<HubEvent>, n: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < n) {
    const r = await it.next();
    if (r.done) break;
    ids.push(r.value.id);
  }
  return ids;
}

describe('SubscriptionEvents (replay, then live)', () => {
  it('replays what came after `after`, then goes live, in stream order', async () => {
    freshBus();
    const [a, b, c] = [await publish(), await publish(), await publish()];
    const events = new SubscriptionEvents(bus, () => true, budget(), a!.id);
    const replayed = await take(events, 2);
    expect(replayed).toEqual([b!.id, c!.id]);
    const d = await publish();
    expect(await take(events, 1)).toEqual([d.id]);
    await events.return();
  });

  it('tells onQueued of each wanted event, replayed or live, in order and before the consumer reaches it', async () => {
    freshBus();
    const [a, b] = [await publish('EQ-1'), await publish('EQ-1')];
    await publish('EQ-2');
    const queued: string[] = [];
    const events = new SubscriptionEvents(bus, (e) => e.type === 'EquipmentStateChanged' && e.equipmentId === 'EQ-1', budget(), a.id, (e) => queued.push(e.id));
    expect(await take(events, 1)).toEqual([b.id]);
    expect(queued).toEqual([b.id]);
    const [c, d] = [await publish('EQ-1'), await publish('EQ-2'), await publish('EQ-1')].filter((e) => e.type === 'EquipmentStateChanged' && e.equipmentId === 'EQ-1');
    // Both live events are known before the first of them is consumed.
    expect(queued).toEqual([b.id, c!.id, d!.id]);
    expect(await take(events, 2)).toEqual([c!.id, d!.id]);
    await events.return();
  });

  it('without `after` sends live events only', async () => {
    freshBus();
    await publish();
    const events = new SubscriptionEvents(bus, () => true, budget(), undefined);
    const live = await publish();
    expect(await take(events, 1)).toEqual([live.id]);
    await events.return();
  });

  it('an event seen both live and in the replay is delivered once', async () => {
    const real = freshBus();
    const first = await publish();
    let raced: HubEvent | undefined;
    // The event lands while the replay is on its way: the live listener buffers it and the page has it too.
    const racing: EventBus = { ...real, replay: async (after, limit) => {
      raced ??= await publish('EQ-1', real);
      return real.replay(after, limit);
    } };
    const events = new SubscriptionEvents(racing, () => true, budget(), first.id);
    expect(await take(events, 1)).toEqual([raced!.id]);
    const next = await publish();
    expect(await take(events, 1)).toEqual([next.id]);
    await events.return();
  });

  it('replays a backlog longer than one page without gap', async () => {
    freshBus();
    const start = await publish();
    const backlog: string[] = [];
    for (let i = 0; i < 1_234; i++) backlog.push((await publish()).id);
    const events = new SubscriptionEvents(bus, () => true, budget(), start.id);
    expect(await take(events, backlog.length)).toEqual(backlog);
    await events.return();
  });

  it('filters replayed and live events alike', async () => {
    freshBus();
    const start = await publish('EQ-1');
    const wanted = [(await publish('EQ-2')).id];
    await publish('EQ-1');
    const events = new SubscriptionEvents(bus, (e) => 'equipmentId' in e && e.equipmentId === 'EQ-2', budget(), start.id);
    expect(await take(events, 1)).toEqual(wanted);
    await publish('EQ-1');
    const live = await publish('EQ-2');
    expect(await take(events, 1)).toEqual([live.id]);
    await events.return();
  });

  it('return() ends a subscription waiting for its next event at once', async () => {
    freshBus();
    const events = new SubscriptionEvents(bus, () => true, budget(), undefined);
    const pending = events.next();
    await events.return();
    expect(await pending).toEqual({ done: true, value: undefined });
    await publish();
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('counts buffered events against the connection budget, overflows past its limit, and gives them back on return()', async () => {
    freshBus();
    const b = budget(3);
    const events = new SubscriptionEvents(bus, () => true, b, undefined);
    for (let i = 0; i < 3; i++) await publish();
    expect(b).toMatchObject({ queued: 3, overflows: 0 });
    await publish();
    expect(b).toMatchObject({ queued: 4, overflows: 1 });
    await take(events, 1);
    expect(b.queued).toBe(3);
    await events.return();
    expect(b.queued).toBe(0);
  });
});
