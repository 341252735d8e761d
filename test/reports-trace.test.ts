import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, getJson, gql, startHub, type Hub } from './support/hub.ts';
import { mesAll, rawTrace } from './support/raw-genealogy.ts';
import type { Json } from './support/raw-plant.ts';

// Small enough that the demo plant holds supplier lots on both sides of it, at any seed or timeline.
const MAX_NODES = 12;

const RECALL = `
query Recall($lot: ID!, $depth: Int) {
  traceLot(id: $lot, direction: FORWARD, maxDepth: $depth) {
    depth truncated
    nodes { depth lot { id } next }
    links { consumedLot producedLot quantity unit workOrder { id } }
    ends {
      lot { id status }
      material { id description type }
      workOrder { id }
      productionOrder { id status plannedQuantity unit }
      qualityResults { id result characteristic }
    }
  }
}`;

describe('lot genealogy: traceLot', () => {
  let hub: Hub;
  let consumptions: Json[];
  let lots: Map<string, Json>;
  let jobs: Map<string, Json>;
  let quality: Json[];

  beforeAll(async () => {
    hub = await startHub({ env: { TRACE_MAX_NODES: String(MAX_NODES), TRACE_MAX_DEPTH: '8' } });
    const [c, l, j, q] = await Promise.all([
      mesAll(hub.mesApi, 'lot-consumptions'),
      mesAll(hub.mesApi, 'material-lots'),
      mesAll(hub.mesApi, 'job-orders'),
      mesAll(hub.mesApi, 'quality-results'),
    ]);
    consumptions = c;
    lots = new Map(l.map((x) => [x.id, x]));
    jobs = new Map(j.map((x) => [x.id, x]));
    quality = q;
  }, 60_000);
  afterAll(() => hub?.close());

  /** A purchased lot that fed several work orders and whose forward trace is at least two levels deep. */
  function supplierLot(fits: (size: number) => boolean): { id: string; trace: ReturnType<typeof rawTrace> } {
    for (const lot of lots.values()) {
      if (lot.producedByJobOrder) continue;
      const orders = new Set(consumptions.filter((c) => c.consumedLot === lot.id).map((c) => c.jobOrderId));
      if (orders.size < 3) continue;
      const trace = rawTrace(consumptions, lot.id, 'FORWARD');
      if (Math.max(...trace.depth.values()) >= 2 && fits(trace.depth.size)) return { id: lot.id, trace };
    }
    throw new Error('the demo plant has no such supplier lot');
  }

  it('a recall is one query: every lot a supplier lot went into, with orders and quality results, equal to the raw genealogy', async () => {
    const { id, trace } = supplierLot((n) => n <= MAX_NODES);
    await admin.resetStats(hub.mesApi);
    await admin.resetStats(hub.erpApi);
    const res = await gql(hub.gateway, RECALL, { lot: id });
    expect(res.body.errors).toBeUndefined();
    const t = res.body.data!.traceLot;
    expect(t.truncated).toBe(false);
    expect(new Map(t.nodes.map((n: Json) => [n.lot.id, n.depth]))).toEqual(trace.depth);
    expect(new Set(t.links.map((l: Json) => `${l.consumedLot}>${l.producedLot}`))).toEqual(trace.links);
    expect(new Set(t.ends.map((e: Json) => e.lot.id))).toEqual(trace.ends);
    for (const end of t.ends) {
      const lot = lots.get(end.lot.id);
      const job = jobs.get(lot.producedByJobOrder);
      expect(end.workOrder.id).toBe(job.id);
      expect(end.productionOrder.id).toBe(job.erpOrder);
      expect(end.productionOrder.status).toEqual(expect.any(String));
      expect(end.material.description).toEqual(expect.any(String));
      expect(new Set(end.qualityResults.map((q: Json) => q.id))).toEqual(new Set(quality.filter((q) => q.jobOrderId === job.id).map((q) => q.id)));
    }
    // One MES call per level of the tree (the levels are depth 0..max), never one per lot.
    const levels = Math.max(...trace.depth.values()) + 1;
    const mes = await admin.stats(hub.mesApi);
    expect(mes.calls['POST /api/v1/lot-genealogy']).toBe(levels);
    expect(mes.total).toBe(levels);
    expect(trace.depth.size).toBeGreaterThan(levels);
    // The ERP side (materials and orders of every node) is fetched in batches, not per lot.
    const erp = await admin.stats(hub.erpApi);
    expect(erp.total).toBeLessThanOrEqual(4);
  });

  it('a backward trace of a finished lot reaches the purchased lots, with quantities in ERP units', async () => {
    const finished = [...lots.values()].find((l) => l.producedByJobOrder && rawTrace(consumptions, l.id, 'BACKWARD').depth.size >= 5);
    const trace = rawTrace(consumptions, finished.id, 'BACKWARD');
    const res = await gql(hub.gateway, `query($lot: ID!) { traceLot(id: $lot, direction: BACKWARD) { root { lot { id } } nodes { lot { id } } ends { lot { id } productionOrder { id } } links { consumedLot producedLot quantity unitConverted } } }`, { lot: finished.id });
    expect(res.body.errors).toBeUndefined();
    const t = res.body.data!.traceLot;
    expect(t.root.lot.id).toBe(finished.id);
    expect(new Set(t.nodes.map((n: Json) => n.lot.id))).toEqual(new Set(trace.depth.keys()));
    expect(new Set(t.ends.map((n: Json) => n.lot.id))).toEqual(trace.ends);
    expect(t.ends.every((e: Json) => e.productionOrder === null)).toBe(true);
    expect(t.links.every((l: Json) => l.quantity > 0)).toBe(true);
  });

  it('maxDepth cuts the trace and says so', async () => {
    const { id, trace } = supplierLot((n) => n <= MAX_NODES);
    const res = await gql(hub.gateway, RECALL, { lot: id, depth: 1 });
    const t = res.body.data!.traceLot;
    expect(t.truncated).toBe(true);
    expect(t.depth).toBe(1);
    expect(t.nodes.length).toBe([...trace.depth.values()].filter((d) => d <= 1).length);
  });

  it('bounds: maxDepth past TRACE_MAX_DEPTH is BAD_USER_INPUT, more lots than TRACE_MAX_NODES is QUERY_TOO_COMPLEX', async () => {
    const deep = await gql(hub.gateway, RECALL, { lot: 'L-000001', depth: 9 });
    expect(deep.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const negative = await gql(hub.gateway, RECALL, { lot: 'L-000001', depth: -1 });
    expect(negative.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = supplierLot((n) => n > MAX_NODES);
    const res = await gql(hub.gateway, RECALL, { lot: big.id });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.body.data?.traceLot ?? null).toBeNull();
  });

  it('an unknown lot answers null; a cycle in the MES data is cut, each lot once', async () => {
    const unknown = await gql(hub.gateway, RECALL, { lot: 'L-999999' });
    expect(unknown.body.errors).toBeUndefined();
    expect(unknown.body.data!.traceLot).toBeNull();
    // Two lots booked into each other: bad data a real MES can hold.
    const [a, b] = [...lots.values()].filter((l) => l.producedByJobOrder).slice(0, 2);
    const booking = (id: string, from: Json, into: Json) =>
      fetch(`${hub.mesApi}/admin/records/lot-consumptions/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ producedLot: into.id, consumedLot: from.id, jobOrderId: into.producedByJobOrder, materialCode: from.materialCode, quantity: 1, unit: from.unit, consumedAt: new Date().toISOString() }),
      });
    expect((await booking('C-CYCLE-1', a, b)).status).toBe(201);
    expect((await booking('C-CYCLE-2', b, a)).status).toBe(201);
    const res = await gql(hub.gateway, `query($lot: ID!) { traceLot(id: $lot, direction: FORWARD, maxDepth: 8) { nodes { lot { id } } links { consumedLot producedLot } } }`, { lot: a.id });
    expect(res.body.errors).toBeUndefined();
    const ids = res.body.data!.traceLot.nodes.map((n: Json) => n.lot.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(b.id);
    expect(res.body.data!.traceLot.links).toContainEqual({ consumedLot: b.id, producedLot: a.id });
  });
  it('a work order finished on the shop floor books what it consumed: its new lot traces back to components', async () => {
    const made = new Set([...lots.values()].filter((l) => l.producedByJobOrder && consumptions.some((c) => c.producedLot === l.id)).map((l) => `${l.site}|${l.materialCode}`));
    const job = [...jobs.values()].find((j) => j.status === 'RUNNING' && made.has(`${j.site}|${j.materialCode}`));
    for (let i = 0; i <= job.segments.length; i++) {
      const now = (await getJson(`${hub.mesApi}/api/v1/job-orders/${job.id}`));
      if (now.status === 'COMPLETED') break;
      await admin.progress(hub.mesApi, { workOrderId: job.id, goodQuantity: job.quantity, scrapQuantity: 0 });
    }
    // The lot its completion left (a generated lot may already hold what its last operation had made).
    const lot = (await getJson(`${hub.mesApi}/api/v1/material-lots?producedBy=${job.id}`)).items.find((l: Json) => !lots.has(l.id));
    const booked = (await getJson(`${hub.mesApi}/api/v1/lot-consumptions?producedLots=${lot.id}`)).items;
    expect(booked.length).toBeGreaterThan(0);
    expect(booked.every((c: Json) => c.jobOrderId === job.id && c.quantity > 0)).toBe(true);
    const res = await gql(hub.gateway, `query($lot: ID!) { traceLot(id: $lot, direction: BACKWARD, maxDepth: 1) { nodes { lot { id } } root { workOrder { id } } } }`, { lot: lot.id });
    expect(res.body.data!.traceLot.root.workOrder.id).toBe(job.id);
    expect(new Set(res.body.data!.traceLot.nodes.map((n: Json) => n.lot.id))).toEqual(new Set([lot.id, ...booked.map((c: Json) => c.consumedLot)]));
  });
});
