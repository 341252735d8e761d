import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, getJson, gql, startHub, type Hub } from './support/hub.ts';
import { mesAll } from './support/raw-genealogy.ts';
import { unpad, type Json } from './support/raw-plant.ts';

const MONEY = ['plannedCost', 'targetCost', 'actualCost', 'variance', 'quantityVariance', 'scrapVariance', 'priceVariance', 'timeVariance'] as const;

const odata = async (erp: string, set: string, filter: string): Promise<Json[]> =>
  (await getJson(`${erp}/odata/${set}?$top=1000&$filter=${encodeURIComponent(filter)}`)).value;

/** The cost of an order worked out by hand from the raw APIs, with README's formulas. */
async function byHand(hub: Hub, orderId: string): Promise<Record<(typeof MONEY)[number], number>> {
  const key = orderId.padStart(12, '0');
  const [order] = await odata(hub.erpApi, 'ProductionOrders', `OrderNumber eq '${key}'`);
  const ops = await odata(hub.erpApi, 'ProductionOrderOperations', `OrderNumber eq '${key}'`);
  const centers = await odata(hub.erpApi, 'WorkCenters', `Plant eq '${order.Plant}'`);
  const bom = await odata(hub.erpApi, 'BillOfMaterialItems', `Material eq '${order.Material}' and Plant eq '${order.Plant}'`);
  const mapping: Json[] = (await getJson(`${hub.mesApi}/api/v1/material-mapping`)).items;
  const jobs: Json[] = (await getJson(`${hub.mesApi}/api/v1/job-orders?erpOrders=${orderId}`)).items;
  const used: Json[] = await mesAll(hub.mesApi, `lot-consumptions?jobOrders=${jobs.map((j) => j.id).join(',')}`);
  const row = (code: string) => mapping.find((r) => r.mesCode === code);
  const f = row(jobs[0].materialCode).factor;
  const produced = jobs.reduce((s, j) => s + j.segments.at(-1).goodQuantity * f, 0);
  const scrap = jobs.reduce((s, j) => s + j.segments.reduce((x: number, g: Json) => x + g.scrapQuantity, 0) * f, 0);
  const started = produced + scrap;
  const t = { plannedCost: 0, targetCost: 0, actualCost: 0, variance: 0, quantityVariance: 0, scrapVariance: 0, priceVariance: 0, timeVariance: 0 };
  const components = new Set([...bom.map((b) => unpad(b.Component)), ...used.map((c) => row(c.materialCode).erpMaterial)]);
  const materials = await odata(hub.erpApi, 'Materials', `Material in (${[...components].map((c) => `'${c.padStart(18, '0')}'`).join(',')})`);
  for (const id of components) {
    const m = materials.find((x) => unpad(x.Material) === id);
    const perUnit = bom.filter((b) => unpad(b.Component) === id).reduce((s, b) => s + b.Quantity, 0);
    const actual = used.filter((c) => row(c.materialCode).erpMaterial === id).reduce((s, c) => s + c.quantity * row(c.materialCode).factor, 0);
    const p = m.StandardCost;
    const ma = m.MovingAveragePrice;
    t.plannedCost += perUnit * order.PlannedQuantity * p;
    t.targetCost += perUnit * produced * p;
    t.actualCost += actual * ma;
    t.quantityVariance += (actual - perUnit * started) * p;
    t.scrapVariance += perUnit * scrap * p;
    t.priceVariance += (ma - p) * actual;
  }
  for (const op of ops) {
    const wc = centers.find((w) => w.WorkCenter === op.WorkCenter);
    const seq = Number(op.Operation);
    const hours = jobs.flatMap((j) => j.segments).filter((s) => s.sequence === seq && s.status === 'COMPLETED')
      .reduce((s, x) => s + (Date.parse(x.finishedAt) - Date.parse(x.startedAt)) / 3_600_000, 0);
    const rate = wc.MachineRate + wc.Crew * wc.LabourRate;
    const h = op.MinutesPerUnit / 60;
    t.plannedCost += h * order.PlannedQuantity * rate;
    t.targetCost += h * produced * rate;
    t.actualCost += hours * rate;
    t.timeVariance += (hours - h * started) * rate;
    t.scrapVariance += h * scrap * rate;
  }
  t.variance = t.actualCost - t.targetCost;
  return t;
}

describe('cost plan vs actual', () => {
  let hub: Hub;
  let finance: Record<string, string>;
  let order: Json;

  beforeAll(async () => {
    hub = await startHub();
    finance = await hub.as(['finance']);
    // A finished order with scrap, several operations and a mapped material: every cause is at work.
    const orders = await odata(hub.erpApi, 'ProductionOrders', "Status eq 'CONFIRMED' and Plant eq '1000' and ConfirmedScrap gt 0");
    const faults: Json[] = await getJson(`${hub.mesApi}/admin/seeded-faults`);
    const faulty = new Set(faults.flatMap((x) => [x.erpOrder, x.material]));
    order = orders.find((o) => !faulty.has(unpad(o.OrderNumber)) && !faulty.has(unpad(o.Material)));
  }, 60_000);
  afterAll(() => hub?.close());

  it("a seeded order's cost analysis equals the hand computation from the raw ERP and MES data", async () => {
    const id = unpad(order.OrderNumber);
    const expected = await byHand(hub, id);
    const res = await gql(hub.gateway, `query($id: ID!) { productionOrder(id: $id) { costAnalysis {
      currency unit plannedQuantity producedQuantity scrapQuantity ${MONEY.join(' ')} excluded
      lines { kind materialId material { description } workCenter operationSequence unit actualQuantity standardPrice actualPrice ${MONEY.join(' ')} } } } }`, { id }, finance);
    expect(res.body.errors).toBeUndefined();
    const c = res.body.data!.productionOrder.costAnalysis;
    expect(c.currency).toBe('EUR');
    expect(c.excluded).toEqual([]);
    if (process.env.SHOW_COST) console.log(JSON.stringify(c, null, 1));
    for (const k of MONEY) expect(c[k], k).toBeCloseTo(expected[k], 1);
    // The causes add up to the variance, and every cause is at work in this order.
    expect(c.quantityVariance + c.scrapVariance + c.priceVariance + c.timeVariance).toBeCloseTo(c.variance, 1);
    for (const k of ['quantityVariance', 'scrapVariance', 'timeVariance'] as const) expect(Math.abs(c[k]), k).toBeGreaterThan(0);
    expect(c.lines.filter((l: Json) => l.kind === 'MATERIAL').every((l: Json) => l.material.description)).toBe(true);
    expect(c.lines.some((l: Json) => l.kind === 'LABOUR')).toBe(true);
  });

  it('cost report rows sum the orders, per work center the lines; batched reads', async () => {
    const from = new Date(Date.parse(order.PlannedStart) - 7 * 86_400_000).toISOString();
    const to = new Date(Date.parse(order.PlannedStart) + 7 * 86_400_000).toISOString();
    await admin.resetStats(hub.mesApi);
    await admin.resetStats(hub.erpApi);
    const q = `query($from: DateTime!, $to: DateTime!, $groupBy: [CostGroup!], $period: ReportPeriod) {
      costReport(plant: "1000", from: $from, to: $to, groupBy: $groupBy, period: $period) { time orderId workCenter materialId orders currency ${MONEY.join(' ')} } }`;
    const byOrder = await gql(hub.gateway, q, { from, to, groupBy: ['ORDER'] }, finance);
    expect(byOrder.body.errors).toBeUndefined();
    const rows = byOrder.body.data!.costReport;
    const calls = (await admin.stats(hub.mesApi)).total + (await admin.stats(hub.erpApi)).total;
    expect(rows.length).toBeGreaterThan(20);
    expect(calls).toBeLessThan(rows.length / 2);
    const mine = rows.find((r: Json) => r.orderId === unpad(order.OrderNumber));
    const expected = await byHand(hub, mine.orderId);
    for (const k of MONEY) expect(mine[k], k).toBeCloseTo(expected[k], 1);
    expect(mine.time).toBe(from.replace(/\.\d+Z$/, '.000Z'));
    const byCenter = await gql(hub.gateway, q, { from, to, groupBy: ['WORK_CENTER'], period: 'WEEK' }, finance);
    const centers = byCenter.body.data!.costReport;
    expect(centers.every((r: Json) => /^[A-Z]+1000$/.test(r.workCenter) && new Date(r.time).getUTCDay() === 1)).toBe(true);
    const total = (list: Json[], k: string) => list.reduce((s, r) => s + r[k], 0);
    for (const k of MONEY) expect(Math.abs(total(centers, k) - total(rows, k)), k).toBeLessThan(0.01 * rows.length * 6);
  });

  it('callers without finance:read get FORBIDDEN; bad ranges get BAD_USER_INPUT', async () => {
    const id = unpad(order.OrderNumber);
    for (const headers of [{}, await hub.as(['planner']), await hub.as(['engineer'])]) {
      const one = await gql(hub.gateway, `query($id: ID!) { productionOrder(id: $id) { id costAnalysis { actualCost } } }`, { id }, headers);
      expect(one.body.data!.productionOrder.id).toBe(id);
      expect(one.body.data!.productionOrder.costAnalysis).toBeNull();
      expect(one.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const report = await gql(hub.gateway, `{ costReport(plant: "1000", from: "2025-05-01T00:00:00Z", to: "2025-06-01T00:00:00Z") { actualCost } }`, undefined, headers);
      expect(report.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const bad = await gql(hub.gateway, `{ costReport(from: "2025-06-10T00:00:00Z", to: "2025-06-01T00:00:00Z") { actualCost } }`, undefined, finance);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
