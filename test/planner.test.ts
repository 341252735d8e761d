/**
 * The planner's and the supervisor's questions, each one query, checked against the raw demo APIs and
 * counted in upstream calls: "what is late", "what runs on machine X", "our stock of Y in plant 1000".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUE_LIST_QUERY, FIRST_QUERY, MACHINES_QUERY } from '../gateway/examples.ts';
import { coldQueryCost, getJson, gql, startHub, type Hub } from './support/hub.ts';
import { mesJobs, odataAll, readmeDueStatus, unpad, type Json } from './support/raw-plant.ts';

const DUE_LIST = `query Due($plant: ID, $due: [DueStatus!], $first: Int, $after: String) {
  productionOrders(plant: $plant, dueStatus: $due, orderBy: PLANNED_END_ASC, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status plannedEnd dueStatus expectedEnd progress } }
  }
}`;

describe("the planner's questions", () => {
  let hub: Hub;
  let orders: Json[];
  let jobsOf: Map<string, Json[]>;
  beforeAll(async () => {
    hub = await startHub();
    orders = await odataAll(hub.erpApi, 'ProductionOrders', 'PlannedEnd asc,OrderNumber asc');
    jobsOf = new Map();
    for (const j of await mesJobs(hub.mesApi)) jobsOf.set(j.erpOrder, [...(jobsOf.get(j.erpOrder) ?? []), j]);
  });
  afterAll(() => hub?.close());

  /** README's rule over the raw data, at two instants around the query: orders that flip between them are not judged. */
  const expectedDue = (plant: string, t0: number, t1: number) => {
    const sure = new Map<string, string>();
    for (const o of orders.filter((x) => x.Plant === plant)) {
      const a = readmeDueStatus(o, jobsOf.get(unpad(o.OrderNumber)) ?? [], t0).status;
      if (a === readmeDueStatus(o, jobsOf.get(unpad(o.OrderNumber)) ?? [], t1).status) sure.set(unpad(o.OrderNumber), a);
    }
    return sure;
  };

  it('"what is late": dueStatus filters before paging, by planned end, as README computes it, and the demo has all three', async () => {
    const t0 = Date.now();
    const pages: Record<string, Json[]> = {};
    for (const due of ['LATE', 'AT_RISK', 'ON_TIME']) {
      pages[due] = [];
      let after: string | null = null;
      do {
        const res = await gql(hub.gateway, DUE_LIST, { plant: '1000', due: [due], first: 500, after });
        expect(res.body.errors).toBeUndefined();
        const conn: Json = res.body.data!.productionOrders;
        pages[due]!.push(...conn.edges.map((e: Json) => e.node));
        after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
        if (!after) expect(conn.totalCount).toBe(pages[due]!.length);
      } while (after);
      for (const n of pages[due]!) expect(n.dueStatus).toBe(due);
    }
    const t1 = Date.now();
    const sure = expectedDue('1000', t0, t1);
    const plantOrders = orders.filter((o) => o.Plant === '1000');
    // A partition of the plant's orders: every order is exactly one of the three.
    expect(pages.LATE!.length + pages.AT_RISK!.length + pages.ON_TIME!.length).toBe(plantOrders.length);
    for (const due of ['LATE', 'AT_RISK', 'ON_TIME']) {
      const ids = pages[due]!.map((n) => n.id);
      const expected = plantOrders.map((o) => unpad(o.OrderNumber)).filter((id) => !sure.has(id) || sure.get(id) === due);
      expect(ids.filter((id) => sure.has(id))).toEqual(expected.filter((id) => sure.has(id)));
    }
    expect(pages.LATE!.length).toBeGreaterThanOrEqual(3);
    expect(pages.AT_RISK!.length).toBeGreaterThan(pages.LATE!.length);
    expect(pages.ON_TIME!.length).toBeGreaterThan(plantOrders.length / 2);
    for (const n of pages.LATE!) {
      expect(Date.parse(n.plannedEnd)).toBeLessThan(t1);
      expect(Date.parse(n.expectedEnd)).toBeGreaterThan(Date.parse(n.plannedEnd));
    }
    for (const n of pages.AT_RISK!) expect(Date.parse(n.plannedEnd)).toBeGreaterThan(t0);
  });

  it('pages a dueStatus list with cursors, and 50 orders cost the systems what 5 cost', async () => {
    const all = (await gql(hub.gateway, DUE_LIST, { due: ['LATE', 'AT_RISK'], first: 500 })).body.data!.productionOrders;
    const first = (await gql(hub.gateway, DUE_LIST, { due: ['LATE', 'AT_RISK'], first: 7 })).body.data!.productionOrders;
    const next = (await gql(hub.gateway, DUE_LIST, { due: ['LATE', 'AT_RISK'], first: 7, after: first.pageInfo.endCursor })).body.data!.productionOrders;
    expect([...first.edges, ...next.edges].map((e: Json) => e.node.id)).toEqual(all.edges.slice(0, 14).map((e: Json) => e.node.id));
    expect(first.totalCount).toBe(all.totalCount);
    const five = await coldQueryCost(hub, DUE_LIST, { due: ['LATE', 'AT_RISK'], first: 5 });
    const fifty = await coldQueryCost(hub, DUE_LIST, { due: ['LATE', 'AT_RISK'], first: 50 });
    expect(fifty.data.productionOrders.edges.length).toBe(Math.min(50, all.totalCount));
    expect({ erp: fifty.erp, mes: fifty.mes }).toEqual({ erp: five.erp, mes: five.mes });
    // Open orders of both plants (a few hundred): a handful of ERP pages and one MES call per 100 orders.
    expect(fifty.erp).toBeLessThanOrEqual(6);
    expect(fifty.mes).toBeLessThanOrEqual(10);
  });

  it('filters by planned-end range and material, ordered by planned end, as the ERP has them', async () => {
    const from = orders[Math.floor(orders.length / 2)].PlannedEnd;
    const to = new Date(Date.parse(from) + 2 * 86_400_000).toISOString();
    const res = await gql(hub.gateway, `query($from: DateTime, $to: DateTime) {
      productionOrders(plannedEnd: { from: $from, to: $to }, orderBy: PLANNED_END_ASC, first: 500) { totalCount edges { node { id plannedEnd } } } }`, { from, to });
    expect(res.body.errors).toBeUndefined();
    const expected = orders.filter((o) => o.PlannedEnd >= from && o.PlannedEnd < to).map((o) => unpad(o.OrderNumber));
    expect(res.body.data!.productionOrders.edges.map((e: Json) => e.node.id)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(10);

    const material = unpad(orders[3].Material);
    const byMaterial = await gql(hub.gateway, `query($m: ID) { productionOrders(material: $m, first: 500) { edges { node { id material { id } } } } }`, { m: `00000${material}` });
    expect(byMaterial.body.data!.productionOrders.edges.map((e: Json) => e.node.id)).toEqual(
      orders.filter((o) => unpad(o.Material) === material).map((o) => unpad(o.OrderNumber)).sort(),
    );
    const bad = await gql(hub.gateway, '{ productionOrders(plannedEnd: { from: "next tuesday" }) { totalCount } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("README's first query and the explorer's tabs find running, late orders and busy machines by filter, on any day", async () => {
    const first = await gql(hub.gateway, FIRST_QUERY);
    expect(first.body.errors).toBeUndefined();
    const nodes: Json[] = first.body.data!.productionOrders.edges.map((e: Json) => e.node);
    expect(nodes.length).toBe(5);
    for (const n of nodes) {
      expect(n).toMatchObject({ status: 'PARTIALLY_CONFIRMED', dueStatus: 'LATE' });
      expect(n.workOrders.some((w: Json) => ['RUNNING', 'PAUSED'].includes(w.status))).toBe(true);
    }
    expect(nodes.map((n) => n.plannedEnd)).toEqual(nodes.map((n) => n.plannedEnd).sort());
    const due = await gql(hub.gateway, DUE_LIST_QUERY, { plant: '1000', first: 20 });
    expect(due.body.errors).toBeUndefined();
    expect(new Set(due.body.data!.productionOrders.edges.map((e: Json) => e.node.dueStatus))).toEqual(new Set(['LATE', 'AT_RISK']));
    const machines = await gql(hub.gateway, MACHINES_QUERY, { plant: '1000' });
    expect(machines.body.errors).toBeUndefined();
    expect(machines.body.data!.equipmentList.filter((m: Json) => m.currentOperation).length).toBeGreaterThan(5);
  });

  it('names every work order left out of the totals, so 0 % is never silent', async () => {
    const faults: Json[] = await getJson(`${hub.mesApi}/admin/seeded-faults`);
    const broken = new Set(faults.filter((f) => ['UNMAPPED_MATERIAL', 'UNIT_MISMATCH'].includes(f.kind)).map((f) => f.material));
    const affected = orders.filter((o) => broken.has(unpad(o.Material)) && (jobsOf.get(unpad(o.OrderNumber)) ?? []).length > 0);
    expect(affected.length).toBeGreaterThan(3);
    const EXCLUDED = 'query($m: ID) { productionOrders(material: $m, first: 500) { edges { node { id progress excludedWorkOrders { reason message workOrder { id } } } } } }';
    let checked = 0;
    for (const material of broken) {
      const kind = faults.find((f) => f.material === material).kind;
      const res = await gql(hub.gateway, EXCLUDED, { m: material });
      expect(res.body.errors).toBeUndefined();
      for (const { node } of res.body.data!.productionOrders.edges) {
        const jobs = jobsOf.get(node.id) ?? [];
        expect(node.excludedWorkOrders.map((x: Json) => x.workOrder.id).sort(), node.id).toEqual(jobs.map((j) => j.id).sort());
        for (const x of node.excludedWorkOrders) {
          expect(x.reason).toBe(kind);
          expect(x.message).toContain(x.workOrder.id);
        }
        if (jobs.length) checked++;
      }
    }
    expect(checked).toBe(affected.length);
    const clean = await gql(hub.gateway, '{ productionOrders(status: [PARTIALLY_CONFIRMED], first: 40) { edges { node { id material { id } excludedWorkOrders { reason } } } } }');
    for (const e of clean.body.data!.productionOrders.edges) if (!broken.has(e.node.material.id)) expect(e.node.excludedWorkOrders).toEqual([]);
  });
});

describe('the due-status filter in production mode', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => hub?.close());

  it('judges orders through the signed MES subgraph call, for a caller with a token', async () => {
    const res = await gql(hub.gateway, DUE_LIST, { due: ['LATE'], first: 3 }, await hub.as(['planner']));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.productionOrders.totalCount).toBeGreaterThan(0);
    for (const e of res.body.data!.productionOrders.edges) expect(e.node.dueStatus).toBe('LATE');
    const anonymous = await gql(hub.gateway, DUE_LIST, { due: ['LATE'], first: 3 });
    expect(anonymous.status).toBe(401);
  });
});
