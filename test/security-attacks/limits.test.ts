import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../support/hub.ts';
import { collect, until, type Collected } from '../support/live.ts';
import { runOver, sseClient, startAttackHub, startGatewayProcess, type GatewayProcess } from '../support/attack.ts';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { wsUrl } from '../support/live.ts';

const RATE_LIMIT = 10;
const PER_CONNECTION = 3;
const PER_SUBJECT = 5;
const SUBSCRIPTION = 'subscription { equipmentStateChanged { eventId } }';

const wsFor = (gw: GatewayProcess, headers: Record<string, string>) =>
  createClient({ url: wsUrl(gw.url), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, connectionParams: headers });

/** A refused subscription: an `error` message (refused before it started) or a result carrying the error. */
const refusal = (c: Collected) =>
  ((c.errors[0] as { extensions?: Record<string, unknown> }[] | undefined) ?? c.results[0]?.errors)?.[0]?.extensions;
const refused = (c: Collected) => refusal(c) !== undefined;

describe('attack: rate limit and subscription caps across transports, production mode', () => {
  let hub: Hub;
  let gw: GatewayProcess;
  beforeAll(async () => {
    hub = await startAttackHub();
    gw = await startGatewayProcess(hub, {
      RATE_LIMIT: String(RATE_LIMIT),
      MAX_SUBSCRIPTIONS_PER_CONNECTION: String(PER_CONNECTION),
      MAX_SUBSCRIPTIONS_PER_SUBJECT: String(PER_SUBJECT),
    });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await hub?.close();
  });

  it('one subject, one budget: HTTP, WebSocket and SSE operations count together; past it every transport refuses', async () => {
    const auth = await hub.as(['finance'], 'rate-user');
    const query = { query: '{ __typename }' };
    const order = ['post', 'ws', 'sse', 'get', 'post', 'ws', 'sse', 'get', 'post', 'ws'] as const;
    for (const t of order) expect((await runOver(t, gw, query, auth)).errors, t).toBeUndefined();
    for (const t of ['post', 'get', 'ws', 'sse'] as const) {
      const r = await runOver(t, gw, query, auth);
      expect(r.errors?.[0]?.extensions?.code, t).toBe('RATE_LIMITED');
      if (t !== 'ws') expect(r.status, t).toBe(429);
    }
    // Another subject has its own budget.
    expect((await runOver('ws', gw, query, await hub.as(['finance'], 'other-user'))).errors).toBeUndefined();
  });

  it('a subscription counts against the same budget, and a refused one leaves the socket open', async () => {
    const auth = await hub.as(['finance'], 'sub-rate-user');
    for (let i = 0; i < RATE_LIMIT; i++) expect((await runOver('post', gw, { query: '{ __typename }' }, auth)).errors).toBeUndefined();
    const client = wsFor(gw, auth);
    const sub = collect(client, SUBSCRIPTION);
    await until(() => refused(sub), 10_000, 'the refusal');
    expect(refusal(sub)).toMatchObject({ code: 'RATE_LIMITED' });
    await client.dispose();
  });

  it('caps open subscriptions per connection and per subject, over WebSocket and SSE together; a closed one frees its slot', async () => {
    const auth = await hub.as(['finance'], 'cap-user');
    const a = wsFor(gw, auth);
    const onA = Array.from({ length: PER_CONNECTION }, () => collect(a, SUBSCRIPTION));
    const extraOnA = collect(a, SUBSCRIPTION);
    await until(() => refused(extraOnA), 10_000, 'the per-connection refusal');
    expect(refusal(extraOnA)).toMatchObject({ code: 'RATE_LIMITED', limit: 'subscriptionsPerConnection' });
    expect(onA.some(refused)).toBe(false);

    const b = wsFor(gw, auth);
    const onB = [collect(b, SUBSCRIPTION), collect(b, SUBSCRIPTION)];
    const extraOnB = collect(b, SUBSCRIPTION);
    await until(() => refused(extraOnB), 10_000, 'the per-subject refusal');
    expect(refusal(extraOnB)).toMatchObject({ code: 'RATE_LIMITED', limit: 'subscriptionsPerSubject' });
    expect(onB.some(refused)).toBe(false);

    // The SSE transport is held to the same per-subject cap.
    const sse = sseClient(gw, auth);
    const got: unknown[] = [];
    const stop = sse.subscribe({ query: SUBSCRIPTION }, { next: (r) => void got.push(r), error: (e) => void got.push(e), complete: () => undefined });
    await until(() => got.length > 0, 10_000, 'the SSE refusal');
    expect(JSON.stringify(got[0])).toContain('subscriptionsPerSubject');
    stop();
    sse.dispose();

    // Completing one subscription gives its slot back.
    onA[0]!.dispose();
    const again = collect(b, SUBSCRIPTION);
    const control = collect(b, SUBSCRIPTION);
    await until(() => refused(control), 10_000, 'a refusal after the new subscription (the cap is reached again)');
    expect(refused(again)).toBe(false);
    await a.dispose();
    await b.dispose();
  });
});
