import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSse, get, send, startErp, startMes, type Running } from './support.ts';

let erp: Running;
let mes: Running;

beforeAll(async () => {
  [erp, mes] = await Promise.all([startErp(), startMes()]);
});
afterAll(async () => {
  await Promise.all([erp.close(), mes.close()]);
});

describe('admin API of both demo systems', () => {
  it('counts API calls by method and path, not admin calls, until reset', async () => {
    await send('POST', `${erp.url}/admin/reset-stats`);
    await get(`${erp.url}/odata/ProductionOrders?$top=1`);
    await get(`${erp.url}/odata/ProductionOrders?$top=2`);
    await get(`${erp.url}/odata/Materials`);
    await get(`${erp.url}/admin/seeded-faults`);
    const stats = await get(`${erp.url}/admin/stats`);
    expect(stats.body).toEqual({ total: 3, calls: { 'GET /odata/ProductionOrders': 2, 'GET /odata/Materials': 1 } });
    await send('POST', `${erp.url}/admin/reset-stats`);
    expect((await get(`${erp.url}/admin/stats`)).body).toEqual({ total: 0, calls: {} });
  });

  it('answers 503 to every API call while down, and recovers when faults are cleared', async () => {
    for (const sys of [erp, mes]) {
      const path = sys === erp ? '/odata/Plants' : '/api/v1/equipment';
      expect((await send('POST', `${sys.url}/admin/faults`, { down: true })).status).toBe(200);
      const down = await get(`${sys.url}${path}`);
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe(sys === erp ? 'ServiceUnavailable' : 'SERVICE_UNAVAILABLE');
      expect((await get(`${sys.url}/admin/stats`)).status).toBe(200);
      await send('DELETE', `${sys.url}/admin/faults`);
      expect((await get(`${sys.url}${path}`)).status).toBe(200);
    }
  });

  it('injects latency and errors', async () => {
    await send('POST', `${mes.url}/admin/faults`, { latencyMs: 150 });
    const t = performance.now();
    await get(`${mes.url}/api/v1/equipment`);
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    await send('POST', `${mes.url}/admin/faults`, { errorRate: 1 });
    const failed = await get(`${mes.url}/api/v1/equipment`);
    expect(failed.status).toBe(500);
    await send('DELETE', `${mes.url}/admin/faults`);
    expect((await send('POST', `${mes.url}/admin/faults`, { errorRate: 2 })).status).toBe(400);
    expect((await send('POST', `${mes.url}/admin/faults`, { nope: 1 })).status).toBe(400);
  });

  it('drops live event streams when the MES goes down', async () => {
    const events = await collectSse(`${mes.url}/api/v1/events`, () => false, async () => {
      await send('POST', `${mes.url}/admin/faults`, { down: true });
    });
    expect(events).toEqual([]);
    await send('DELETE', `${mes.url}/admin/faults`);
  });

  it('lists the seeded faults in both systems alike', async () => {
    const [a, b] = await Promise.all([get(`${erp.url}/admin/seeded-faults`), get(`${mes.url}/admin/seeded-faults`)]);
    expect(a.body).toEqual(b.body);
    const kinds = new Set(a.body.map((f: { kind: string }) => f.kind));
    expect(kinds).toEqual(new Set(['UNMAPPED_MATERIAL', 'UNIT_MISMATCH', 'QUANTITY_DRIFT', 'SCRAP_DRIFT', 'STATUS_DRIFT', 'ORPHAN_WORK_ORDER', 'DUPLICATE_CONFIRMATION']));
  });

  it('upserts and removes ERP records in the API shape', async () => {
    const row = { Plant: '3000', Name: 'Pilot', Currency: 'EUR' };
    expect((await send('PUT', `${erp.url}/admin/records/Plants/3000`, row)).status).toBe(201);
    expect((await get(`${erp.url}/odata/Plants('3000')`)).body.Name).toBe('Pilot');
    expect((await send('PUT', `${erp.url}/admin/records/Plants/3000`, { ...row, Bogus: 1 })).status).toBe(400);
    expect((await send('DELETE', `${erp.url}/admin/records/Plants/3000`)).status).toBe(204);
    expect((await get(`${erp.url}/odata/Plants('3000')`)).status).toBe(404);
  });

  it('answers unknown paths, bad JSON and oversized bodies with JSON errors', async () => {
    const unknown = await get(`${mes.url}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    expect((await send('POST', `${mes.url}/admin/progress`, undefined, '{"broken"')).status).toBe(400);
    const big = await send('POST', `${mes.url}/admin/events`, undefined, JSON.stringify({ type: 'x', data: { s: 'x'.repeat(1_100_000) } }));
    expect(big.status).toBe(413);
    expect((await get(`${mes.url}/api/v1/equipment`)).status).toBe(200);
    expect((await send('DELETE', `${erp.url}/odata/Plants`)).status).toBe(405);
  });
});
