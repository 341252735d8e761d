import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from './support/hub.ts';
import { odataAll, unpad, type Json } from './support/raw-plant.ts';

const base = (hub: Hub) => hub.gateway.replace(/\/graphql$/, '');

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** CSV text as rows, parsed by a CSV library; JSON rows as the same strings (null as empty). */
const csvRows = (bytes: Buffer): Record<string, string>[] => parse(bytes.toString('utf8'), { columns: true, bom: true });
const asText = (rows: Json[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));

describe('flat exports: GET /reports', () => {
  let hub: Hub;
  let finance: Record<string, string>;
  beforeAll(async () => {
    hub = await startHub();
    finance = await hub.as(['finance']);
  }, 60_000);
  afterAll(() => hub?.close());

  it('lists the reports with their variables, types, rows path and columns', async () => {
    const res = await get(`${base(hub)}/reports`);
    expect(res.status).toBe(200);
    const { reports } = JSON.parse(res.bytes.toString());
    const byName = new Map(reports.map((r: Json) => [r.name, r]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['production-orders', 'production-summary', 'cost-variance', 'recall']));
    const orders: Json = byName.get('production-orders');
    expect(orders).toMatchObject({ csv: '/reports/production-orders.csv', rows: 'data.productionOrders.edges', rowItem: 'node', paged: true });
    expect(orders.variables).toContainEqual({ name: 'first', type: 'Int', defaultValue: '500' });
    expect(orders.columns).toEqual(expect.arrayContaining(['id', 'material.description', 'producedQuantity']));
    expect((byName.get('production-summary') as Json).variables).toContainEqual({ name: 'from', type: 'DateTime!', defaultValue: null });
  });

  it('CSV parsed by a CSV library equals the JSON rows; pages through every order of the plant', async () => {
    const [csv, json] = await Promise.all([
      get(`${base(hub)}/reports/production-orders.csv?plant=1000&first=200`),
      get(`${base(hub)}/reports/production-orders.json?plant=1000`),
    ]);
    expect([csv.status, json.status]).toEqual([200, 200]);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    const rows = JSON.parse(json.bytes.toString());
    expect(csvRows(csv.bytes)).toEqual(asText(rows));
    const erp = (await odataAll(hub.erpApi, 'ProductionOrders')).filter((o) => o.Plant === '1000');
    expect(rows.map((r: Json) => r.id)).toEqual(erp.map((o) => unpad(o.OrderNumber)));
    expect(rows.length).toBeGreaterThan(500);
    expect(rows[0]).toEqual(expect.objectContaining({ plant: '1000', 'material.id': expect.any(String), 'material.description': expect.any(String) }));
    expect(Object.values(rows[0]).every((v) => v === null || typeof v !== 'object')).toBe(true);
  });

  it('?bom=1 starts the CSV with a UTF-8 byte order mark for Excel; lists in a row are one JSON cell', async () => {
    const plain = await get(`${base(hub)}/reports/production-orders.csv?plant=2000&status=CLOSED`);
    const bom = await get(`${base(hub)}/reports/production-orders.csv?plant=2000&status=CLOSED&bom=1`);
    expect([...bom.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bom.bytes.subarray(3).equals(plain.bytes)).toBe(true);
    const lots = await (await fetch(`${hub.mesApi}/api/v1/material-lots?status=CONSUMED&limit=50`)).json();
    const supplier = lots.items.find((l: Json) => !l.producedByJobOrder);
    const recall = await get(`${base(hub)}/reports/recall.csv?lot=${supplier.id}`);
    expect(recall.status).toBe(200);
    const rows = csvRows(recall.bytes);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.parse(rows[0]!.qualityResults!)).toEqual(expect.any(Array));
  });

  it('variables are checked against their types: BAD_USER_INPUT for bad, unknown or missing ones', async () => {
    for (const q of ['production-orders.csv?first=abc', 'production-orders.csv?status=OPEN', 'production-orders.json?foo=1', 'production-summary.csv?to=2025-06-01T00:00:00Z', 'production-summary.csv?from=yesterday&to=2025-06-01T00:00:00Z']) {
      const res = await get(`${base(hub)}/reports/${q}`);
      expect(res.status, q).toBe(400);
      expect(JSON.parse(res.bytes.toString()).errors[0].extensions.code, q).toBe('BAD_USER_INPUT');
    }
  });

  it('restricted columns are refused without the scope (403 FORBIDDEN), served with it', async () => {
    // A week around a finished order of the plant, wherever the demo's timeline puts it.
    const start = Date.parse((await odataAll(hub.erpApi, 'ProductionOrders')).find((o) => o.Plant === '1000' && o.Status === 'CONFIRMED').PlannedStart);
    const iso = (t: number) => new Date(t).toISOString();
    const q = `cost-variance.csv?plant=1000&from=${iso(start - 3 * 86_400_000)}&to=${iso(start + 4 * 86_400_000)}`;
    for (const headers of [{}, await hub.as(['planner'])]) {
      const res = await get(`${base(hub)}/reports/${q}`, headers);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.bytes.toString()).errors[0].extensions.code).toBe('FORBIDDEN');
    }
    const ok = await get(`${base(hub)}/reports/${q}`, finance);
    expect(ok.status).toBe(200);
    const rows = csvRows(ok.bytes);
    expect(rows.length).toBeGreaterThan(0);
    expect(Number(rows[0]!.actualCost)).toBeGreaterThanOrEqual(0);
  });

  it('an unknown report is a 404 naming the known ones; only GET', async () => {
    const res = await get(`${base(hub)}/reports/nope.csv`);
    expect(res.status).toBe(404);
    const body = JSON.parse(res.bytes.toString());
    expect(body.errors[0].message).toContain('/reports/production-orders.csv');
    expect((await get(`${base(hub)}/reports/production-orders.xlsx`)).status).toBe(404);
    expect((await fetch(`${base(hub)}/reports/production-orders.csv`, { method: 'POST' })).status).toBe(405);
  });
});

describe('flat exports in production mode', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ env: { NODE_ENV: 'production', ALLOW_INTROSPECTION: 'false' } });
  }, 60_000);
  afterAll(() => hub?.close());

  it('need a token like any GraphQL request', async () => {
    expect((await get(`${base(hub)}/reports`)).status).toBe(401);
    expect((await get(`${base(hub)}/reports/production-orders.csv?plant=1000`)).status).toBe(401);
    const ok = await get(`${base(hub)}/reports/production-orders.csv?plant=1000&status=CLOSED`, await hub.as(['planner']));
    expect(ok.status).toBe(200);
    expect(csvRows(ok.bytes).length).toBeGreaterThan(0);
  });
});
