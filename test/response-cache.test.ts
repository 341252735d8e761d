import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_TTLS } from '../lib/config.ts';
import { admin, gql, startHub, TEST_REDIS_URL, type Hub } from './support/hub.ts';
import { collect, metricValue, reportableWorkOrders, subscriptionsActive, until, wsClient } from './support/live.ts';
import { startOwnRedis } from './support/redis-servers.ts';

const PROGRESS = 'query Progress($id: ID!) { productionOrder(id: $id) { id producedQuantity progress workOrders { id operations { goodQuantity } } } }';
const COSTS = 'query Costs($id: ID!) { productionOrder(id: $id) { id status plannedCost } }';
const STATUS = 'query Status($id: ID!) { productionOrder(id: $id) { id status plannedQuantity material { description } } }';

// Entries live an hour: only an invalidation, never a TTL, can make a cached answer change in these tests.
const LONG_TTLS = { CACHE_TTLS: JSON.stringify(Object.fromEntries(Object.keys(DEFAULT_CACHE_TTLS).map((k) => [k, 3600]))), RESPONSE_CACHE_MAX_TTL_S: '3600' };

/** GraphQL requests the two subgraphs have served so far. */
const subgraphRequests = async (hub: Hub) =>
  (await metricValue(hub.erpSubgraph, 'hub_graphql_requests_total')) + (await metricValue(hub.mesSubgraph, 'hub_graphql_requests_total'));
const answers = (hub: Hub, outcome: string) => metricValue(hub.gateway, 'hub_response_cache_total', `outcome="${outcome}"`);

/** Runs a query and waits until the gateway has stored (or refused to store) its answer. */
async function cached(hub: Hub, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const before = (await answers(hub, 'stored')) + (await answers(hub, 'refused'));
  const res = await gql(hub.gateway, query, variables, headers);
  expect(res.body.errors).toBeUndefined();
  await until(async () => (await answers(hub, 'stored')) + (await answers(hub, 'refused')) > before, 5000, 'the answer to be stored');
  return res;
}

describe('response cache (Redis)', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: LONG_TTLS });
  });
  afterAll(() => hub?.close());

  it('a repeated query is answered from the cache: the same answer, no subgraph request', async () => {
    const first = await cached(hub, STATUS, { id: '1000045' });
    const before = await subgraphRequests(hub);
    const hits = await answers(hub, 'hit');
    const second = await gql(hub.gateway, STATUS, { id: '1000045' });
    expect(second.body).toEqual(first.body);
    expect(await subgraphRequests(hub)).toBe(before);
    expect(await answers(hub, 'hit')).toBe(hits + 1);
  });

  it('a progress event injected at the demo MES drops the cached answer: the next read shows it', async () => {
    const wo = (await reportableWorkOrders(hub, '1000'))[0]!;
    const read = async () => (await gql(hub.gateway, PROGRESS, { id: wo.productionOrderId })).body.data!.productionOrder;
    await cached(hub, PROGRESS, { id: wo.productionOrderId });
    const hits = await answers(hub, 'hit');
    const old = await read();
    expect(await answers(hub, 'hit')).toBe(hits + 1); // served from the cache before the event
    const client = wsClient(hub.gateway);
    try {
      const sub = collect(client, 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId producedQuantity } }', { id: wo.productionOrderId });
      await until(async () => (await subscriptionsActive(hub.gateway)) >= 1, 10_000, 'subscription');
      await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: wo.step, scrapQuantity: 0 });
      const [event] = await sub.waitFor(1);
      // Told of the event, a client's very next read must show it, although the entry's TTL is an hour.
      const now = await read();
      expect(now.producedQuantity).toBe(event.producedQuantity);
      expect(now.producedQuantity).toBeGreaterThan(old.producedQuantity);
    } finally {
      await client.dispose();
    }
  });

  it('callers with different scopes never share an entry', async () => {
    const finance = await hub.as(['finance']);
    await cached(hub, STATUS, { id: '1000046' }, finance);
    const hits = await answers(hub, 'hit');
    const before = await subgraphRequests(hub);
    // An engineer (authenticated too, other scopes) and an anonymous caller: executed, not answered
    // from the finance caller's entry.
    for (const headers of [await hub.as(['engineer']), {}]) {
      const other = await gql(hub.gateway, STATUS, { id: '1000046' }, headers);
      expect(other.body.errors).toBeUndefined();
    }
    expect(await answers(hub, 'hit')).toBe(hits);
    expect(await subgraphRequests(hub)).toBeGreaterThan(before);
    // Another finance caller (another `sub`, the same scopes) shares the finance entry.
    await gql(hub.gateway, STATUS, { id: '1000046' }, await hub.as(['finance'], 'another-finance-user'));
    expect(await answers(hub, 'hit')).toBe(hits + 1);
  });

  it('restricted fields never leak: answers with them are not stored, and others still get FORBIDDEN', async () => {
    const finance = await hub.as(['finance']);
    const stored = await answers(hub, 'stored');
    const first = await gql(hub.gateway, COSTS, { id: '1000047' }, finance);
    expect(first.body.data!.productionOrder.plannedCost).toEqual(expect.any(Number));
    const before = await subgraphRequests(hub);
    const second = await gql(hub.gateway, COSTS, { id: '1000047' }, finance);
    expect(second.body).toEqual(first.body);
    expect(await subgraphRequests(hub)).toBeGreaterThan(before); // executed (and audited) again
    expect(await answers(hub, 'stored')).toBe(stored);
    const anonymous = await gql(hub.gateway, COSTS, { id: '1000047' });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(anonymous.body.data?.productionOrder?.plannedCost ?? null).toBeNull();
    // Nothing stored anywhere holds the cost.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`{${hub.config.cachePrefix}:rc}:a:*`);
      const values = keys.length ? await redis.mget(...keys) : [];
      expect(keys.length).toBeGreaterThan(0);
      for (const v of values) expect(v).not.toContain('plannedCost');
    } finally {
      redis.disconnect();
    }
  });
});

describe('request coalescing (RESPONSE_CACHE=off)', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { RESPONSE_CACHE: 'off' } });
  });
  afterAll(() => hub?.close());

  it('identical concurrent requests run once, and every caller gets the whole answer', async () => {
    const first = await gql(hub.gateway, STATUS, { id: '1000048' });
    expect(first.body.errors).toBeUndefined();
    const before = await subgraphRequests(hub);
    const all = await Promise.all(Array.from({ length: 20 }, () => gql(hub.gateway, STATUS, { id: '1000048' })));
    for (const r of all) expect(r.body).toEqual(first.body);
    // One execution (two subgraph requests) per wave of identical requests, not twenty.
    expect((await subgraphRequests(hub)) - before).toBeLessThan(20);
    expect(await answers(hub, 'shared')).toBeGreaterThan(0);
  });

  it('a mutation is never shared: each identical concurrent write runs', async () => {
    const before = await answers(hub, 'shared');
    const query = 'mutation($id: ID!, $k: String!) { releaseProductionOrder(id: $id, idempotencyKey: $k) { id } }';
    const planner = await hub.as(['planner']);
    await Promise.all(Array.from({ length: 5 }, () => gql(hub.gateway, query, { id: '9999999', k: 'coalesce-test' }, planner)));
    await Promise.all(Array.from({ length: 5 }, () => gql(hub.gateway, query, { id: '9999999', k: 'coalesce-test' }, planner)));
    expect(await answers(hub, 'shared')).toBe(before);
  });
});

describe('REQUEST_COALESCING=off (and RESPONSE_CACHE=off)', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { RESPONSE_CACHE: 'off', REQUEST_COALESCING: 'off' } });
  });
  afterAll(() => hub?.close());

  it('identical concurrent requests each execute, and each gets the whole answer', async () => {
    const first = await gql(hub.gateway, STATUS, { id: '1000048' });
    expect(first.body.errors).toBeUndefined();
    const executed = await answers(hub, 'executed');
    const all = await Promise.all(Array.from({ length: 20 }, () => gql(hub.gateway, STATUS, { id: '1000048' })));
    for (const r of all) expect(r.body).toEqual(first.body);
    expect(await answers(hub, 'executed')).toBe(executed + 20);
    expect(await answers(hub, 'shared')).toBe(0);
  });
});

describe('event-path invalidation', () => {
  it('an equipment event drops the equipment lists without a keyspace SCAN', async () => {
    const redis = await startOwnRedis();
    const url = `redis://127.0.0.1:${redis.port}`;
    const hub = await startHub({ env: { REDIS_URL: url, CACHE_PREFIX: 'scan-test', ...LONG_TTLS } });
    const client = new Redis(url);
    try {
      const list = async () =>
        (await gql(hub.gateway, '{ equipmentList(plant: "1000") { id state } }')).body.data!.equipmentList as { id: string; state: string }[];
      const before = await list();
      const eq = before[0]!;
      const next = eq.state === 'DOWN' ? 'IDLE' : 'DOWN';
      const scans = async () => Number(/cmdstat_scan:calls=(\d+)/.exec(await client.info('commandstats'))?.[1] ?? 0);
      const scansBefore = await scans();
      await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: next });
      await until(async () => (await list()).find((e) => e.id === eq.id)?.state === next, 10_000, 'the new state in the list');
      expect(await scans()).toBe(scansBefore);
    } finally {
      client.disconnect();
      await hub.close();
      await redis.stop();
    }
  });
});
