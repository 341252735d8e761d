import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSse, get, send, startMes, type Json, type Running } from './support.ts';

let mes: Running;
let api: string;

beforeAll(async () => {
  mes = await startMes();
  api = `${mes.url}/api/v1`;
});
afterAll(() => mes.close());

async function firstJob(query: string): Promise<Json> {
  const r = await get(`${api}/job-orders?${query}&limit=1`);
  return r.body.items[0];
}

describe('demo MES REST API', () => {
  it('lists job orders with paging and filters, and looks up batches by ids', async () => {
    const page = await get(`${api}/job-orders?limit=5&offset=10`);
    expect(page.body).toMatchObject({ offset: 10, limit: 5 });
    expect(page.body.total).toBeGreaterThanOrEqual(2500);
    expect(page.body.items).toHaveLength(5);
    const ids = ['WO-000003', 'WO-000001', 'WO-999999'];
    const batch = await get(`${api}/job-orders?ids=${ids.join(',')}`);
    expect(batch.body.items.map((j: Json) => j.id)).toEqual(['WO-000001', 'WO-000003']);
    const running = await get(`${api}/job-orders?site=2000&status=RUNNING,PAUSED&limit=1000`);
    for (const j of running.body.items) {
      expect(j.site).toBe('2000');
      expect(['RUNNING', 'PAUSED']).toContain(j.status);
    }
    const capped = await get(`${api}/job-orders?limit=5000`);
    expect(capped.body.limit).toBe(1000);
    expect((await get(`${api}/job-orders?limit=abc`)).status).toBe(400);
  });

  it('answers POST <list>/query (filters in a JSON body) as the same GET, past the GET limit, and refuses unknown fields', async () => {
    const all = (await get(`${api}/job-orders?limit=1000`)).body.items.map((j: Json) => j.id as string);
    const erpOrders = [...new Set((await get(`${api}/job-orders?limit=1000`)).body.items.map((j: Json) => j.erpOrder as string))];
    const viaGet = await get(`${api}/job-orders?erpOrders=${erpOrders.slice(0, 80).join(',')}&status=RUNNING,PAUSED`);
    const viaPost = await send('POST', `${api}/job-orders/query`, { erpOrders: erpOrders.slice(0, 80), status: 'RUNNING,PAUSED' });
    expect(viaPost.status).toBe(200);
    expect(viaPost.body).toEqual({ ...viaGet.body, limit: 10_000 });
    // 1,000 ids in one call: a GET answers at most 1,000 rows and its URL would be long.
    const big = await send('POST', `${api}/job-orders/query`, { ids: all });
    expect(big.body.items.map((j: Json) => j.id).sort()).toEqual([...all].sort());
    const paged = await send('POST', `${api}/job-orders/query`, { ids: all, limit: 300, offset: 900 });
    expect(paged.body).toMatchObject({ total: all.length, offset: 900, limit: 300 });
    expect(paged.body.items).toHaveLength(100);
    for (const [body, message] of [
      [{ idz: ['WO-000001'] }, /unknown query field 'idz'/],
      [{ ids: [{ id: 'WO-000001' }] }, /must be a string/],
      [{ ids: ['WO-000001,WO-000002'] }, /without ','/],
      [{ ids: ['WO-000001'], limit: 'all' }, /limit must be a non-negative integer/],
    ] as const) {
      const refused = await send('POST', `${api}/job-orders/query`, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.message).toMatch(message);
    }
    expect((await send('POST', `${api}/job-orders/query`, undefined, '[1,2]')).status).toBe(400);
  });

  it('answers a work order by id, or 404 in its own error form', async () => {
    const one = await get(`${api}/job-orders/WO-000001`);
    expect(one.body.segments[0]).toHaveProperty('parameters');
    const missing = await get(`${api}/job-orders/WO-999999`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('serves equipment, lots, quality results and the mapping export (JSON and CSV)', async () => {
    const eq = await get(`${api}/equipment?site=3000`);
    expect(eq.body.items.map((e: Json) => e.id)).toEqual(['EQ-3000-01', 'EQ-3000-02']);
    expect((await get(`${api}/equipment/EQ-1000-01`)).body.workCenter).toBe('MIX1000');
    const lot = (await get(`${api}/material-lots?limit=1&status=CONSUMED`)).body.items[0];
    const byCode = await get(`${api}/material-lots?materialCodes=${lot.materialCode}`);
    expect(byCode.body.items.every((l: Json) => l.materialCode === lot.materialCode)).toBe(true);
    const quality = await get(`${api}/quality-results?jobOrders=WO-000001,WO-000002`);
    expect(quality.body.items.every((r: Json) => ['WO-000001', 'WO-000002'].includes(r.jobOrderId))).toBe(true);
    const mapping = await get(`${api}/material-mapping`);
    expect(mapping.body.items.length).toBeGreaterThan(300);
    expect(mapping.body.items.some((r: Json) => r.mesUnit === 'g' && r.factor === 0.001)).toBe(true);
    expect(mapping.body.items.some((r: Json) => r.factor === null)).toBe(true);
    const csv = await fetch(`${api}/material-mapping.csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('erpMaterial,mesCode,erpUnit,mesUnit,factor');
    expect(lines).toHaveLength(mapping.body.items.length + 1);
  });

  it('reports progress through the shop-floor logic and streams the events live with increasing ids', async () => {
    const job = await firstJob('status=PLANNED');
    const received = await collectSse(
      `${api}/events?after=0`,
      (events) => events.some((e) => e.event === 'operation.progress' && e.data.jobOrderId === job.id),
      async () => {
        const r = await send('POST', `${mes.url}/admin/progress`, { workOrderId: job.id, goodQuantity: 1, scrapQuantity: 0.5 });
        expect(r.status).toBe(200);
        expect(typeof r.body.eventId).toBe('number');
      },
    );
    const mine = received.filter((e) => e.data.jobOrderId === job.id);
    expect(mine.map((e) => e.event)).toEqual(['joborder.status', 'operation.started', 'operation.progress']);
    expect(mine[0]?.data).toMatchObject({ previousStatus: 'PLANNED', status: 'RUNNING', erpOrder: job.erpOrder });
    expect(mine[2]?.data).toMatchObject({ sequence: 10, goodQuantity: 1, scrapQuantity: 0.5, deltaGood: 1, deltaScrap: 0.5, unit: job.unit, status: 'RUNNING' });
    const ids = received.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const after = await get(`${api}/job-orders/${job.id}`);
    expect(after.body.status).toBe('RUNNING');
    expect(after.body.segments[0]).toMatchObject({ status: 'RUNNING', goodQuantity: 1 });
  });

  it('completes operations and the work order when the quantity is reached', async () => {
    const job = await firstJob('status=PLANNED&site=1000');
    for (const s of job.segments) {
      const r = await send('POST', `${mes.url}/admin/progress`, { workOrderId: job.id, goodQuantity: job.quantity, scrapQuantity: 0 });
      expect(r.status, `operation ${s.sequence}`).toBe(200);
    }
    const done = await get(`${api}/job-orders/${job.id}`);
    expect(done.body.status).toBe('COMPLETED');
    expect(done.body.segments.every((s: Json) => s.status === 'COMPLETED' && s.finishedAt)).toBe(true);
    const page = await get(`${api}/events?after=0&format=json&limit=1000`);
    const types = page.body.items.filter((e: Json) => e.jobOrderId === job.id).map((e: Json) => e.type);
    expect(types.filter((t: string) => t === 'operation.completed')).toHaveLength(job.segments.length);
    expect(types.slice(-2)).toEqual(['joborder.status', 'quality.result']);
    expect(page.body.lastId).toBe(page.body.items[page.body.items.length - 1].id);
    const again = await send('POST', `${mes.url}/admin/progress`, { workOrderId: job.id, goodQuantity: 1 });
    expect(again.status).toBe(409);
  });

  it('changes equipment state with the previous state in the event', async () => {
    const r = await send('POST', `${mes.url}/admin/equipment-state`, { equipmentId: 'EQ-2000-01', state: 'MAINTENANCE' });
    const page = await get(`${api}/events?after=${r.body.eventId - 1}&format=json&limit=1`);
    expect(page.body.items[0]).toMatchObject({ id: r.body.eventId, type: 'equipment.state', equipmentId: 'EQ-2000-01', state: 'MAINTENANCE' });
    expect(page.body.items[0].previousState).toBeTruthy();
    expect((await get(`${api}/equipment/EQ-2000-01`)).body.state).toBe('MAINTENANCE');
  });

  it.each([
    ['/admin/progress', { workOrderId: 'WO-999999', goodQuantity: 1 }, 404],
    ['/admin/progress', { workOrderId: 'WO-000001', goodQuantity: -1 }, 400],
    ['/admin/progress', { goodQuantity: 1 }, 400],
    ['/admin/equipment-state', { equipmentId: 'EQ-1000-01', state: 'ON_FIRE' }, 400],
    ['/admin/equipment-state', { equipmentId: 'EQ-0000-00', state: 'IDLE' }, 404],
    ['/admin/events', { data: {} }, 400],
  ])('answers bad admin input %s %o with %i', async (path, body, status) => {
    const r = await send('POST', `${mes.url}${path}`, body);
    expect(r.status).toBe(status);
    expect(r.body.error.message).toBeTruthy();
  });

  it('appends raw events and upserts or removes records through the admin API', async () => {
    const r = await send('POST', `${mes.url}/admin/events`, { type: 'custom.test', data: { hello: 'world' } });
    const page = await get(`${api}/events?after=${r.body.eventId - 1}&format=json`);
    expect(page.body.items[0]).toMatchObject({ type: 'custom.test', hello: 'world', id: r.body.eventId });

    const row = { erpMaterial: '400001', erpUnit: 'PC', mesUnit: 'BOX10', factor: 10 };
    expect((await send('PUT', `${mes.url}/admin/records/material-mapping/A-TEST`, row)).status).toBe(201);
    const mapped = await get(`${api}/material-mapping?mesCodes=A-TEST`);
    expect(mapped.body.items).toEqual([{ ...row, mesCode: 'A-TEST' }]);
    expect((await send('PUT', `${mes.url}/admin/records/equipment/EQ-X`, { name: 'x' })).status).toBe(400);
    expect((await send('PUT', `${mes.url}/admin/records/nope/1`, {})).status).toBe(404);
    expect((await send('DELETE', `${mes.url}/admin/records/material-mapping/A-TEST`)).status).toBe(204);
    expect((await send('DELETE', `${mes.url}/admin/records/material-mapping/A-TEST`)).status).toBe(404);
  });
});
