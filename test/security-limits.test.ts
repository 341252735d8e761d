import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../gateway/security/persisted.ts';
import { EXAMPLE_OPERATIONS } from '../gateway/examples.ts';
import { gql, startHub, uniquePrefix, type Hub } from './support/hub.ts';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    headers: r.headers,
    json: (await r.json()) as any,
  }));

function expectTooComplex(res: Awaited<ReturnType<typeof gql>>, limit: string) {
  expect(res.status).toBe(400);
  expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
  expect(res.body.data).toBeUndefined();
}

describe('operation limits', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({
      env: { MAX_QUERY_DEPTH: '8', MAX_QUERY_ALIASES: '5', MAX_ROOT_FIELDS: '4', MAX_QUERY_COST: '5000', MAX_BODY_BYTES: '20000' },
    });
  });
  afterAll(() => hub?.close());

  it('too deep: QUERY_TOO_COMPLEX (depth), before anything reaches a system', async () => {
    const deep = '{ productionOrders(first: 1) { edges { node { workOrders { productionOrder { workOrders { productionOrder { workOrders { id } } } } } } } } }';
    expectTooComplex(await gql(hub.gateway, deep), 'depth');
  });

  it('too many aliases: QUERY_TOO_COMPLEX (aliases)', async () => {
    const q = `{ ${Array.from({ length: 4 }, (_, i) => `a${i}: material(id: "${i + 1}") { x${i}: id y${i}: description }`).join(' ')} }`;
    expectTooComplex(await gql(hub.gateway, q), 'aliases');
  });

  it('too many root fields (fragments counted): QUERY_TOO_COMPLEX (rootFields)', async () => {
    const q = '{ ...F plants { id } } fragment F on Query { p1: plants { id } p2: plants { name } p3: plants { currency } p4: plants { id } }';
    expectTooComplex(await gql(hub.gateway, q), 'rootFields');
  });

  it('too costly (lists multiply by `first`): QUERY_TOO_COMPLEX (cost)', async () => {
    const ok = await gql(hub.gateway, '{ productionOrders(first: 10) { edges { node { id workOrders { id operations { sequence } } } } } }');
    expect(ok.body.errors).toBeUndefined();
    const q = 'query($n: Int) { productionOrders(first: $n) { edges { node { id workOrders { id operations { sequence status equipment { id name } } } } } } }';
    expectTooComplex(await gql(hub.gateway, q, { n: 500 }), 'cost');
  });

  it('a body over MAX_BODY_BYTES gets 413', async () => {
    const res = await post(hub.gateway, { query: `{ __typename } #${'x'.repeat(30_000)}` });
    expect(res.status).toBe(413);
    expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('default limits', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it("let GraphiQL's introspection and every explorer example through", async () => {
    const intro = await gql(hub.gateway, getIntrospectionQuery());
    expect(intro.body.errors).toBeUndefined();
    for (const tab of EXAMPLE_OPERATIONS) {
      const res = await gql(hub.gateway, tab.query, (tab as { variables?: string }).variables ? JSON.parse((tab as { variables: string }).variables) : undefined);
      expect(res.body.errors?.filter((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX') ?? [], tab.query.slice(0, 60)).toEqual([]);
    }
  });

  it('Automatic Persisted Queries work through the hub: unknown hash, register, then hash only', async () => {
    const query = '{ plants { id name } }';
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const miss = await post(hub.gateway, { extensions: ext });
    expect(miss.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await post(hub.gateway, { query, extensions: ext });
    expect(register.json.data.plants.length).toBeGreaterThan(0);
    const hit = await post(hub.gateway, { extensions: ext });
    expect(hit.json.data).toEqual(register.json.data);
  });
});

describe('rate limits in Redis hold across gateway instances', () => {
  let hub: Hub;
  let second: string;
  beforeAll(async () => {
    hub = await startHub({ env: { CACHE_PREFIX: uniquePrefix('rate'), RATE_LIMIT: '6', RATE_LIMIT_WINDOW_S: '3600' } });
    second = await hub.anotherGateway();
  });
  afterAll(() => hub?.close());

  it('the seventh request of one caller, on either instance, gets 429 RATE_LIMITED; another caller still passes', async () => {
    const ann = await hub.as(['planner'], 'ann');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await gql(i % 2 ? second : hub.gateway, '{ plants { id } }', undefined, ann)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const limited = await gql(second, '{ plants { id } }', undefined, ann);
    expect(limited.status).toBe(429);
    expect(limited.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await gql(hub.gateway, '{ plants { id } }', undefined, await hub.as(['planner'], 'bob'))).status).toBe(200);
    // The refusal shows in the refusing instance's request counter.
    const metrics = await (await fetch(new URL('/metrics', second))).text();
    expect(metrics).toMatch(/hub_graphql_requests_total\{[^}]*operation="unparsed"[^}]*outcome="rejected"[^}]*\} 1/);
  });
});

describe('persisted-operations safelist (production, introspection enabled by config)', () => {
  let hub: Hub;
  const listed = 'query Kiosk { plants { id name } }';
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hub-pq-')), 'manifest.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256(listed), name: 'Kiosk', type: 'query', body: listed }] }),
    );
    hub = await startHub({
      env: { NODE_ENV: 'production', PERSISTED_QUERIES_MANIFEST: file, PERSISTED_QUERIES_ONLY: 'true', ALLOW_INTROSPECTION: 'true' },
    });
  });
  afterAll(() => hub?.close());

  it('a listed operation runs by hash alone and by its text; anything else is refused', async () => {
    const auth = await hub.as(['operator']);
    const byHash = await post(hub.gateway, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(listed) } } }, auth);
    expect(byHash.json.data.plants.length).toBeGreaterThan(0);
    const byText = await post(hub.gateway, { query: listed }, auth);
    expect(byText.json.data).toEqual(byHash.json.data);
    const other = await post(hub.gateway, { query: '{ plants { id } }' }, auth);
    expect(other.status).toBe(400);
    expect(other.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // Registering a new operation through APQ does not add it to the list.
    const q = '{ plants { name } }';
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256(q) } };
    expect((await post(hub.gateway, { query: q, extensions: ext }, auth)).json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect((await post(hub.gateway, { extensions: ext }, auth)).json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('ALLOW_INTROSPECTION=true serves the explorer in production mode', async () => {
    const page = await fetch(hub.gateway, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('GraphiQL');
  });
});
