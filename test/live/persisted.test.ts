import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../gateway/security/persisted.ts';
import { admin, redisEnv, startHub, type Hub } from '../support/hub.ts';
import { collect, metricValue, reportableWorkOrders, subscriptionsActive, until, wsClient, type Json, type ReportableWorkOrder } from '../support/live.ts';

/** Reads federated ERP and MES fields per event: the gateway's own per-event query is not in the manifest. */
const LISTED_SUB = 'subscription Listed($id: ID) { productionOrderProgress(id: $id) { eventId productionOrder { id plannedQuantity workOrders { id } } } }';
const LISTED_QUERY = 'query Plants { plants { id name } }';
const UNLISTED_SUB = 'subscription { equipmentStateChanged { eventId state } }';
/** The query `reportableWorkOrders` picks work orders with. */
const SUPPORT_QUERY = 'query($id: ID!) { workOrder(id: $id) { unitConverted productionOrder { id status } } }';

describe('persisted operations for subscriptions (PERSISTED_QUERIES_ONLY=true)', () => {
  let hub: Hub;
  let wo: ReportableWorkOrder;
  let auth: Record<string, string>;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hub-pq-live-')), 'manifest.json');
    const operations = [LISTED_SUB, LISTED_QUERY, SUPPORT_QUERY].map((body, i) => ({ id: sha256(body), name: `Op${i}`, type: i ? 'query' : 'subscription', body }));
    writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
    hub = await startHub({ env: { ...redisEnv('pqlive'), PERSISTED_QUERIES_MANIFEST: file, PERSISTED_QUERIES_ONLY: 'true' } });
    auth = await hub.as(['planner']);
    wo = (await reportableWorkOrders(hub, '1000'))[0]!;
  }, 60_000);
  afterAll(() => hub?.close());

  it('a listed subscription runs over graphql-ws, by text and by hash, with its federated fields read by the gateway', async () => {
    const client = wsClient(hub.gateway, auth);
    const byText = collect(client, LISTED_SUB, { id: wo.productionOrderId });
    const byHash: Json[] = [];
    client.subscribe(
      { query: '', variables: { id: wo.productionOrderId }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LISTED_SUB) } } },
      { next: (r) => void byHash.push(r), error: (e) => void byHash.push({ error: e }), complete: () => undefined },
    );
    await until(async () => (await subscriptionsActive(hub.gateway)) >= 2, 10_000, 'subscriptions');
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: wo.step, scrapQuantity: 0 });
    await byText.waitFor(1);
    await until(() => byHash.length > 0, 15_000, 'the event by hash');
    expect(byText.results[0].errors).toBeUndefined();
    expect(byText.events[0].productionOrder).toMatchObject({ id: wo.productionOrderId, plannedQuantity: expect.any(Number) });
    expect(byText.events[0].productionOrder.workOrders.length).toBeGreaterThan(0);
    expect(byHash[0]).toEqual(byText.results[0]);
    await client.dispose();
  });

  it('a subscription outside the manifest is refused over graphql-ws and SSE, as a query would be', async () => {
    const client = wsClient(hub.gateway, auth);
    const sub = collect(client, UNLISTED_SUB);
    await until(() => sub.errors.length > 0, 10_000, 'the refusal');
    expect((sub.errors[0] as Json[])[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    await client.dispose();
    for (const path of ['/graphql/stream', '/graphql']) {
      const res = await fetch(new URL(path, hub.gateway), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...auth },
        body: JSON.stringify({ query: UNLISTED_SUB }),
      });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as Json).errors[0].extensions.code, path).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    }
  });

  it('a listed query sent over graphql-ws and SSE runs; an unlisted one is refused', async () => {
    const client = wsClient(hub.gateway, auth);
    const listed = collect(client, LISTED_QUERY);
    await listed.waitFor(1);
    expect(listed.events[0].length).toBeGreaterThan(0);
    const unlisted = collect(client, '{ plants { id } }');
    await until(() => unlisted.errors.length > 0 || unlisted.results.length > 0, 10_000, 'an answer');
    expect(JSON.stringify(unlisted.errors.length ? unlisted.errors : unlisted.results)).toContain('PERSISTED_QUERY_NOT_IN_LIST');
    await client.dispose();
    const sse = createSseClient({ url: new URL('/graphql/stream', hub.gateway).toString(), headers: auth, retryAttempts: 0 });
    const got: Json[] = [];
    await new Promise<void>((resolve, reject) => sse.subscribe({ query: LISTED_QUERY }, { next: (r) => void got.push(r), error: reject, complete: resolve }));
    sse.dispose();
    expect(got[0].data.plants).toEqual(listed.events[0]);
  });
});

describe('shared per-event reads', () => {
  let hub: Hub;
  let wo: ReportableWorkOrder;
  beforeAll(async () => {
    hub = await startHub({ env: redisEnv('anonkey') });
    wo = (await reportableWorkOrders(hub, '1000'))[0]!;
  }, 60_000);
  afterAll(() => hub?.close());

  it('anonymous subscribers get a read of their own, never shared with an authenticated caller without scopes', async () => {
    const q = 'subscription($id: ID) { productionOrderProgress(id: $id) { eventId productionOrder { id plannedQuantity } } }';
    const anonymous = wsClient(hub.gateway);
    const noScopes = wsClient(hub.gateway, await hub.as([], 'no-scopes'));
    const subs = [collect(anonymous, q, { id: wo.productionOrderId }), collect(anonymous, q, { id: wo.productionOrderId }), collect(noScopes, q, { id: wo.productionOrderId })];
    await until(async () => (await subscriptionsActive(hub.gateway)) >= 3, 10_000, 'subscriptions');
    const before = await metricValue(hub.gateway, 'hub_subscription_fetches_total');
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: wo.step, scrapQuantity: 0 });
    for (const s of subs) await s.waitFor(1);
    // Two anonymous subscribers share one read; the authenticated caller has one of its own.
    expect((await metricValue(hub.gateway, 'hub_subscription_fetches_total')) - before).toBe(2);
    await anonymous.dispose();
    await noScopes.dispose();
  });
});
