import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, getJson, gql, startHub, type Hub } from './support/hub.ts';
import { mesAll } from './support/raw-genealogy.ts';
import { odataAll, unpad, type Json } from './support/raw-plant.ts';

const DAY = 86_400_000;
const FIELDS = 'time plant materialId workCenter unit plannedQuantity producedQuantity scrapQuantity yieldPercent ordersDue ordersCompleted ordersOnTime onTimePercent availabilityPercent excludedWorkOrders';
const SUMMARY = `query Summary($from: DateTime!, $to: DateTime!, $groupBy: [SummaryGroup!], $plant: ID) {
  productionSummary(from: $from, to: $to, period: DAY, groupBy: $groupBy, plant: $plant) { ${FIELDS} }
}`;

interface Raw { orders: Json[]; jobs: Json[]; equipment: Json[]; states: Json[]; mapping: Json[] }

/** The summary by README's rules, from the raw APIs: per day and plant or work center. */
function expected(raw: Raw, from: number, to: number, by: 'plant' | 'workCenter', plant?: string): Map<string, Json> {
  const rows = new Map<string, Json>();
  const day = (t: number) => new Date(Math.floor(t / DAY) * DAY).toISOString();
  const center = new Map(raw.equipment.map((e) => [e.id, e.workCenter]));
  const rowOf = (t: number, site: string, wc: string | null) => {
    const k = `${day(t)}|${by === 'plant' ? site : wc}`;
    if (!rows.has(k)) rows.set(k, { planned: 0, produced: 0, scrap: 0, due: 0, completed: 0, onTime: 0, up: 0, observed: 0 });
    return rows.get(k);
  };
  const rowFor = new Map(raw.mapping.map((r) => [r.mesCode, r]));
  const jobs = raw.jobs.filter((j) => !plant || j.site === plant);
  for (const j of jobs) {
    const m = rowFor.get(j.materialCode);
    if (!m || m.factor === null || m.mesUnit !== j.unit) continue;
    const last = j.segments.at(-1);
    for (const s of j.segments) {
      const t = Date.parse(s.finishedAt);
      if (s.status !== 'COMPLETED' || !(t >= from && t < to)) continue;
      const r = rowOf(t, j.site, center.get(s.equipmentId));
      r.scrap += s.scrapQuantity * m.factor;
      if (by === 'workCenter' || s === last) r.produced += s.goodQuantity * m.factor;
    }
  }
  for (const o of raw.orders.filter((x) => !plant || x.Plant === plant)) {
    const end = Date.parse(o.PlannedEnd);
    if (!(end >= from && end < to)) continue;
    const own = jobs.filter((j) => j.erpOrder === unpad(o.OrderNumber) && j.status !== 'CANCELLED');
    const done = own.length > 0 && own.every((j) => j.status === 'COMPLETED');
    const finished = Math.max(...own.flatMap((j) => j.segments.map((s: Json) => Date.parse(s.finishedAt ?? '1970-01-01T00:00:00Z'))));
    const centers = by === 'plant' ? [null] : [...new Set(own.flatMap((j) => j.segments.map((s: Json) => center.get(s.equipmentId))))];
    for (const wc of centers.length ? centers : [null]) {
      const r = rowOf(end, o.Plant, wc);
      r.planned += o.PlannedQuantity;
      r.due++;
      if (done) r.completed++;
      if (done && finished <= end) r.onTime++;
    }
  }
  for (const e of raw.equipment.filter((x) => !plant || x.site === plant)) {
    const log = raw.states.filter((s) => s.equipmentId === e.id).sort((a, b) => a.at.localeCompare(b.at));
    log.forEach((s, i) => {
      const stop = Math.min(to, log[i + 1] ? Date.parse(log[i + 1].at) : Date.now());
      for (let t = Math.max(from, Date.parse(s.at)); t < stop; ) {
        const cut = Math.min(stop, Math.floor(t / DAY) * DAY + DAY);
        const r = rowOf(t, e.site, e.workCenter);
        r.observed += cut - t;
        if (!['DOWN', 'MAINTENANCE'].includes(s.state)) r.up += cut - t;
        t = cut;
      }
    });
  }
  return rows;
}

describe('production summary for report tools', () => {
  let hub: Hub;
  let raw: Raw;
  let from: number;
  let to: number;

  beforeAll(async () => {
    hub = await startHub();
    const readJobs = () => mesAll(hub.mesApi, 'job-orders');
    // Three weeks ending where the shop floor's finished work ends (never later than now).
    const last = Math.max(...(await readJobs()).flatMap((j) => j.segments.map((s: Json) => (s.finishedAt ? Date.parse(s.finishedAt) : 0))));
    to = Math.min(Math.floor(last / DAY) * DAY + DAY, Math.floor(Date.now() / DAY) * DAY);
    from = to - 21 * DAY;
    // One order finished two hours late: on-time must tell completed from completed in time.
    const orders = await odataAll(hub.erpApi, 'ProductionOrders');
    const due = orders.find((o) => o.Status === 'CONFIRMED' && Date.parse(o.PlannedEnd) >= from && Date.parse(o.PlannedEnd) < to - DAY);
    const [job] = (await getJson(`${hub.mesApi}/api/v1/job-orders?erpOrders=${unpad(due.OrderNumber)}`)).items;
    job.segments.at(-1).finishedAt = new Date(Date.parse(due.PlannedEnd) + 2 * 3_600_000).toISOString();
    const put = await fetch(`${hub.mesApi}/admin/records/job-orders/${job.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) });
    expect(put.status).toBe(200);
    const [jobs, equipment, states, mapping] = await Promise.all([
      readJobs(),
      mesAll(hub.mesApi, 'equipment'),
      mesAll(hub.mesApi, 'equipment-states'),
      getJson(`${hub.mesApi}/api/v1/material-mapping`).then((r) => r.items),
    ]);
    raw = { orders, jobs, equipment, states, mapping };
  }, 60_000);
  afterAll(() => hub?.close());

  const compare = (rows: Json[], want: Map<string, Json>, key: (r: Json) => string) => {
    expect(rows.map(key).sort()).toEqual([...want.keys()].sort());
    for (const r of rows) {
      const w = want.get(key(r));
      expect(r.producedQuantity, key(r)).toBeCloseTo(w.produced, 2);
      expect(r.scrapQuantity, key(r)).toBeCloseTo(w.scrap, 2);
      expect(r.plannedQuantity, key(r)).toBeCloseTo(w.planned, 2);
      expect([r.ordersDue, r.ordersCompleted, r.ordersOnTime], key(r)).toEqual([w.due, w.completed, w.onTime]);
      expect(r.yieldPercent, key(r)).toEqual(w.produced + w.scrap > 0 ? expect.closeTo((100 * w.produced) / (w.produced + w.scrap), 1) : null);
      expect(r.onTimePercent, key(r)).toEqual(w.due > 0 ? expect.closeTo((100 * w.onTime) / w.due, 1) : null);
      expect(r.availabilityPercent, key(r)).toEqual(w.observed > 0 ? expect.closeTo((100 * w.up) / w.observed, 1) : null);
    }
  };

  it('daily rows per plant equal the sums computed from the raw ERP and MES APIs, from one batched query', async () => {
    await admin.resetStats(hub.mesApi);
    await admin.resetStats(hub.erpApi);
    const res = await gql(hub.gateway, SUMMARY, { from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy: ['PLANT'] });
    expect(res.body.errors).toBeUndefined();
    const rows = res.body.data!.productionSummary;
    compare(rows, expected(raw, from, to, 'plant'), (r) => `${r.time}|${r.plant}`);
    expect(rows.some((r: Json) => r.producedQuantity > 0 && r.ordersDue > 0 && r.availabilityPercent !== null)).toBe(true);
    expect(rows.some((r: Json) => r.ordersOnTime < r.ordersCompleted)).toBe(true);
    // Flat and time-stamped for a dashboard: ISO times, scalar fields only.
    expect(rows.every((r: Json) => /^\d{4}-\d\d-\d\dT00:00:00\.000Z$/.test(r.time) && Object.values(r).every((v) => v === null || typeof v !== 'object'))).toBe(true);
    // A handful of paged list reads and id batches, not one per order, work order or machine.
    const calls = (await admin.stats(hub.mesApi)).total + (await admin.stats(hub.erpApi)).total;
    expect(calls).toBeLessThan(20);
  });

  it('daily yield per work center of a plant: one query, rows equal the raw sums', async () => {
    const res = await gql(hub.gateway, SUMMARY, { from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy: ['WORK_CENTER'], plant: '1000' });
    expect(res.body.errors).toBeUndefined();
    const rows = res.body.data!.productionSummary;
    compare(rows, expected(raw, from, to, 'workCenter', '1000'), (r) => `${r.time}|${r.workCenter}`);
    expect(new Set(rows.map((r: Json) => r.workCenter)).size).toBeGreaterThan(2);
    // The range as epoch milliseconds, as Grafana's Wild GraphQL data source passes it: the same rows.
    const epoch = await gql(hub.gateway, SUMMARY, { from, to, groupBy: ['WORK_CENTER'], plant: '1000' });
    expect(epoch.body.data!.productionSummary).toEqual(rows);
  });

  it('bad ranges answer BAD_USER_INPUT', async () => {
    const reversed = await gql(hub.gateway, SUMMARY, { from: '2025-06-10T00:00:00Z', to: '2025-06-01T00:00:00Z' });
    expect(reversed.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const huge = await gql(hub.gateway, SUMMARY, { from: '1000-01-01T00:00:00Z', to: '9000-01-01T00:00:00Z' });
    expect(huge.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
