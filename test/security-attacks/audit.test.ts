import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../lib/audit.ts';
import { admin, getJson, gql, startHub, type Hub } from '../support/hub.ts';
import { collect, subscriptionsActive, until, wsClient } from '../support/live.ts';

const SUBSCRIPTION = `subscription CostWatch($id: ID) { productionOrderProgress(id: $id) { eventId productionOrder { id plannedCost } } }`;

describe('attack: audit gaps, production mode', () => {
  let hub: Hub;
  let file: string;
  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'hub-attack-audit-')), 'audit.log');
    hub = await startHub({ env: { NODE_ENV: 'production', AUDIT_LOG: file } });
  }, 120_000);
  afterAll(() => hub?.close());

  const records = (): AuditRecord[] =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord) : [];

  it('a shared subscription read is audited once per subscriber that received (or was refused) the restricted field', async () => {
    // Any running work order: without a filter every subscriber sees its progress event.
    const jobs = (await getJson(`${hub.mesApi}/api/v1/job-orders?status=RUNNING&limit=1`)).items as { id: string }[];
    const subscribers = [
      { sub: 'fin-a', roles: ['finance'] },
      { sub: 'fin-b', roles: ['finance'] },
      { sub: 'plan-c', roles: ['planner'] },
    ];
    const clients = await Promise.all(subscribers.map(async (s) => wsClient(hub.gateway, await hub.as(s.roles, s.sub))));
    const subs = clients.map((c) => collect(c, SUBSCRIPTION));
    await until(async () => (await subscriptionsActive(hub.gateway)) >= subs.length, 10_000, 'subscriptions');
    await admin.progress(hub.mesApi, { workOrderId: jobs[0]!.id, goodQuantity: 1, scrapQuantity: 0 });
    const [first] = await subs[0]!.waitFor(1);
    await Promise.all(subs.map((s) => s.waitFor(1)));
    expect(first.productionOrder.plannedCost).toEqual(expect.any(Number));
    const eventId = first.eventId as string;
    await until(() => records().filter((r) => r.service === 'gateway' && r.ids.includes(eventId)).length >= 3, 10_000, 'three delivery records');
    const deliveries = records().filter((r) => r.service === 'gateway' && r.ids.includes(eventId));
    expect(deliveries.map((r) => r.who).sort()).toEqual(['fin-a', 'fin-b', 'plan-c']);
    for (const r of deliveries) {
      expect(r).toMatchObject({ type: 'audit', operation: 'CostWatch', fields: ['ProductionOrder.plannedCost'] });
      expect(r.outcome).toBe(r.who === 'plan-c' ? 'denied' : 'ok');
      expect(r.ids).toContain(first.productionOrder.id);
    }
    // Each subscription has its own request id.
    expect(new Set(deliveries.map((r) => r.requestId)).size).toBe(3);
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it('the gateway makes every requestId; a client x-request-id is kept beside it, never reused as it', async () => {
    const query = '{ productionOrders(first: 1) { edges { node { id plannedCost } } } }';
    const sameId = 'chosen-by-the-client-1';
    for (const sub of ['ann', 'bob']) {
      const res = await gql(hub.gateway, query, undefined, { ...(await hub.as(['finance'], sub)), 'x-request-id': sameId });
      expect(res.status).toBe(200);
    }
    await until(() => records().filter((r) => r.service === 'erp' && r.clientRequestId === sameId).length >= 2, 10_000, 'two records');
    const mine = records().filter((r) => r.service === 'erp' && r.clientRequestId === sameId);
    expect(mine.map((r) => r.who).sort()).toEqual(['ann', 'bob']);
    expect(mine[0]!.requestId).not.toBe(sameId);
    expect(mine[0]!.requestId).not.toBe(mine[1]!.requestId);
    expect(mine[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
