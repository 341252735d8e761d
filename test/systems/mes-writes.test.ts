import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, send, startMes, type Json, type Running } from './support.ts';

let mes: Running;
let api: string;

beforeAll(async () => {
  mes = await startMes();
  api = `${mes.url}/api/v1`;
});
afterAll(() => mes.close());

const newJob = (ref: string) => ({
  externalReference: ref,
  erpOrder: '1000001',
  site: '1000',
  materialCode: 'A-TEST',
  quantity: 50,
  unit: 'EA',
  segments: [{ sequence: 10, workCenter: undefined as string | undefined, description: 'Mixing' }, { sequence: 20, description: 'Packing' }],
});

describe('demo MES write API', () => {
  it('creates a job order once per external reference; the same call again answers the existing one', async () => {
    const eq = (await get(`${api}/equipment?site=1000&limit=1`)).body.items[0] as Json;
    const body = newJob('1000001/1');
    body.segments = [{ sequence: 10, workCenter: eq.workCenter, description: 'Mixing' }, { sequence: 20, workCenter: eq.workCenter, description: 'Packing' }];
    const first = await send('POST', `${api}/job-orders`, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ erpOrder: '1000001', status: 'PLANNED', externalReference: '1000001/1', quantity: 50 });
    expect(first.body.segments.map((s: Json) => [s.sequence, s.status, s.equipmentId])).toEqual([[10, 'PENDING', eq.id], [20, 'PENDING', eq.id]]);
    const again = await send('POST', `${api}/job-orders`, body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const listed = await get(`${api}/job-orders?erpOrders=1000001`);
    expect(listed.body.items.filter((j: Json) => j.externalReference === '1000001/1')).toHaveLength(1);
    const clash = await send('POST', `${api}/job-orders`, { ...body, quantity: 51 });
    expect(clash.status).toBe(409);
  });

  it('refuses a malformed job order with a 400', async () => {
    for (const bad of [{}, { ...newJob('x/1'), quantity: -1 }, { ...newJob('x/2'), segments: [] }, { ...newJob('x/3'), colour: 'red' }]) {
      const res = await send('POST', `${api}/job-orders`, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
    }
  });

  it('books a report at a named operation once per report id, also out of sequence', async () => {
    const job = (await get(`${api}/job-orders?status=PLANNED&limit=1`)).body.items[0] as Json;
    const last = job.segments[job.segments.length - 1];
    const url = `${api}/job-orders/${job.id}/segments/${last.sequence}/reports`;
    const first = await send('POST', url, { reportId: 'R-1', goodQuantity: 1, scrapQuantity: 1 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ duplicate: false, segment: { goodQuantity: 1, scrapQuantity: 1, status: 'RUNNING' } });
    const again = await send('POST', url, { reportId: 'R-1', goodQuantity: 1, scrapQuantity: 1 });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    const after = (await get(`${api}/job-orders/${job.id}`)).body as Json;
    expect(after.status).toBe('RUNNING');
    expect(after.segments.find((s: Json) => s.sequence === last.sequence)).toMatchObject({ goodQuantity: 1, scrapQuantity: 1 });
    expect(after.segments[0].status).toBe('PENDING');
    expect((await send('POST', url, { reportId: 'R-1', goodQuantity: 2, scrapQuantity: 1 })).status).toBe(409);
    expect((await send('POST', `${api}/job-orders/${job.id}/segments/999/reports`, { reportId: 'R-2', goodQuantity: 1 })).status).toBe(404);
    expect((await send('POST', url, { reportId: 'R-3', goodQuantity: -1 })).status).toBe(400);
    const completed = (await get(`${api}/job-orders?status=COMPLETED&limit=1`)).body.items[0] as Json;
    expect((await send('POST', `${api}/job-orders/${completed.id}/segments/10/reports`, { reportId: 'R-4', goodQuantity: 1 })).status).toBe(409);
  });
});
