import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CROSS_SYSTEM_QUERY } from '../gateway/examples.ts';
import { canonicalUnit } from '../lib/units.ts';
import { admin, coldQueryCost, getJson, gql, startHub, type Hub } from './support/hub.ts';

// Raw API answers are arbitrary JSON; the test compares them field by field.
type Json = any;

const unpad = (s: string) => s.replace(/^0+(?=\d)/, '');
const ANCHOR = Math.floor(Date.now() / 60_000) * 60_000;

/** One cold cross-system page of `first` orders: its data and the calls it cost each system. */
async function callsFor(target: Hub, first: number) {
  const cost = await coldQueryCost(target, CROSS_SYSTEM_QUERY, { first });
  expect(cost.data.productionOrders.edges).toHaveLength(first);
  return cost;
}

describe('cross-system reads through the gateway', () => {
  let hub: Hub;
  let mapping: Map<string, Json>;
  let allJobs: Json[];
  beforeAll(async () => {
    // The 500-order cross-system page costs more than the default MAX_QUERY_COST: raised for the call counts below.
    hub = await startHub({ anchor: ANCHOR, env: { MAX_QUERY_COST: '400000' } });
    const rows = (await getJson(`${hub.mesApi}/api/v1/material-mapping`)).items as Json[];
    mapping = new Map(rows.map((r) => [r.mesCode, r]));
    allJobs = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await getJson(`${hub.mesApi}/api/v1/job-orders?limit=1000&offset=${offset}`);
      allJobs.push(...page.items);
      if (page.items.length < 1000) break;
    }
  });
  afterAll(() => hub?.close());

  /** The test's own conversion of a MES quantity into ERP units (null when it cannot be made). */
  function toErp(mesCode: string, unit: string, erpMaterial: string): number | null {
    const row = mapping.get(mesCode);
    if (!row || row.erpMaterial !== erpMaterial || row.factor == null) return null;
    if (canonicalUnit(unit) !== canonicalUnit(row.mesUnit)) return null;
    return row.factor;
  }

  it('50 orders with ERP material, stock and MES work orders, operations and lots match both systems', async () => {
    const res = await gql(hub.gateway, CROSS_SYSTEM_QUERY, { first: 50 });
    expect(res.body.errors).toBeUndefined();
    const nodes: Json[] = res.body.data!.productionOrders.edges.map((e: Json) => e.node);
    expect(nodes).toHaveLength(50);

    const erp = await getJson(`${hub.erpApi}/odata/ProductionOrders?$top=50&$orderby=OrderNumber%20asc&$count=true`);
    expect(res.body.data!.productionOrders.totalCount).toBe(erp['@odata.count']);
    expect(nodes.map((n) => n.id)).toEqual(erp.value.map((o: Json) => unpad(o.OrderNumber)));

    const materialIds = [...new Set(erp.value.map((o: Json) => o.Material as string))];
    const inList = materialIds.map((m) => `'${m}'`).join(',');
    const materials = new Map(
      (await getJson(`${hub.erpApi}/odata/Materials?$filter=${encodeURIComponent(`Material in (${inList})`)}`)).value.map(
        (m: Json) => [unpad(m.Material), m],
      ),
    );
    const stock = (await getJson(`${hub.erpApi}/odata/MaterialStock?$filter=${encodeURIComponent(`Material in (${inList})`)}`)).value;
    const jobs: Json[] = (await getJson(`${hub.mesApi}/api/v1/job-orders?erpOrders=${nodes.map((n) => n.id).join(',')}`)).items;

    let checkedProduced = 0;
    for (const [i, node] of nodes.entries()) {
      const o = erp.value[i];
      expect(node.plannedQuantity).toBe(o.PlannedQuantity);
      expect(node.status).toBe(o.Status);
      expect(node.confirmedQuantity).toBe(o.ConfirmedYield);
      expect(node.unit).toBe(canonicalUnit(o.Unit));
      const m = materials.get(node.material.id) as Json;
      expect(node.material.description).toBe(m.Description);
      const myStock = stock.filter((s: Json) => unpad(s.Material) === node.material.id);
      expect(node.material.stock).toHaveLength(myStock.length);
      expect(node.material.stock.map((s: Json) => s.quantity).sort()).toEqual(myStock.map((s: Json) => s.Quantity).sort());

      const myJobs = jobs.filter((j) => j.erpOrder === node.id);
      expect(node.workOrders.map((w: Json) => w.id).sort()).toEqual(myJobs.map((j) => j.id).sort());
      for (const w of node.workOrders) {
        const job = myJobs.find((j) => j.id === w.id);
        expect(w.operations.map((op: Json) => op.sequence)).toEqual(job.segments.map((s: Json) => s.sequence).sort((a: number, b: number) => a - b));
      }
      const factors = myJobs.map((j) => toErp(j.materialCode, j.unit, node.material.id));
      if (factors.every((f) => f !== null)) {
        const produced = myJobs.reduce((sum, j, k) => {
          const last = [...j.segments].sort((a: Json, b: Json) => b.sequence - a.sequence)[0];
          return sum + (last?.goodQuantity ?? 0) * factors[k]!;
        }, 0);
        expect(node.producedQuantity).toBeCloseTo(produced, 6);
        expect(node.progress).toBeCloseTo(Math.min(1, produced / node.plannedQuantity), 6);
        checkedProduced++;
      }
    }
    expect(checkedProduced).toBeGreaterThan(30);
  });

  it('costs the systems the same number of calls for 500 orders as for 50 and 5 (batching)', async () => {
    const [five, fifty, fiveHundred] = [await callsFor(hub, 5), await callsFor(hub, 50), await callsFor(hub, 500)];
    expect(fifty.byPath).toEqual(five.byPath);
    expect({ erp: fiveHundred.erp, mes: fiveHundred.mes }).toEqual({ erp: five.erp, mes: five.mes });
    // orders, materials, stock / work orders, lots, equipment: one call each, never one per item or per page
    expect(fiveHundred.erp).toBeLessThanOrEqual(3);
    expect(fiveHundred.mes).toBeLessThanOrEqual(3);
    // 500 orders name more materials and work orders than fit one URL: they go as POSTed queries.
    expect(fiveHundred.byPath.erp['POST /odata/Materials/$query']).toBe(1);
    expect(fiveHundred.byPath.mes['POST /api/v1/job-orders/query']).toBe(1);
  });

  it('with ERP_ODATA_QUERY=off and MES_BATCH_QUERY=off answers the same 500 orders through chunked GETs', async () => {
    const gets = await startHub({ anchor: ANCHOR, env: { MAX_QUERY_COST: '400000', ERP_ODATA_QUERY: 'off', MES_BATCH_QUERY: 'off' } });
    try {
      const viaGets = await callsFor(gets, 500);
      const viaPosts = await callsFor(hub, 500);
      expect(viaGets.data).toEqual(viaPosts.data);
      expect(JSON.stringify(viaGets.byPath)).not.toMatch(/POST/);
      // ids in chunks of 100 per URL: more calls, the same answer
      expect(viaGets.erp).toBeGreaterThan(3);
      expect(viaGets.mes).toBeGreaterThan(3);
    } finally {
      await gets.close();
    }
  });

  it('a well-formed unknown id answers null with no error', async () => {
    const res = await gql(
      hub.gateway,
      `{ productionOrder(id: "9999998") { id } padded: productionOrder(id: "000009999998") { id }
         material(id: "999999") { id } workOrder(id: "WO-999999") { id } equipment(id: "EQ-NOPE") { id } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ productionOrder: null, padded: null, material: null, workOrder: null, equipment: null });
  });

  it('an ERP order number with its leading zeros is the same order', async () => {
    const res = await gql(hub.gateway, '{ a: productionOrder(id: "1000045") { id plannedQuantity } b: productionOrder(id: "000001000045") { id plannedQuantity } }');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.a).toEqual(res.body.data!.b);
    expect(res.body.data!.a.id).toBe('1000045');
  });

  it('converts MES units into ERP units through the mapping (grams -> KG, BOX10 -> PC)', async () => {
    const rows = [...mapping.values()];
    for (const mesUnit of ['g', 'BOX10']) {
      const row = rows.find((r) => r.mesUnit === mesUnit && r.factor != null && allJobs.some((j) => j.materialCode === r.mesCode));
      expect(row, `a mapping row in ${mesUnit}`).toBeDefined();
      const job = allJobs.find((j) => j.materialCode === row.mesCode && j.unit === mesUnit);
      expect(job, `a work order of ${row.mesCode}`).toBeDefined();
      const res = await gql(hub.gateway, 'query($id: ID!) { workOrder(id: $id) { quantity unit unitConverted mesUnit operations { goodQuantity } } }', { id: job.id });
      expect(res.body.errors).toBeUndefined();
      const wo = res.body.data!.workOrder;
      expect(wo.unitConverted).toBe(true);
      expect(wo.unit).toBe(canonicalUnit(row.erpUnit));
      expect(wo.mesUnit).toBe(job.unit);
      expect(wo.quantity).toBeCloseTo(job.quantity * row.factor, 6);
    }
  });

  it('an unmapped MES material is left out of the sums and shown unconverted, without failing the read', async () => {
    const faults: Json[] = await getJson(`${hub.mesApi}/admin/seeded-faults`);
    const unmapped = faults.find((f) => f.kind === 'UNMAPPED_MATERIAL');
    const all = allJobs;
    const job = all.find((j) => j.materialCode === unmapped.mesCode && j.segments.some((s: Json) => s.goodQuantity > 0));
    expect(job, 'a work order with output of an unmapped material').toBeDefined();
    const res = await gql(
      hub.gateway,
      'query($o: ID!, $w: ID!) { productionOrder(id: $o) { id producedQuantity progress workOrders { id } } workOrder(id: $w) { unitConverted unit mesUnit quantity } }',
      { o: job.erpOrder, w: job.id },
    );
    expect(res.body.errors).toBeUndefined();
    const order = res.body.data!.productionOrder;
    expect(order.workOrders.map((w: Json) => w.id)).toContain(job.id);
    const others = all.filter((j) => j.erpOrder === job.erpOrder && j.materialCode !== unmapped.mesCode);
    expect(others).toHaveLength(0);
    expect(order.producedQuantity).toBe(0);
    expect(res.body.data!.workOrder).toEqual({ unitConverted: false, unit: job.unit, mesUnit: job.unit, quantity: job.quantity });
  });

  it('malformed queries and bad arguments are GraphQL errors with a code', async () => {
    const cases: [string, Record<string, unknown> | undefined, string][] = [
      ['{ productionOrders(first: 5) { edges { node { id } }', undefined, 'GRAPHQL_PARSE_FAILED'],
      ['{ productionOrders { nope } }', undefined, 'GRAPHQL_VALIDATION_FAILED'],
      ['{ productionOrders(first: 501) { totalCount } }', undefined, 'BAD_USER_INPUT'],
      ['{ productionOrders(first: 0) { totalCount } }', undefined, 'BAD_USER_INPUT'],
      ['{ productionOrders(after: "bm9wZQ") { totalCount } }', undefined, 'BAD_USER_INPUT'],
      ['{ productionOrders(status: [OPEN]) { totalCount } }', undefined, 'GRAPHQL_VALIDATION_FAILED'],
      ['query($n: Int) { productionOrders(first: $n) { totalCount } }', { n: 'fifty' }, 'BAD_USER_INPUT'],
      [`{ productionOrder(id: "${'9'.repeat(100)}") { id } }`, undefined, 'BAD_USER_INPUT'],
    ];
    for (const [query, variables, code] of cases) {
      const res = await gql(hub.gateway, query, variables);
      expect(res.status, query).toBeLessThan(500);
      expect(res.body.errors?.[0]?.extensions?.code, query).toBe(code);
      expect(JSON.stringify(res.body), query).not.toMatch(/stacktrace|at [A-Za-z]+ \(/);
    }
  });

  it('pages through orders with endCursor and filters by plant and status', async () => {
    const q = 'query($after: String) { productionOrders(first: 20, plant: "2000", status: [RELEASED, PARTIALLY_CONFIRMED], after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id plant status } } } }';
    const p1 = (await gql(hub.gateway, q)).body.data!.productionOrders;
    const p2 = (await gql(hub.gateway, q, { after: p1.pageInfo.endCursor })).body.data!.productionOrders;
    const filter = encodeURIComponent("Plant eq '2000' and Status in ('RELEASED','PARTIALLY_CONFIRMED')");
    const raw = await getJson(`${hub.erpApi}/odata/ProductionOrders?$filter=${filter}&$top=40&$count=true`);
    expect(p1.totalCount).toBe(raw['@odata.count']);
    expect([...p1.edges, ...p2.edges].map((e: Json) => e.node.id)).toEqual(raw.value.map((o: Json) => unpad(o.OrderNumber)));
    expect(p1.pageInfo.hasNextPage).toBe(true);
  });

  it('ERP down: MES fields of the same query still answer, with UPSTREAM_UNAVAILABLE naming the ERP', async () => {
    // An order no earlier test read, so no stale copy of it exists (stale reads have their own tests).
    const job = allJobs.filter((j) => j.status === 'RUNNING').at(-1);
    await admin.faults(hub.erpApi, { down: true });
    try {
      const res = await gql(
        hub.gateway,
        'query($o: ID!, $w: ID!) { productionOrder(id: $o) { id plannedQuantity } workOrder(id: $w) { id status operations { sequence status } } }',
        { o: job.erpOrder, w: job.id },
      );
      expect(res.status).toBe(200);
      expect(res.body.data!.productionOrder).toBeNull();
      expect(res.body.data!.workOrder.id).toBe(job.id);
      expect(res.body.data!.workOrder.operations.length).toBe(job.segments.length);
      const err = res.body.errors?.find((e) => e.extensions?.code === 'UPSTREAM_UNAVAILABLE');
      expect(err?.extensions?.system).toBe('erp');
      expect(JSON.stringify(res.body.errors)).not.toContain(hub.erpApi);
    } finally {
      await admin.clearFaults(hub.erpApi);
    }
  });
});
