import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startHub, type Hub } from './support/hub.ts';

describe('gateway over HTTP', () => {
  let hub: Hub;
  let origin: string;
  beforeAll(async () => {
    hub = await startHub();
    origin = new URL(hub.gateway).origin;
  });
  afterAll(() => hub?.close());

  it('a browser opening /graphql gets the bundled explorer, with no CDN reference', async () => {
    const res = await fetch(hub.gateway, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('GraphiQL');
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.length).toBeGreaterThan(3);
    for (const src of srcs) {
      expect(src.startsWith('/explorer/'), src).toBe(true);
      const asset = await fetch(origin + src);
      expect(asset.status, src).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, src).toBeGreaterThan(1000);
    }
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
  });

  it('GET answers queries, and refuses mutations-by-GET and simple CSRF requests', async () => {
    const q = encodeURIComponent('{ productionOrders(first: 1) { totalCount } }');
    const ok = await fetch(`${hub.gateway}?query=${q}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).data.productionOrders.totalCount).toBeGreaterThan(0);
    // CSRF prevention stays on: a GET without a preflight-forcing header is refused.
    const csrf = await fetch(`${hub.gateway}?query=${q}`);
    expect(csrf.status).toBe(400);
    // A mutation never runs over GET (a link or an image tag must not change plant data).
    const m = encodeURIComponent('mutation { releaseProductionOrder(id: "1000001", idempotencyKey: "get-test") { id } }');
    const mutation = await fetch(`${hub.gateway}?query=${m}`, { headers: { 'apollo-require-preflight': '1', ...(await hub.as(['admin'])) } });
    expect(mutation.status).toBe(405);
    expect(((await mutation.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/GET/);
  });

  it('answers application/graphql-response+json when asked', async () => {
    const res = await fetch(hub.gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ productionOrders(first: 1) { totalCount } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/graphql-response+json');
  });

  it('/health answers, /ready reports both subgraphs', async () => {
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    const ready = await fetch(`${origin}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', subgraphs: { erp: true, mes: true } });
  });

  it('/metrics on the gateway and each subgraph count GraphQL requests by operation', async () => {
    await gql(hub.gateway, 'query MetricsProbe { productionOrders(first: 2) { edges { node { id progress } } } }');
    const gw = await (await fetch(`${origin}/metrics`)).text();
    expect(gw).toMatch(/hub_graphql_requests_total\{[^}]*operation="MetricsProbe"[^}]*outcome="ok"[^}]*\} 1/);
    expect(gw).toContain('hub_graphql_request_duration_seconds_bucket');
    for (const sub of [hub.erpSubgraph, hub.mesSubgraph]) {
      const text = await (await fetch(new URL('/metrics', sub))).text();
      expect(text).toMatch(/hub_graphql_requests_total\{[^}]*outcome="ok"/);
      expect(text).toMatch(/hub_upstream_requests_total\{[^}]*outcome="ok"/);
    }
  });

  it('malformed bodies and oversize requests get coded errors, not 500s', async () => {
    const bad = await fetch(hub.gateway, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const huge = await fetch(hub.gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(2 * 1024 * 1024)}` }),
    });
    expect(huge.status).toBe(413);
  });
});
