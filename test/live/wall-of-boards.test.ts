import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, redisEnv, startHub, type Hub } from '../support/hub.ts';
import { collect, metricValue, subscriptionsActive, until, wsClient, type Collected } from '../support/live.ts';
import type { Client } from 'graphql-ws';

/** In demo mode one address may hold 1,000 WebSocket connections (a wall of boards). */
const BOARDS = 1000;

describe('a wall of boards', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: redisEnv('wall') });
  });
  afterAll(() => hub?.close());

  it(`${BOARDS} WebSocket connections from one address each get an event, for one federated read`, async () => {
    const clients: Client[] = [];
    const subs: Collected[] = [];
    const query = 'subscription { equipmentStateChanged(plant: "1000") { eventId state equipment { id name workCenter } } }';
    for (let i = 0; i < BOARDS; i++) {
      const c = wsClient(hub.gateway);
      clients.push(c);
      subs.push(collect(c, query));
    }
    try {
      await until(async () => (await subscriptionsActive(hub.gateway)) >= BOARDS, 60_000, `${BOARDS} subscriptions`);
      const before = await metricValue(hub.gateway, 'hub_subscription_fetches_total');
      await admin.equipmentState(hub.mesApi, { equipmentId: 'EQ-1000-02', state: 'MAINTENANCE' });
      await until(() => subs.every((s) => s.results.length >= 1), 60_000, 'every board to get the event');
      for (const s of subs) {
        expect(s.results[0].errors).toBeUndefined();
        expect(s.events[0]).toMatchObject({ state: 'MAINTENANCE', equipment: { id: 'EQ-1000-02' } });
      }
      expect((await metricValue(hub.gateway, 'hub_subscription_fetches_total')) - before).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  }, 120_000);
});
