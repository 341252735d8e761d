/**
 * A system without the POSTed batch query (an ERP without OData 4.01 `$query`, a MES without
 * `POST <list>/query`): the connectors notice the refusal once, say so, and answer through chunked
 * GETs from then on, with the same rows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonClient, type JsonClient } from '../lib/http-client.ts';
import { createODataErpSource } from '../subgraphs/erp/odata-source.ts';
import { createRestMesSource } from '../subgraphs/mes/rest-source.ts';
import { startErpSystem } from '../systems/erp/server.ts';
import { startMesSystem } from '../systems/mes/server.ts';

interface Refusing {
  url: string;
  posts: number;
  close(): Promise<void>;
}

/** Forwards every request to `target` except POSTed queries, which it answers with `status`. */
async function refusingProxy(target: string, status: number): Promise<Refusing> {
  const state = { posts: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && /\/(\$query|query)$/.test(new URL(req.url ?? '/', 'http://x').pathname)) {
      state.posts++;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"code":"NotImplemented","message":"not offered"}}');
      return;
    }
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get posts() {
      return state.posts;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const anchor = Math.floor(Date.now() / 60_000) * 60_000;
const closers: (() => Promise<void>)[] = [];
const client = (system: 'erp' | 'mes', baseUrl: string): JsonClient => {
  const c = createJsonClient({ system, baseUrl, timeoutMs: 3000 });
  closers.push(() => c.close());
  return c;
};
let erpUrl: string;
let mesUrl: string;

beforeAll(async () => {
  const erp = await startErpSystem({ port: 0, seed: 42, scale: 1, anchor });
  const mes = await startMesSystem({ port: 0, seed: 42, scale: 1, anchor, simulate: false });
  closers.push(erp.close, mes.close);
  erpUrl = erp.url;
  mesUrl = mes.url;
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const orderIds = Array.from({ length: 350 }, (_, i) => String(1000000 + i));

/**
 * A source of `make` behind a proxy that answers POSTed queries with `status` (what it was told of the
 * refusal in `told`), and one straight to the demo system, both asking with POSTed queries.
 */
async function refusedAndDirect<S>(system: 'erp' | 'mes', status: number, make: (c: JsonClient, onUnsupported?: (d: string) => void) => S) {
  const proxy = await refusingProxy(system === 'erp' ? erpUrl : mesUrl, status);
  closers.push(proxy.close);
  const told: string[] = [];
  return { proxy, told, refused: make(client(system, proxy.url), (d) => told.push(d)), direct: make(client(system, system === 'erp' ? erpUrl : mesUrl)) };
}
const erpSource = (c: JsonClient, onUnsupported?: (d: string) => void) => createODataErpSource(c, { postQuery: true, maxPageSize: 5000, onUnsupported });
const mesSource = (batchPageSize: number) => (c: JsonClient, onUnsupported?: (d: string) => void) =>
  createRestMesSource(c, { postQuery: true, batchPageSize, onUnsupported });

describe('an ERP without $query', () => {
  for (const status of [501, 405, 404]) {
    it(`answering ${status}: the lookup falls back to chunked GETs once, with the same rows`, async () => {
      const { proxy, told, refused, direct } = await refusedAndDirect('erp', status, erpSource);
      const expected = await direct.ordersByIds(orderIds);
      expect(expected.length).toBeGreaterThan(300);
      expect(await refused.ordersByIds(orderIds)).toEqual(expected);
      expect(await refused.routingByOrders(orderIds)).toEqual(await direct.routingByOrders(orderIds));
      // asked once, told once; the second lookup went straight to GETs
      expect(proxy.posts).toBe(1);
      expect(told).toEqual([expect.stringMatching(/\$query was refused/)]);
    });
  }

  it('a refusal of another kind (the ERP is down) is an error, not a fallback', async () => {
    const { proxy, told, refused } = await refusedAndDirect('erp', 503, erpSource);
    await expect(refused.ordersByIds(orderIds)).rejects.toMatchObject({ name: 'UpstreamError', system: 'erp' });
    expect(proxy.posts).toBeGreaterThan(0);
    expect(told).toEqual([]);
  });
});

describe('a MES without POST <list>/query', () => {
  it('falls back to chunked GETs once, with the same work orders', async () => {
    const { proxy, told, refused, direct } = await refusedAndDirect('mes', 404, mesSource(5000));
    const expected = await direct.jobOrdersByErpOrders(orderIds);
    expect(expected.length).toBeGreaterThan(300);
    expect(await refused.jobOrdersByErpOrders(orderIds)).toEqual(expected);
    const ids = expected.map((j) => j.id);
    expect(await refused.jobOrdersByIds(ids)).toEqual(await direct.jobOrdersByIds(ids));
    expect(proxy.posts).toBe(1);
    expect(told).toEqual([expect.stringMatching(/job-orders\/query was refused/)]);
  });

  it('pages a POSTed query past its page size with the same rows', async () => {
    const expected = await mesSource(5000)(client('mes', mesUrl)).jobOrdersByErpOrders(orderIds);
    expect(expected.length).toBeGreaterThan(2 * 150);
    expect(await mesSource(150)(client('mes', mesUrl)).jobOrdersByErpOrders(orderIds)).toEqual(expected);
  });
});
