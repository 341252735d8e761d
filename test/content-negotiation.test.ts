/**
 * Content negotiation on /graphql, as the GraphQL-over-HTTP spec and graphql-sse decide it: a query or
 * mutation is answered as JSON whatever else Accept lists (urql lists text/event-stream for every
 * query); the event stream is for subscriptions, or for a client that accepts nothing else. CSRF
 * prevention stays on, and a request carrying Authorization passes it.
 */
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URQL_ACCEPT, withoutTypename } from './support/clients.ts';
import { gql, startHub, type Hub } from './support/hub.ts';
const ORDER = 'query Order($id: ID!) { productionOrder(id: $id) { id status plannedQuantity producedQuantity material { id description } } }';

describe('content negotiation and CSRF on /graphql', () => {
  let hub: Hub;
  let auth: Record<string, string>;
  beforeAll(async () => {
    hub = await startHub({ redis: false });
    auth = await hub.as(['planner']);
  }, 60_000);
  afterAll(() => hub?.close());

  const get = (query: string, variables: unknown, headers: Record<string, string>) => {
    const url = new URL(hub.gateway);
    url.searchParams.set('query', query);
    url.searchParams.set('variables', JSON.stringify(variables));
    return fetch(url, { headers });
  };

  it('urql with its default exchanges queries over GET and gets the same data as a raw POST', async () => {
    const raw = await gql(hub.gateway, ORDER, { id: '1000045' });
    expect(raw.body.data?.productionOrder?.id).toBe('1000045');
    const client = new Client({ url: hub.gateway, exchanges: [cacheExchange, fetchExchange], fetchOptions: { headers: auth } });
    const result = await client.query(ORDER, { id: '1000045' }).toPromise();
    expect(result.error).toBeUndefined();
    expect(withoutTypename(result.data)).toEqual(raw.body.data);
  });

  it("a GET query with urql's Accept is answered as graphql-response+json, not as an event stream", async () => {
    const res = await get(ORDER, { id: '1000045' }, { accept: URQL_ACCEPT, ...auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect((await res.json()).data.productionOrder.id).toBe('1000045');
  });

  it("a POST mutation with urql's Accept is answered as JSON (its refusal, here, with its code)", async () => {
    const res = await fetch(hub.gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: URQL_ACCEPT },
      body: JSON.stringify({ query: 'mutation { releaseProductionOrder(id: "1000045", idempotencyKey: "neg-1") { id } }' }),
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    const body = await res.json();
    expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it("a subscription with urql's Accept on /graphql gets the event stream", async () => {
    const controller = new AbortController();
    const res = await fetch(hub.gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream, multipart/mixed' },
      body: JSON.stringify({ query: 'subscription { equipmentStateChanged { eventId state } }' }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    controller.abort();
  });

  it('a client that accepts nothing but text/event-stream gets its query as a stream (graphql-sse)', async () => {
    const client = createSseClient({ url: hub.gateway, retryAttempts: 0 });
    const results: unknown[] = [];
    await new Promise<void>((resolve, reject) =>
      client.subscribe({ query: ORDER, variables: { id: '1000045' } }, { next: (r) => void results.push(r), error: reject, complete: resolve }),
    );
    client.dispose();
    const raw = await gql(hub.gateway, ORDER, { id: '1000045' });
    expect(results).toEqual([{ data: raw.body.data }]);
  });

  it('CSRF: a GET without a preflight header or Authorization is refused; either one passes', async () => {
    const refused = await get(ORDER, { id: '1000045' }, { accept: 'application/json' });
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    const preflight = await get(ORDER, { id: '1000045' }, { accept: 'application/json', 'apollo-require-preflight': 'true' });
    expect(preflight.status).toBe(200);
    const withToken = await get(ORDER, { id: '1000045' }, { accept: 'application/json', ...auth });
    expect(withToken.status).toBe(200);
    // A POST a form could send stays refused.
    const form = await fetch(hub.gateway, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: ORDER }) });
    expect(form.status).toBe(400);
  });
});
