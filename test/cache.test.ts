import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CROSS_SYSTEM_QUERY } from '../gateway/examples.ts';
import { admin, getJson, gql, post, purgeCaches, startHub, TEST_REDIS_URL, uniquePrefix, upstreamCalls, type Hub } from './support/hub.ts';
import { startOwnRedis, startRedisCluster } from './support/redis-servers.ts';
import { collect, reportableWorkOrders, subscriptionsActive, until, wsClient } from './support/live.ts';

// Raw API answers are arbitrary JSON.
type Json = any;

const cross = (hub: Hub) => gql(hub.gateway, CROSS_SYSTEM_QUERY, { first: 50 });

for (const backend of ['redis', 'memory'] as const) {
  describe(`entity cache (${backend})`, () => {
    let hub: Hub;
    beforeAll(async () => {
      // The response cache off: with Redis it would answer a repeated query whole, and the entity
      // cache these tests name would go unexercised (test/response-cache.test.ts has its own).
      hub = await startHub({ redis: backend === 'redis', env: { RESPONSE_CACHE: 'off' } });
    });
    afterAll(() => hub?.close());

    it('a second identical cross-system query makes zero upstream calls and answers the same', async () => {
      await purgeCaches(hub);
      const first = await cross(hub);
      expect(first.body.errors).toBeUndefined();
      const calls = await upstreamCalls(hub, async () => {
        const second = await cross(hub);
        expect(second.body).toEqual(first.body);
      });
      expect(calls).toEqual({ erp: 0, mes: 0 });
    });

    it('concurrent identical requests on a cold cache fetch each thing once (single flight)', async () => {
      await purgeCaches(hub);
      const one = await upstreamCalls(hub, () => cross(hub));
      await purgeCaches(hub);
      const twenty = await upstreamCalls(hub, () => Promise.all(Array.from({ length: 20 }, () => cross(hub))));
      expect(twenty).toEqual(one);
    });

    it('unknown ids are remembered briefly: a burst of bad ids reaches the ERP once', async () => {
      const calls = await upstreamCalls(hub, async () => {
        for (let i = 0; i < 5; i++) {
          const res = await gql(hub.gateway, '{ productionOrder(id: "9999990") { id } material(id: "999990") { id } }');
          expect(res.body.data).toEqual({ productionOrder: null, material: null });
        }
      });
      expect(calls.erp).toBe(2);
    });

    it('ERP down with a warm cache: the full answer, marked stale in extensions', async () => {
      const first = await cross(hub);
      // Drop the fresh copies as if their TTL ran out; the stale copies remain.
      await purgeCaches(hub);
      await admin.faults(hub.erpApi, { down: true });
      try {
        const res = await cross(hub);
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data).toEqual(first.body.data);
        const stale: Json[] = res.body.extensions?.stale;
        expect(stale.length).toBeGreaterThan(0);
        expect(stale.every((s) => s.subgraph === 'erp' && Array.isArray(s.ids) && s.age >= 0)).toBe(true);
        expect(stale.map((s) => s.type)).toEqual(expect.arrayContaining(['orders', 'material', 'stock']));
      } finally {
        await admin.clearFaults(hub.erpApi);
      }
    });

    it('ERP down with a cold cache: ERP fields null with UPSTREAM_UNAVAILABLE, MES fields present', async () => {
      const jobs = (await getJson(`${hub.mesApi}/api/v1/job-orders?limit=1000&status=RUNNING`)).items;
      const job = jobs.at(-1);
      await admin.faults(hub.erpApi, { down: true });
      try {
        const res = await gql(
          hub.gateway,
          'query($o: ID!, $w: ID!) { productionOrder(id: $o) { plannedQuantity } workOrder(id: $w) { id status } }',
          { o: job.erpOrder, w: job.id },
        );
        expect(res.body.data!.productionOrder).toBeNull();
        expect(res.body.data!.workOrder).toEqual({ id: job.id, status: job.status });
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', system: 'erp' });
      } finally {
        await admin.clearFaults(hub.erpApi);
      }
    });

    it('an ERP change shows after a purge of its key (ERP records have no events; TTL otherwise)', async () => {
      const q = '{ productionOrder(id: "1000007") { plannedQuantity } }';
      const before = (await gql(hub.gateway, q)).body.data!.productionOrder.plannedQuantity;
      const rec = await getJson(`${hub.erpApi}/odata/ProductionOrders('000001000007')`);
      const { ['@odata.context']: _ctx, ...record } = rec;
      const put = await fetch(`${hub.erpApi}/admin/records/ProductionOrders/000001000007`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...record, PlannedQuantity: before + 10 }),
      });
      expect(put.ok).toBe(true);
      expect((await gql(hub.gateway, q)).body.data!.productionOrder.plannedQuantity).toBe(before);
      const purge = await post(new URL('/admin/cache/purge', hub.erpSubgraph).toString(), { type: 'order', id: '1000007' });
      expect(await purge.json()).toEqual({ purged: 1 });
      expect((await gql(hub.gateway, q)).body.data!.productionOrder.plannedQuantity).toBe(before + 10);
    });
  });
}

describe('entity cache in Redis', () => {
  it('keys follow <prefix>:<system>:<type>:<id>, and a test prefix leaves nothing behind', async () => {
    const prefix = uniquePrefix('keys');
    const hub = await startHub({ env: { CACHE_PREFIX: prefix } });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await gql(hub.gateway, '{ productionOrder(id: "1000045") { id material { description } workOrders { id } } }');
      expect(await redis.exists(`${prefix}:erp:order:1000045`)).toBe(1);
      expect(await redis.exists(`${prefix}:stale:erp:order:1000045`)).toBe(1);
      expect(await redis.exists(`${prefix}:mes:jobsByOrder:1000045`)).toBe(1);
      const ttl = await redis.ttl(`${prefix}:erp:order:1000045`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
    } finally {
      await hub.close();
    }
    const [, left] = await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
    expect(left).toEqual([]);
    redis.disconnect();
  });

  it('Redis killed mid-run: answers stay correct (uncached), then the cache comes back by itself', async () => {
    const redis = await startOwnRedis();
    const hub = await startHub({ redis: false, env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, CACHE_PREFIX: uniquePrefix('kill') } });
    try {
      const first = await cross(hub);
      expect((await upstreamCalls(hub, () => cross(hub))).erp).toBe(0);

      await redis.stop();
      const during = await upstreamCalls(hub, async () => {
        const res = await cross(hub);
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data).toEqual(first.body.data);
      });
      expect(during.erp).toBeGreaterThan(0);

      await redis.restart();
      // ioredis reconnects on its own schedule; wait until the cache answers again (no fixed sleep).
      let calls = { erp: -1, mes: -1 };
      for (let i = 0; i < 50 && calls.erp !== 0; i++) {
        await cross(hub);
        calls = await upstreamCalls(hub, () => cross(hub));
        if (calls.erp !== 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(calls).toEqual({ erp: 0, mes: 0 });
    } finally {
      await hub.close();
      await redis.stop();
    }
  });

  it('a Redis Cluster URL works: the second query is served from the cluster', { timeout: 90_000 }, async () => {
    const cluster = await startRedisCluster();
    const hub = await startHub({ redis: false, env: { REDIS_URL: cluster.url, CACHE_PREFIX: uniquePrefix('cluster') } });
    try {
      const first = await cross(hub);
      expect(first.body.errors).toBeUndefined();
      // A fresh cluster may still move slots for a moment after it reports ok; repeat until a query is
      // served from it (a cluster that never serves fails here).
      let calls = { erp: -1, mes: -1 };
      for (let i = 0; i < 20 && calls.erp + calls.mes !== 0; i++) {
        calls = await upstreamCalls(hub, async () => {
          expect((await cross(hub)).body).toEqual(first.body);
        });
      }
      expect(calls).toEqual({ erp: 0, mes: 0 });
    } finally {
      await hub.close();
      await cluster.stop();
    }
  });

  it('cache counters show on each subgraph /metrics and in the gateway summary', async () => {
    // The gateway's response cache would answer the second query before the subgraphs see it.
    const hub = await startHub({ env: { RESPONSE_CACHE: 'off' } });
    try {
      await cross(hub);
      await cross(hub);
      const sub = await (await fetch(new URL('/metrics', hub.erpSubgraph))).text();
      expect(sub).toMatch(/hub_cache_hits_total\{[^}]*type="erp.orders"/);
      expect(sub).toMatch(/hub_cache_misses_total\{[^}]*type="erp.material"/);
      const gw = await (await fetch(new URL('/metrics', hub.gateway))).text();
      expect(gw).toMatch(/hub_cache_hits_total\{[^}]*service="erp-subgraph"/);
      expect(gw).toMatch(/hub_cache_hits_total\{[^}]*service="mes-subgraph"/);
      expect(gw.match(/^# TYPE hub_cache_hits_total/gm)).toHaveLength(1);
    } finally {
      await hub.close();
    }
  });
});

describe('cache and MES events', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it('a progress event is never followed by a stale read: each report shows in the next query at once', async () => {
    const wo = (await reportableWorkOrders(hub, '2000'))[0]!;
    const read = async () =>
      (
        await gql(
          hub.gateway,
          'query($o: ID!, $w: ID!) { productionOrder(id: $o) { producedQuantity } workOrder(id: $w) { quantity operations { goodQuantity } } }',
          { o: wo.productionOrderId, w: wo.workOrderId },
        )
      ).body.data!;
    await read(); // warm: the order's work orders are now cached (10 s TTL)
    const client = wsClient(hub.gateway);
    const sub = collect(client, 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId producedQuantity } }', { id: wo.productionOrderId });
    await until(async () => (await subscriptionsActive(hub.gateway)) >= 1, 10_000, 'subscription');
    try {
      for (let k = 1; k <= 4; k++) {
        await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: wo.step, scrapQuantity: 0 });
        const events = await sub.waitFor(k);
        // Told of the event: the very next read must include it.
        const now = await read();
        expect(now.productionOrder.producedQuantity).toBe(events[k - 1].producedQuantity);
        const raw = await getJson(`${hub.mesApi}/api/v1/job-orders/${wo.workOrderId}`);
        const factor = now.workOrder.quantity / raw.quantity;
        expect(now.workOrder.operations.map((o: Json) => o.goodQuantity)).toEqual(
          [...raw.segments].sort((a: Json, b: Json) => a.sequence - b.sequence).map((s: Json) => s.goodQuantity * factor),
        );
      }
    } finally {
      await client.dispose();
    }
  });
});
