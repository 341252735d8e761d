import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, gql, startHub, uniquePrefix, type Hub } from './support/hub.ts';
import { readPlant, unpad, type Json, type RawPlant } from './support/raw-plant.ts';

const RELEASE = 'mutation($id: ID!, $key: String!) { releaseProductionOrder(id: $id, idempotencyKey: $key) { id status workOrders { id quantity unit operations { sequence } } } }';
const CONFIRM = `mutation($input: ConfirmOperationInput!) { confirmOperation(input: $input) {
  id status goodQuantity scrapQuantity unit externalReference erpConfirmationId productionOrder { id } } }`;

/** Orders and work orders no seeded fault touches, with a mapping factor: the loop's playground. */
function cleanTargets(plant: RawPlant, faults: Json[]) {
  const rows = new Map(plant.mapping.map((r) => [r.mesCode, r]));
  const faulty = new Set(faults.flatMap((f) => [f.erpOrder, f.material].filter(Boolean)));
  const orders = new Map(plant.orders.map((o) => [unpad(o.OrderNumber), o]));
  const ok = (o: Json) => o && !faulty.has(unpad(o.OrderNumber)) && !faulty.has(unpad(o.Material));
  return { rows, orders, ok };
}

describe('closed loop: release and confirmations', () => {
  let hub: Hub;
  let plant: RawPlant;
  let faults: Json[];
  beforeAll(async () => {
    hub = await startHub({ env: { CACHE_PREFIX: uniquePrefix('int'), UPSTREAM_TIMEOUT_MS: '10000', MAX_WORK_ORDER_QUANTITY: '40' } });
    plant = await readPlant(hub.erpApi, hub.mesApi);
    faults = await getJson(`${hub.mesApi}/admin/seeded-faults`);
  });
  afterAll(() => hub?.close());

  const send = async (query: string, variables: Record<string, unknown>) => gql(hub.gateway, query, variables, await hub.as(['operator']));

  it('releases an ERP order into split MES work orders once, however often it is called', async () => {
    const { rows, orders, ok } = cleanTargets(plant, faults);
    const order = plant.orders.find((o) => o.Status === 'CREATED' && ok(o) && o.PlannedQuantity > 40 && [...rows.values()].some((r) => r.erpMaterial === unpad(o.Material) && r.factor != null));
    const id = unpad(order.OrderNumber);
    const key = `rel-${randomUUID()}`;
    const [a, b] = await Promise.all([send(RELEASE, { id, key }), send(RELEASE, { id, key })]);
    expect(a.body.errors).toBeUndefined();
    expect(b.body.data).toEqual(a.body.data);
    const again = await send(RELEASE, { id: order.OrderNumber, key: `rel-${randomUUID()}` });
    expect(again.body.errors).toBeUndefined();

    const released = a.body.data!.releaseProductionOrder;
    expect(released.status).toBe('RELEASED');
    const jobs = (await getJson(`${hub.mesApi}/api/v1/job-orders?erpOrders=${id}`)).items as Json[];
    expect(jobs).toHaveLength(Math.ceil(order.PlannedQuantity / 40));
    const row = [...rows.values()].find((r) => r.erpMaterial === unpad(order.Material));
    expect(jobs.reduce((s, j) => s + j.quantity, 0) * row.factor).toBeCloseTo(order.PlannedQuantity, 6);
    const routing = plant.operations.filter((op) => op.OrderNumber === order.OrderNumber).map((op) => Number(op.Operation));
    for (const j of jobs) expect(j.segments.map((s: Json) => s.sequence)).toEqual(routing);
    expect(released.workOrders.map((w: Json) => w.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    const erp = await getJson(`${hub.erpApi}/odata/ProductionOrders('${order.OrderNumber}')`);
    expect(erp.Status).toBe('RELEASED');
    expect(orders.get(id)).toBeDefined();
    const disc = await gql(hub.gateway, 'query($id: ID!) { productionOrder(id: $id) { discrepancies { kind } } }', { id });
    expect(disc.body.data!.productionOrder.discrepancies).toEqual([]);
  });

  it('lets only callers with production:write write', async () => {
    const order = plant.orders.filter((o) => o.Status === 'CREATED').at(-1);
    for (const headers of [{}, await hub.as(['finance'])]) {
      const res = await gql(hub.gateway, RELEASE, { id: unpad(order.OrderNumber), key: `rel-${randomUUID()}` }, headers);
      // Demo mode: the anonymous caller and finance are known callers without production:write.
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await getJson(`${hub.erpApi}/odata/ProductionOrders('${order.OrderNumber}')`)).Status).toBe('CREATED');
    expect((await getJson(`${hub.mesApi}/api/v1/job-orders?erpOrders=${unpad(order.OrderNumber)}`)).items).toEqual([]);
  });

  /** A fresh CREATED order of `material` in the ERP (its admin API), so no refusal case depends on the seed. */
  async function createdOrder(number: string, material: string): Promise<string> {
    const template = plant.orders.find((o) => o.Status === 'CREATED');
    const mat = await getJson(`${hub.erpApi}/odata/Materials('${material.padStart(18, '0')}')`);
    const OrderNumber = number.padStart(12, '0');
    const res = await fetch(`${hub.erpApi}/admin/records/ProductionOrders/${OrderNumber}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...template, OrderNumber, Material: mat.Material, Unit: mat.BaseUnit }),
    });
    expect(res.status).toBe(201);
    return number;
  }

  it('refuses to release what it cannot schedule, and changes nothing', async () => {
    const material = (kind: string) => faults.find((f) => f.kind === kind).material as string;
    const unmapped = await createdOrder('9000001', material('UNMAPPED_MATERIAL'));
    const unconvertible = await createdOrder('9000002', material('UNIT_MISMATCH'));
    const cases: [string, string][] = [
      ['9999998', 'no production order'],
      ['abc', 'not an ERP order number'],
      [unmapped, 'no MES code'],
      [unconvertible, 'No conversion from'],
    ];
    for (const [id, text] of cases) {
      const res = await send(RELEASE, { id, key: `rel-${randomUUID()}` });
      expect(res.body.errors?.[0]?.extensions?.code, id).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message, id).toContain(text);
    }
    for (const id of [unmapped, unconvertible]) {
      expect((await getJson(`${hub.erpApi}/odata/ProductionOrders('${id.padStart(12, '0')}')`)).Status).toBe('CREATED');
      expect((await getJson(`${hub.mesApi}/api/v1/job-orders?erpOrders=${id}`)).items).toEqual([]);
    }
    const key = `rel-${randomUUID()}`;
    const first = plant.orders.find((o) => o.Status === 'RELEASED');
    await send(RELEASE, { id: unpad(first.OrderNumber), key });
    const reuse = await send(RELEASE, { id: '1000001', key });
    expect(reuse.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('confirms an operation in the MES and the ERP in the ERP unit; a retry answers the same confirmation', async () => {
    const { rows, orders, ok } = cleanTargets(plant, faults);
    const job = plant.jobs.find((j) => j.status === 'RUNNING' && ok(orders.get(j.erpOrder)) && rows.get(j.materialCode)?.factor === 10);
    const row = rows.get(job.materialCode);
    const seq = job.segments[job.segments.length - 1].sequence;
    const input = { workOrderId: job.id, operationSequence: seq, goodQuantity: 3, scrapQuantity: 1, idempotencyKey: `c-${randomUUID()}` };
    const TOTALS = 'query($id: ID!) { productionOrder(id: $id) { confirmedQuantity confirmedScrapQuantity producedQuantity scrapQuantity } }';
    const cached = (await gql(hub.gateway, TOTALS, { id: job.erpOrder })).body.data!.productionOrder;
    const first = await send(CONFIRM, { input });
    expect(first.body.errors).toBeUndefined();
    const c = first.body.data!.confirmOperation;
    expect(c).toMatchObject({ status: 'POSTED', goodQuantity: 3, scrapQuantity: 1, unit: row.erpUnit, productionOrder: { id: job.erpOrder } });
    const again = await send(CONFIRM, { input });
    expect(again.body.data!.confirmOperation).toEqual(c);

    const filter = encodeURIComponent(`ExternalReference eq '${c.externalReference}'`);
    const booked = (await getJson(`${hub.erpApi}/odata/ProductionOrderConfirmations?$filter=${filter}`)).value;
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ ConfirmationId: c.erpConfirmationId, Yield: 3, Scrap: 1, Operation: String(seq).padStart(4, '0') });
    const seg = (await getJson(`${hub.mesApi}/api/v1/job-orders/${job.id}`)).segments.find((s: Json) => s.sequence === seq);
    const before = job.segments.find((s: Json) => s.sequence === seq);
    expect(seg.goodQuantity - before.goodQuantity).toBeCloseTo(0.3, 6);
    expect(seg.scrapQuantity - before.scrapQuantity).toBeCloseTo(0.1, 6);
    // The write drops what it changed from the entity caches: the next read sees it, not the old copy.
    const fresh = (await gql(hub.gateway, TOTALS, { id: job.erpOrder })).body.data!.productionOrder;
    expect(fresh.confirmedQuantity - cached.confirmedQuantity).toBeCloseTo(3, 6);
    expect(fresh.confirmedScrapQuantity - cached.confirmedScrapQuantity).toBeCloseTo(1, 6);
    expect(fresh.producedQuantity - cached.producedQuantity).toBeCloseTo(3, 6);
    expect(fresh.scrapQuantity - cached.scrapQuantity).toBeCloseTo(1, 6);
    const other = await send(CONFIRM, { input: { ...input, goodQuantity: 4 } });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const none = await send(CONFIRM, { input: { ...input, goodQuantity: 0, scrapQuantity: 0, idempotencyKey: `c-${randomUUID()}` } });
    expect(none.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await send(CONFIRM, { input: { ...input, workOrderId: 'WO-999999', idempotencyKey: `c-${randomUUID()}` } });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
