/**
 * The supervisor's questions: what runs on a machine and what is next, how it spent its time, the
 * work-order list, and stock per plant. Checked against the raw demo APIs, counted in upstream calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, coldQueryCost, getJson, gql, startHub, type Hub } from './support/hub.ts';
import { mesJobs, unpad, type Json } from './support/raw-plant.ts';

const MACHINES = `query($plant: ID) { equipmentList(plant: $plant) { id state
  currentOperation { sequence status startedAt workOrder { id productionOrder { id } } }
  queue(first: 3) { sequence status workOrder { id plannedStart } }
  stateHistory { state from to durationSeconds } } }`;

describe("the supervisor's questions", () => {
  let hub: Hub;
  let jobs: Json[];
  beforeAll(async () => {
    hub = await startHub();
    jobs = await mesJobs(hub.mesApi);
  });
  afterAll(() => hub?.close());

  it('"what runs on machine X, and what is next": currentOperation and queue match the MES, batched for all machines', async () => {
    const all = await coldQueryCost(hub, MACHINES, {});
    const open = jobs.filter((j) => ['PLANNED', 'RUNNING', 'PAUSED'].includes(j.status));
    // The equipment list, the state log and the open work orders of every machine at once, in pages of
    // the MES's 1,000: the count follows the data's volume, never the number of machines.
    expect(all.data.equipmentList.length).toBeGreaterThan(30);
    const logSize: number = (await getJson(`${hub.mesApi}/api/v1/equipment-states?limit=1`)).total;
    expect(all.mes).toBe(1 + Math.ceil(logSize / 1000) + Math.max(1, Math.ceil(open.length / 1000)));
    expect(all.erp).toBe(0);

    let running = 0;
    for (const m of all.data.equipmentList) {
      const ops = open.flatMap((j) => j.segments.filter((s: Json) => s.equipmentId === m.id).map((s: Json) => ({ ...s, job: j })));
      const live = ops.filter((o) => o.status === 'RUNNING').sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      if (!live.length) expect(m.currentOperation, m.id).toBeNull();
      else {
        running++;
        expect(m.currentOperation.startedAt).toBe(live[0].startedAt);
        expect(live.filter((o) => o.startedAt === live[0].startedAt).map((o) => `${o.job.id}/${o.sequence}`)).toContain(`${m.currentOperation.workOrder.id}/${m.currentOperation.sequence}`);
        expect(m.currentOperation.workOrder.productionOrder.id).toBe(ops.find((o) => o.job.id === m.currentOperation.workOrder.id).job.erpOrder);
      }
      const waiting = ops.filter((o) => o.status !== 'COMPLETED').length - (live.length ? 1 : 0);
      expect(m.queue.length).toBe(Math.min(3, waiting));
      const starts = m.queue.map((o: Json) => o.workOrder.plannedStart);
      expect(starts).toEqual([...starts].sort());
    }
    expect(running).toBeGreaterThan(10);
  });

  it('stateHistory covers the period with the machine\'s states from the MES log, ending in its current state', async () => {
    const log: Json[] = (await getJson(`${hub.mesApi}/api/v1/equipment-states?equipment=EQ-1000-03`)).items;
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const res = await gql(hub.gateway, `query($from: DateTime) { equipment(id: "EQ-1000-03") { state stateSince stateHistory(period: { from: $from }) { state from to durationSeconds } } }`, { from });
    expect(res.body.errors).toBeUndefined();
    const e = res.body.data!.equipment;
    const h: Json[] = e.stateHistory;
    expect(h.length).toBeGreaterThan(2);
    expect(h[0].from).toBe(from);
    expect(h[h.length - 1]).toMatchObject({ state: e.state, from: e.stateSince, to: null });
    for (let i = 1; i < h.length; i++) expect(h[i].from).toBe(h[i - 1].to);
    const inside = log.filter((c) => c.at > from);
    expect(h.slice(1).map((x) => `${x.state}@${x.from}`)).toEqual(inside.map((c) => `${c.state}@${new Date(c.at).toISOString()}`));
    for (const x of h.slice(0, -1)) expect(x.durationSeconds).toBe(Math.round((Date.parse(x.to) - Date.parse(x.from)) / 1000));
    // A state change made on the shop floor shows at once, with its own interval.
    await admin.equipmentState(hub.mesApi, { equipmentId: 'EQ-1000-03', state: e.state === 'DOWN' ? 'RUNNING' : 'DOWN' });
    const after = (await gql(hub.gateway, '{ equipment(id: "EQ-1000-03") { state stateHistory { state to } } }')).body.data!.equipment;
    expect(after.stateHistory[after.stateHistory.length - 1]).toEqual({ state: after.state, to: null });
    const bad = await gql(hub.gateway, '{ equipment(id: "EQ-1000-03") { stateHistory(period: { from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" }) { state } } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('workOrders(plant, status, equipment) pages the MES list in one call per page', async () => {
    const Q = `query($plant: ID, $status: [WorkOrderStatus!], $eq: ID, $first: Int, $after: String) {
      workOrders(plant: $plant, status: $status, equipment: $eq, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id status plant productionOrder { id status } operations { equipment { id } } } } } }`;
    const vars = { plant: '2000', status: ['RUNNING', 'PAUSED'], eq: 'EQ-2000-05' };
    const expected = jobs
      .filter((j) => j.site === '2000' && ['RUNNING', 'PAUSED'].includes(j.status) && j.segments.some((s: Json) => s.equipmentId === 'EQ-2000-05'))
      .map((j) => j.id)
      .sort();
    expect(expected.length).toBeGreaterThan(5);
    const first = await gql(hub.gateway, Q, { ...vars, first: 5 });
    const rest = await gql(hub.gateway, Q, { ...vars, first: 500, after: first.body.data!.workOrders.pageInfo.endCursor });
    expect(first.body.data!.workOrders.totalCount).toBe(expected.length);
    expect([...first.body.data!.workOrders.edges, ...rest.body.data!.workOrders.edges].map((e: Json) => e.node.id)).toEqual(expected);
    const five = await coldQueryCost(hub, Q, { ...vars, first: 5 });
    const many = await coldQueryCost(hub, Q, { ...vars, first: 50 });
    expect({ erp: many.erp, mes: many.mes }).toEqual({ erp: five.erp, mes: five.mes });
    expect(many.mes).toBeLessThanOrEqual(2);
    expect(many.erp).toBeLessThanOrEqual(1);
    const bad = await gql(hub.gateway, '{ workOrders(first: 0) { totalCount } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('"our stock of Y in plant 1000": stock(plant) and totalStock(plant) in the base unit, one ERP call for 50 materials', async () => {
    const Q = `query($first: Int) { materials(first: $first) { edges { node { id baseUnit stock(plant: "1000") { plant storageLocation quantity unit } totalStock(plant: "1000") all: totalStock } } } }`;
    const res = await gql(hub.gateway, Q, { first: 50 });
    expect(res.body.errors).toBeUndefined();
    const ids = res.body.data!.materials.edges.map((e: Json) => e.node.id);
    const inList = ids.map((m: string) => `'${m.padStart(18, '0')}'`).join(',');
    const rows: Json[] = (await getJson(`${hub.erpApi}/odata/MaterialStock?$filter=${encodeURIComponent(`Material in (${inList})`)}&$top=10000`)).value;
    for (const { node } of res.body.data!.materials.edges) {
      const mine = rows.filter((r) => unpad(r.Material) === node.id);
      const here = mine.filter((r) => r.Plant === '1000');
      expect(node.stock.map((s: Json) => `${s.plant}/${s.storageLocation}/${s.quantity}`).sort()).toEqual(here.map((r) => `1000/${r.StorageLocation}/${r.Quantity}`).sort());
      expect(node.totalStock).toBeCloseTo(here.reduce((s, r) => s + r.Quantity, 0), 6);
      expect(node.all).toBeCloseTo(mine.reduce((s, r) => s + r.Quantity, 0), 6);
      for (const r of mine) expect(r.Unit).toBe(node.baseUnit);
    }
    const five = await coldQueryCost(hub, Q, { first: 5 });
    const fifty = await coldQueryCost(hub, Q, { first: 50 });
    expect({ erp: fifty.erp, mes: fifty.mes }).toEqual({ erp: five.erp, mes: five.mes });
    expect(fifty.erp).toBeLessThanOrEqual(2);
  });
});
