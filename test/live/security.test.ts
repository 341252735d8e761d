import { WebSocket } from 'ws';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, gql, redisEnv, startHub, type Hub } from '../support/hub.ts';
import { collect, reportableWorkOrders, subscriptionsActive, until, wsClient, wsUrl, type Json, type ReportableWorkOrder } from '../support/live.ts';

/** Restricted fields reachable from a progress event, and the scope each needs (README, "Security"). */
const RESTRICTED = {
  plannedCost: { scope: 'finance:read', read: (e: Json) => e.productionOrder?.plannedCost },
  standardCost: { scope: 'finance:read', read: (e: Json) => e.productionOrder?.material?.standardCost },
  processParameters: { scope: 'engineering:read', read: (e: Json) => e.productionOrder?.workOrders?.[0]?.operations?.[0]?.processParameters },
} as const;

const QUERY = `subscription($id: ID) { productionOrderProgress(id: $id) {
  eventId producedQuantity
  productionOrder { id plannedQuantity plannedCost material { description standardCost } workOrders { id operations { sequence processParameters { name value } } } }
} }`;

const ROLE_SCOPES: Record<string, string[]> = {
  anonymous: [],
  planner: ['production:write'],
  finance: ['finance:read'],
  engineer: ['engineering:read'],
  admin: ['finance:read', 'engineering:read', 'production:write'],
};

describe('subscriptions apply the same field scopes as queries (graphql-ws)', () => {
  let hub: Hub;
  let wo: ReportableWorkOrder;
  beforeAll(async () => {
    hub = await startHub({ env: redisEnv('livesec') });
    wo = (await reportableWorkOrders(hub, '1000'))[0]!;
  });
  afterAll(() => hub?.close());

  it('every role sees exactly its restricted fields in the same event; the shared read never leaks across scopes', async () => {
    const subs = await Promise.all(
      Object.keys(ROLE_SCOPES).map(async (role) => {
        const params = role === 'anonymous' ? undefined : await hub.as([role]);
        const client = wsClient(hub.gateway, params);
        return { role, client, sub: collect(client, QUERY, { id: wo.productionOrderId }) };
      }),
    );
    await until(async () => (await subscriptionsActive(hub.gateway)) >= subs.length, 10_000, 'subscriptions');
    await admin.progress(hub.mesApi, { workOrderId: wo.workOrderId, goodQuantity: wo.step, scrapQuantity: 0 });
    // What a query reads for the same order (its values are checked against the systems in security-fields).
    const truth = (await gql(hub.gateway, `query($id: ID!) { productionOrder(id: $id) {
      plannedCost material { standardCost } workOrders { operations { processParameters { name value } } } } }`, { id: wo.productionOrderId }, await hub.as(['admin']))).body.data;
    for (const { role, client, sub } of subs) {
      const [event] = await sub.waitFor(1);
      const result = sub.results[0];
      expect(event.productionOrder.plannedQuantity, role).toBeGreaterThan(0);
      for (const [field, rule] of Object.entries(RESTRICTED)) {
        const allowed = ROLE_SCOPES[role]!.includes(rule.scope);
        const value = rule.read(event);
        const refused = (result.errors ?? []).filter((e: Json) => e.extensions?.code === 'FORBIDDEN' && e.path?.includes(field));
        if (allowed) {
          expect(value, `${role} may read ${field}`).not.toBeNull();
          expect(value, `${role} may read ${field}`).toEqual(rule.read(truth));
          expect(refused, `${role} ${field}`).toEqual([]);
        } else {
          expect(value ?? null, `${role} may not read ${field}`).toBeNull();
          expect(refused.length, `${role} gets FORBIDDEN at ${field}`).toBeGreaterThan(0);
        }
      }
      await client.dispose();
    }
  });

  it('subscriptions are held to the same depth, alias and cost limits as queries', async () => {
    const client = wsClient(hub.gateway);
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: eventId`).join(' ');
    const sub = collect(client, `subscription { equipmentStateChanged { ${aliases} } }`);
    await until(() => sub.errors.length > 0 || sub.completed, 10_000, 'the refusal');
    const errors = sub.errors[0] as Json[];
    expect(errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases' });
    await client.dispose();
  });

  it('a bad token in connection_init closes the WebSocket with 4401', async () => {
    const ws = new WebSocket(wsUrl(hub.gateway), 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer forged.token.value' } }));
    const { code, reason } = await closed;
    expect(code).toBe(4401);
    expect(reason).toMatch(/Unauthorized/);
  });

  it('a bad token on the SSE transport is a 401 UNAUTHENTICATED, and no events flow', async () => {
    const res = await fetch(new URL('/graphql/stream', hub.gateway), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer forged.token.value' },
      body: JSON.stringify({ query: 'subscription { equipmentStateChanged { eventId } }' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Json).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // A valid token on the same transport is served.
    const client = createSseClient({ url: new URL('/graphql/stream', hub.gateway).toString(), headers: await hub.as(['finance']), retryAttempts: 0 });
    const got: Json[] = [];
    const dispose = client.subscribe({ query: 'subscription { equipmentStateChanged { eventId state } }' }, {
      next: (r) => void got.push(r),
      error: (e) => void got.push({ error: String(e) }),
      complete: () => undefined,
    });
    await until(async () => (await subscriptionsActive(hub.gateway)) >= 1, 10_000, 'sse subscription');
    await admin.equipmentState(hub.mesApi, { equipmentId: 'EQ-1000-01', state: 'DOWN' });
    await until(() => got.length > 0, 15_000, 'an SSE event');
    expect(got[0].data.equipmentStateChanged.state).toBe('DOWN');
    dispose();
    client.dispose();
  });
});
