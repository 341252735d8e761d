import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { admin, redisEnv, startHub, TEST_REDIS_URL, uniquePrefix, type Hub } from '../support/hub.ts';
import { collect, reportableWorkOrders, subscriptionsActive, until, wsClient, type ReportableWorkOrder } from '../support/live.ts';

const Q = 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId goodQuantityDelta productionOrder { id plannedQuantity } } }';

/**
 * The same exactly-once tests for each way the MES delivers its events: its own SSE stream, and the
 * MQTT broker on 127.0.0.1:1883 (each test its own topic and session ids, so parallel runs never meet).
 */
function feedEnv(feed: 'sse' | 'mqtt', tag: string): Record<string, string> {
  const env = redisEnv(tag);
  if (feed === 'sse') return env;
  const id = uniquePrefix(tag);
  return { ...env, MES_EVENT_FEED: 'mqtt', MES_MQTT_URL: 'mqtt://127.0.0.1:1883', MES_MQTT_TOPIC: `${id}/mes/events`, MES_MQTT_CLIENT_ID: `${id}-bridge` };
}

for (const feed of ['sse', 'mqtt'] as const) {

  describe(`several hub processes on one event stream (${feed} feed)`, () => {
    let hub: Hub;
    let wos: ReportableWorkOrder[];
    let redis: Redis;
    beforeAll(async () => {
      // Two gateways and two MES subgraphs (each with its event bridge on the same MES feed).
      hub = await startHub({ env: feedEnv(feed, 'instances'), gateways: 2, mesSubgraphs: 2 });
      wos = await reportableWorkOrders(hub, '1000');
      redis = new Redis(TEST_REDIS_URL);
    });
    afterAll(async () => {
      redis?.disconnect();
      await hub?.close();
    });

    /** The MES event ids in the hub's stream (each must appear once). */
    async function publishedMesIds(): Promise<number[]> {
      const entries = (await redis.xrange(`${hub.config.cachePrefix}:events`, '-', '+')) as [string, string[]][];
      return entries.map(([, f]) => JSON.parse(f[f.indexOf('data') + 1]!).mesEventId as number);
    }

    it('each gateway delivers every event to its own subscribers, once, with two bridges publishing', async () => {
      const wo = wos[0]!;
      const clients = hub.gateways.map((g) => wsClient(g));
      const subs = clients.map((c) => collect(c, Q, { id: wo.productionOrderId }));
      for (const g of hub.gateways) await until(async () => (await subscriptionsActive(g)) === 1);
      const reports = [];
      for (let i = 0; i < 3; i++) reports.push(await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 }));
      const [a, b] = await Promise.all(subs.map((s) => s.waitFor(3)));
      await new Promise((r) => setTimeout(r, 300));
      expect(subs[0]!.events).toHaveLength(3);
      expect(subs[1]!.events).toHaveLength(3);
      expect(a!.map((e) => e.eventId)).toEqual(b!.map((e) => e.eventId));
      for (const e of a!) expect(e.productionOrder).toMatchObject({ id: wo.productionOrderId, plannedQuantity: expect.any(Number) });
      const ids = await publishedMesIds();
      expect(new Set(ids).size).toBe(ids.length);
      for (const r of reports) expect(ids).toContain(r.eventId);
      await Promise.all(clients.map((c) => c.dispose()));
    });

    it('one MES subgraph instance down and back: the other keeps publishing, nothing lost or repeated', async () => {
      const wo = wos[1]!;
      const client = wsClient(hub.gateways[1]!);
      const sub = collect(client, Q, { id: wo.productionOrderId });
      await until(async () => (await subscriptionsActive(hub.gateways[1]!)) === 1);
      await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
      await sub.waitFor(1);
      // The other instance's bridge carries on; the one coming back finds the position moved on.
      await hub.stopMesSubgraph();
      const during = [];
      for (let i = 0; i < 2; i++) during.push((await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 })).eventId);
      await hub.startMesSubgraph();
      const last = (await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 })).eventId;
      await sub.waitFor(4);
      await new Promise((r) => setTimeout(r, 300));
      expect(sub.events).toHaveLength(4);
      const ids = await publishedMesIds();
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of [...during, last]) expect(ids.filter((x) => x === id)).toHaveLength(1);
      await client.dispose();
    });
  });

  describe(`the event bridge alone across a restart (${feed} feed)`, () => {
    let hub: Hub;
    let redis: Redis;
    const hookCalls: { mesEventId: number; type: string | undefined; published: boolean }[] = [];
    beforeAll(async () => {
      redis = new Redis(TEST_REDIS_URL);
      hub = await startHub({
        env: feedEnv(feed, 'bridge'),
        mes: {
          // The hook runs before the event is in the stream.
          beforePublish: async (raw, event) => {
            const entries = (await redis.xrange(`${hub.config.cachePrefix}:events`, '-', '+')) as [string, string[]][];
            const published = entries.some(([, f]) => JSON.parse(f[f.indexOf('data') + 1]!).mesEventId === raw.id);
            hookCalls.push({ mesEventId: raw.id, type: event?.type, published });
          },
        },
      });
    });
    afterAll(async () => {
      redis?.disconnect();
      await hub?.close();
    });

    it('resumes after the last published MES event: nothing lost, nothing repeated; beforePublish runs first', async () => {
      const [wo] = await reportableWorkOrders(hub, '2000');
      const client = wsClient(hub.gateway);
      const sub = collect(client, Q, { id: wo!.productionOrderId });
      await until(async () => (await subscriptionsActive(hub.gateway)) === 1);
      const report = async () => (await admin.progress(hub.mesApi, { workOrderId: wo!.workOrderId, goodQuantity: 1, scrapQuantity: 0 })).eventId;
      const sent = [await report()];
      await sub.waitFor(1);
      await hub.stopMesSubgraph();
      sent.push(await report(), await report());
      await hub.startMesSubgraph();
      sent.push(await report());
      await sub.waitFor(4);
      await new Promise((r) => setTimeout(r, 300));
      expect(sub.events).toHaveLength(4);
      const entries = (await redis.xrange(`${hub.config.cachePrefix}:events`, '-', '+')) as [string, string[]][];
      const mesIds = entries.map(([, f]) => JSON.parse(f[f.indexOf('data') + 1]!).mesEventId as number);
      expect(mesIds).toEqual(sent);
      expect(sub.events.map((e) => e.eventId)).toEqual(entries.map(([id]) => id));
      expect(hookCalls.map((c) => c.mesEventId)).toEqual(sent);
      expect(hookCalls.every((c) => c.type === 'ProductionProgress' && !c.published)).toBe(true);
      await client.dispose();
    });
  });
}
