import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient as createSseClient } from 'graphql-sse';
import { PROGRESS_SUBSCRIPTION } from '../../gateway/examples.ts';
import { admin, gql, redisEnv, startHub, type Hub } from '../support/hub.ts';
import { collect, metricValue, reportableWorkOrders, subscriptionsActive, until, wsClient, type Json, type ReportableWorkOrder } from '../support/live.ts';

const PROGRESS = `subscription Progress($id: ID, $plant: ID, $after: ID) {
  productionOrderProgress(id: $id, plant: $plant, after: $after) {
    eventId occurredAt kind operationSequence goodQuantityDelta producedQuantity progress
    productionOrder {
      id plannedQuantity unit producedQuantity scrapQuantity
      material { description stock { plant quantity } }
      workOrders { id status }
    }
    workOrder { id status currentOperation { sequence equipment { id state } } }
  }
}`;

describe('live progress through the gateway (graphql-ws)', () => {
  let hub: Hub;
  let plant1: ReportableWorkOrder[];
  let plant2: ReportableWorkOrder[];
  beforeAll(async () => {
    hub = await startHub({ env: redisEnv('live') });
    [plant1, plant2] = await Promise.all([reportableWorkOrders(hub, '1000'), reportableWorkOrders(hub, '2000')]);
    expect(plant1.length).toBeGreaterThanOrEqual(4);
    expect(plant2.length).toBeGreaterThanOrEqual(2);
  });
  afterAll(() => hub?.close());

  async function subscribed(n: number): Promise<void> {
    await until(async () => (await subscriptionsActive(hub.gateway)) >= n, 10_000, `${n} active subscriptions`);
  }

  it('a progress report at the MES arrives with ERP and MES fields resolved and the new quantity', async () => {
    const wo = plant1[0]!;
    const client = wsClient(hub.gateway);
    const before = (await gql(hub.gateway, 'query($id: ID!) { productionOrder(id: $id) { producedQuantity } }', { id: wo.productionOrderId }))
      .body.data!.productionOrder.producedQuantity as number;
    const sub = collect(client, PROGRESS, { id: wo.productionOrderId });
    await subscribed(1);
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: wo.step, scrapQuantity: 0 });
    const [e] = await sub.waitFor(1);
    expect(sub.results[0].errors).toBeUndefined();
    expect(e.eventId).toMatch(/^\d+-\d+$/);
    expect(e.kind).toBe('PROGRESS_REPORTED');
    // ERP fields
    expect(e.productionOrder.id).toBe(wo.productionOrderId);
    expect(e.productionOrder.plannedQuantity).toBeGreaterThan(0);
    expect(e.productionOrder.material.description).toEqual(expect.any(String));
    expect(e.productionOrder.material.stock.length).toBeGreaterThan(0);
    // MES fields, already including this report
    expect(e.productionOrder.workOrders.map((w: Json) => w.id)).toContain(wo.workOrderId);
    expect(e.workOrder).toMatchObject({ id: wo.workOrderId, status: 'RUNNING' });
    expect(e.goodQuantityDelta).toBeGreaterThan(0);
    expect(e.producedQuantity).toBeCloseTo(before + e.goodQuantityDelta, 6);
    expect(e.productionOrder.producedQuantity).toBe(e.producedQuantity);
    expect(e.progress).toBeCloseTo(Math.min(1, e.producedQuantity / e.productionOrder.plannedQuantity), 5);
    const after = await gql(hub.gateway, 'query($id: ID!) { productionOrder(id: $id) { producedQuantity } }', { id: wo.productionOrderId });
    expect(after.body.data!.productionOrder.producedQuantity).toBe(e.producedQuantity);
    await client.dispose();
  });

  it('filters by order id and by plant: a subscriber sees only its orders', async () => {
    const [a, b] = [plant1[1]!, plant1[2]!];
    const other = plant2[0]!;
    const client = wsClient(hub.gateway);
    const q = 'subscription($id: ID, $plant: ID) { productionOrderProgress(id: $id, plant: $plant) { eventId productionOrder { id plant } } }';
    const byA = collect(client, q, { id: a.productionOrderId });
    const byB = collect(client, q, { id: b.productionOrderId });
    // The explorer's example subscription, as a newcomer would run it.
    const plantOne = collect(client, PROGRESS_SUBSCRIPTION, { plant: '1000' });
    const plantTwo = collect(client, q, { plant: '2000' });
    const all = collect(client, q);
    await subscribed(5);
    await admin.progress(hub.mesApi, { workOrderId: a.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    await admin.progress(hub.mesApi, { workOrderId: other.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    // The last event reaches `all` after every other subscriber had its chance at the earlier ones.
    await all.waitFor(2);
    await plantTwo.waitFor(1);
    await byA.waitFor(1);
    await plantOne.waitFor(1);
    expect(byA.events.map((e) => e.productionOrder.id)).toEqual([a.productionOrderId]);
    expect(byB.events).toEqual([]);
    expect(plantOne.events.map((e) => e.productionOrder.id)).toEqual([a.productionOrderId]);
    expect(plantTwo.events.map((e) => e.productionOrder.id)).toEqual([other.productionOrderId]);
    expect(plantTwo.events[0].productionOrder.plant).toBe('2000');
    await client.dispose();
  });

  it('equipment state changes arrive with the equipment resolved and the previous state', async () => {
    const list = (await gql(hub.gateway, '{ equipmentList(plant: "1000") { id state } }')).body.data!.equipmentList as Json[];
    const eq = list.find((e) => e.state !== 'DOWN')!;
    const client = wsClient(hub.gateway);
    const q = 'subscription($id: ID) { equipmentStateChanged(id: $id) { eventId previousState state equipment { id name state workCenter } } }';
    const mine = collect(client, q, { id: eq.id });
    const others = collect(client, q, { id: list.find((e) => e.id !== eq.id)!.id });
    await subscribed(2);
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: 'DOWN' });
    const [e] = await mine.waitFor(1);
    expect(e).toMatchObject({ previousState: eq.state, state: 'DOWN', equipment: { id: eq.id, state: 'DOWN' } });
    expect(e.equipment.name).toEqual(expect.any(String));
    expect(others.events).toEqual([]);
    await admin.equipmentState(hub.mesApi, { equipmentId: eq.id, state: eq.state });
    await mine.waitFor(2);
    await client.dispose();
  });

  it('resuming with after a forced disconnect yields exactly the missed events, then live ones', async () => {
    const wo = plant1[3]!;
    const first = wsClient(hub.gateway);
    const q = 'subscription($id: ID, $after: ID) { productionOrderProgress(id: $id, after: $after) { eventId goodQuantityDelta } }';
    const sub = collect(first, q, { id: wo.productionOrderId });
    await subscribed(1);
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    const [seen] = await sub.waitFor(1);
    await first.terminate();
    await first.dispose();
    const missed: string[] = [];
    for (let i = 0; i < 3; i++) await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    // The missed events are in the stream (read back through a fresh subscription from the start of this test).
    const probe = wsClient(hub.gateway);
    const all = collect(probe, q, { id: wo.productionOrderId, after: '0-0' });
    await all.waitFor(4);
    missed.push(...all.events.slice(1).map((e) => e.eventId));
    expect(all.events[0].eventId).toBe(seen.eventId);
    await probe.dispose();

    const second = wsClient(hub.gateway);
    const resumed = collect(second, q, { id: wo.productionOrderId, after: seen.eventId });
    await resumed.waitFor(3);
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    await resumed.waitFor(4);
    await new Promise((r) => setTimeout(r, 300));
    const ids = resumed.events.map((e) => e.eventId);
    expect(ids.slice(0, 3)).toEqual(missed);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    await second.dispose();
  });

  it('subscribe-time errors come back as graphql-ws errors with codes', async () => {
    const client = wsClient(hub.gateway);
    const invalid = collect(client, 'subscription { productionOrderProgress { nope } }');
    const badAfter = collect(client, 'subscription { equipmentStateChanged(after: "yesterday") { eventId } }');
    const unparsable = collect(client, 'subscription {');
    await until(() => invalid.errors.length + badAfter.errors.length + unparsable.errors.length === 3);
    expect((invalid.errors[0] as Json)[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((badAfter.errors[0] as Json)[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after' });
    expect((unparsable.errors[0] as Json)[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    // Queries work over the same socket, through the gateway's normal path.
    const query = collect(client, '{ productionOrders(first: 1) { totalCount } }');
    await query.waitFor(1);
    expect(query.events[0].totalCount).toBeGreaterThan(0);
    await client.dispose();
  });

  it('a subscription sent as a plain HTTP request is refused with a pointer to WebSocket and SSE', async () => {
    const res = await gql(hub.gateway, 'subscription { equipmentStateChanged { eventId } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.message).toMatch(/WebSocket.*\/graphql\/stream/);
  });

  it('200 identical subscribers cost one federated fetch per event', async () => {
    const wo = plant1[4]!;
    const q = `subscription($plant: ID) { productionOrderProgress(plant: $plant) {
      eventId producedQuantity productionOrder { id plannedQuantity material { description stock { quantity } } workOrders { id status } }
    } }`;
    // Cost of one event with one subscriber, in federated reads and calls to the ERP and MES.
    const costOf = async (subscribers: number) => {
      const clients = Array.from({ length: subscribers }, () => wsClient(hub.gateway));
      const subs = clients.map((c) => collect(c, q, { plant: '1000' }));
      await subscribed(subscribers);
      const fetches = await metricValue(hub.gateway, 'hub_subscription_fetches_total');
      await Promise.all([admin.resetStats(hub.erpApi), admin.resetStats(hub.mesApi)]);
      for (let i = 0; i < 2; i++) await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
      await Promise.all(subs.map((s) => s.waitFor(2, 30_000)));
      const [erp, mes] = await Promise.all([admin.stats(hub.erpApi), admin.stats(hub.mesApi)]);
      const cost = {
        fetches: (await metricValue(hub.gateway, 'hub_subscription_fetches_total')) - fetches,
        erpCalls: erp.total,
        mesCalls: mes.total - (mes.calls['GET /api/v1/events'] ?? 0),
      };
      for (const s of subs) expect(s.events.map((e) => e.productionOrder.id)).toEqual([wo.productionOrderId, wo.productionOrderId]);
      await Promise.all(clients.map((c) => c.dispose()));
      await until(async () => (await subscriptionsActive(hub.gateway)) === 0);
      return cost;
    };
    // The bridge looks a work order's material up once; a first report, seen through, keeps that out of the figures.
    const warmClient = wsClient(hub.gateway);
    const warm = collect(warmClient, 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId } }', { id: wo.productionOrderId });
    await subscribed(1);
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    await warm.waitFor(1);
    await warmClient.dispose();
    await until(async () => (await subscriptionsActive(hub.gateway)) === 0);
    const one = await costOf(1);
    const many = await costOf(200);
    expect(one.fetches).toBe(2);
    expect(many).toEqual(one);
    expect(many.erpCalls).toBeGreaterThan(0);
  }, 60_000);

  it('GraphQL over SSE: the same subscription on /graphql/stream and on /graphql with Accept: text/event-stream', async () => {
    const wo = plant1[5]!;
    const q = 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId producedQuantity productionOrder { id plannedQuantity workOrders { id } } } }';
    const origin = new URL(hub.gateway).origin;
    const received: Record<string, Json[]> = { stream: [], graphql: [] };
    const disposers = (['stream', 'graphql'] as const).map((path) => {
      const client = createSseClient({ url: path === 'stream' ? `${origin}/graphql/stream` : `${origin}/graphql`, retryAttempts: 0 });
      const dispose = client.subscribe({ query: q, variables: { id: wo.productionOrderId } }, {
        next: (r) => void received[path]!.push(r),
        error: (e) => void received[path]!.push({ error: String(e) }),
        complete: () => undefined,
      });
      return () => (dispose(), client.dispose());
    });
    await subscribed(2);
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    await until(() => received.stream!.length > 0 && received.graphql!.length > 0);
    for (const path of ['stream', 'graphql']) {
      const e = received[path]![0].data.productionOrderProgress;
      expect(e.productionOrder).toMatchObject({ id: wo.productionOrderId, plannedQuantity: expect.any(Number) });
      expect(e.productionOrder.workOrders.length).toBeGreaterThan(0);
    }
    disposers.forEach((d) => d());
  });

  it('ERP down: an event still arrives; MES fields answer, ERP fields carry UPSTREAM_UNAVAILABLE', async () => {
    const wo = plant1[2]!;
    const client = wsClient(hub.gateway);
    const mesOnly = collect(client, 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId workOrder { id status } } }', { id: wo.productionOrderId });
    const withErp = collect(client, 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId productionOrder { plannedQuantity } } }', { id: wo.productionOrderId });
    await subscribed(2);
    await admin.faults(hub.erpApi, { down: true });
    try {
      await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
      await mesOnly.waitFor(1);
      await withErp.waitFor(1);
    } finally {
      await admin.clearFaults(hub.erpApi);
    }
    expect(mesOnly.results[0].errors).toBeUndefined();
    expect(mesOnly.events[0].workOrder).toEqual({ id: wo.workOrderId, status: 'RUNNING' });
    expect(withErp.results[0].errors[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', system: 'erp' });
    // The subscription lives on: the next event, with the ERP back, is whole again.
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: 1, scrapQuantity: 0 });
    const events = await withErp.waitFor(2);
    expect(events[1].productionOrder.plannedQuantity).toBeGreaterThan(0);
    await client.dispose();
  });

  it('counts published events by type and active subscriptions in /metrics', async () => {
    expect(await metricValue(hub.mesSubgraph, 'hub_events_published_total', 'type="ProductionProgress"')).toBeGreaterThan(5);
    expect(await metricValue(hub.mesSubgraph, 'hub_events_published_total', 'type="EquipmentStateChanged"')).toBeGreaterThanOrEqual(2);
    const text = await (await fetch(new URL('/metrics', hub.gateway))).text();
    expect(text).toMatch(/^hub_subscriptions_active\{[^}]*\} \d+/m);
  });
});
