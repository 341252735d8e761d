import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM, confirmableJobs, confirmInput, expectOperationTotals, planConfirmations, rng, type Planned } from './support/closed-loop.ts';
import { admin, gql, startHub, uniquePrefix, type Hub } from './support/hub.ts';
import { hubReconciliation, keyOf, readPlant, type Json } from './support/raw-plant.ts';

const TOTAL = 1000;
const CONCURRENCY = 16;

describe('closed loop under retries, an ERP outage and a subgraph restart', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { CACHE_PREFIX: uniquePrefix('int'), UPSTREAM_TIMEOUT_MS: '10000', CONFIRM_WAIT_MS: '1000', RELAY_MAX_BACKOFF_MS: '300' } });
  });
  afterAll(() => hub?.close());

  it('1,000 confirmations end with ERP totals equal to MES totals, none lost and none twice', async () => {
    const random = rng(2024);
    const t = await confirmableJobs(hub.erpApi, hub.mesApi, 40);
    const { jobs: targets } = t;
    const planned = planConfirmations(t, TOTAL, random, 'load');

    // An operator's token: the writes are declared @requiresScopes(production:write).
    const writer = await hub.as(['operator']);
    const ids = new Map<string, string>();
    const statuses: Record<string, number> = {};
    let retries = 0;
    const once = async (p: Planned) => {
      const res = await gql(hub.gateway, CONFIRM, confirmInput(p), writer);
      expect(res.body.errors, p.key).toBeUndefined();
      const c = res.body.data!.confirmOperation;
      const seen = ids.get(p.key);
      if (seen) expect(c.id, 'a retry answers the first confirmation').toBe(seen);
      else ids.set(p.key, c.id);
      statuses[c.status] = (statuses[c.status] ?? 0) + 1;
    };
    // Each confirmation is sent once, and at random also retried at the same time or right after.
    const sendAll = async (batch: Planned[]) => {
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < batch.length) {
          const p = batch[next++]!;
          const r = random();
          if (r < 0.2) {
            retries++;
            await Promise.all([once(p), once(p)]);
          } else {
            await once(p);
            if (r < 0.4) {
              retries++;
              await once(p);
            }
          }
        }
      }));
    };
    const pending = async () => {
      const res = await gql(hub.gateway, '{ pendingConfirmations(first: 1000) { id status } }');
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.pendingConfirmations as Json[];
    };

    await sendAll(planned.slice(0, 400));
    await admin.faults(hub.erpApi, { down: true });
    const outageStart = Date.now();
    await sendAll(planned.slice(400, 600));
    const queuedBeforeRestart = (await pending()).length;
    expect(queuedBeforeRestart).toBeGreaterThan(0);
    await hub.stopMesSubgraph();
    await hub.startMesSubgraph();
    const queuedAfterRestart = await pending();
    expect(queuedAfterRestart.length).toBeGreaterThanOrEqual(queuedBeforeRestart);
    expect(queuedAfterRestart.every((c) => c.status === 'PENDING')).toBe(true);
    await sendAll([...planned.slice(600, 800), ...planned.slice(400, 450)]);
    await admin.clearFaults(hub.erpApi);
    const outageMs = Date.now() - outageStart;
    await sendAll(planned.slice(800));
    const deadline = Date.now() + 60_000;
    while ((await pending()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await pending()).toEqual([]);

    // No loss, no duplicate: exactly one ERP booking per confirmation, each with its own reference.
    const after = await readPlant(hub.erpApi, hub.mesApi);
    const ours = after.confirmations.filter((c) => /\/CF-[0-9a-f]{24}$/.test(c.ExternalReference ?? ''));
    expect(ours).toHaveLength(TOTAL);
    expect(new Set(ours.map((c) => c.ExternalReference)).size).toBe(TOTAL);
    expect(new Set(ids.values()).size).toBe(TOTAL);

    // Per operation: ERP confirmed = MES reported (converted) = what was sent.
    expectOperationTotals(after, t, planned, ours);
    // Per order: the ERP's books equal the MES's actuals, so reconciliation sees no drift on them.
    const touched = new Set(targets.map((j) => j.erpOrder));
    const report = await hubReconciliation(hub.gateway, gql);
    expect(report.filter((d) => d.productionOrder && touched.has(d.productionOrder.id)).map(keyOf)).toEqual([]);
    const fields = 'id confirmedQuantity confirmedScrapQuantity producedQuantity scrapQuantity';
    const q = await gql(hub.gateway, `{ ${[...touched].map((id, i) => `o${i}: productionOrder(id: "${id}") { ${fields} }`).join(' ')} }`);
    expect(q.body.errors).toBeUndefined();
    const totals = Object.values(q.body.data!) as Json[];
    expect(totals).toHaveLength(touched.size);
    for (const o of totals) {
      expect(o.confirmedQuantity, o.id).toBeCloseTo(o.producedQuantity, 6);
      expect(o.confirmedScrapQuantity, o.id).toBeCloseTo(o.scrapQuantity, 6);
    }
    console.info(JSON.stringify({ confirmations: TOTAL, retries, statuses, queuedBeforeRestart, queuedAfterRestart: queuedAfterRestart.length, outageMs, erpBookings: ours.length }));
  }, 180_000);
});
