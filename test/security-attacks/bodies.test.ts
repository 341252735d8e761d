import { describe, expect, it } from 'vitest';
import type { Hub } from '../support/hub.ts';
import {
  HEALTH_BOUND_MS,
  RSS_GROWTH_BOUND_MB,
  sendHugeBody,
  watch,
  type GatewayProcess,
  withAttackGateway,
} from '../support/attack.ts';

const MiB = 1024 * 1024;

/** Every HTTP route a GraphQL body can reach: plain POST and both graphql-sse entries. */
const ROUTES = [
  { name: 'POST /graphql', path: '/graphql', headers: {} },
  { name: 'POST /graphql/stream', path: '/graphql/stream', headers: { accept: 'text/event-stream' } },
  { name: 'POST /graphql (Accept: text/event-stream)', path: '/graphql', headers: { accept: 'text/event-stream' } },
] as const;

describe('attack: huge bodies, production mode, every HTTP transport', () => {
  let hub: Hub;
  let gw: GatewayProcess;
  withAttackGateway((h, g) => ((hub = h), (gw = g)));

  for (const route of ROUTES) {
    it(`${route.name}: 600 MiB without a token is a 401 before the body is read; the gateway stays up and small`, async () => {
      const w = await watch(gw, () => sendHugeBody(gw.base + route.path, 600 * MiB, route.headers));
      expect(w.result.status).toBe(401);
      expect(JSON.parse(w.result.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      // The answer came long before the body could have been sent.
      expect(w.result.sent).toBeLessThan(100 * MiB);
      expect(w.alive).toBe(true);
      expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
      expect(w.peakRssMb - w.baselineRssMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
    });
  }

  it('three parallel 300 MB bodies without a token, on all three routes: each 401 quickly, memory bounded', async () => {
    const w = await watch(gw, () => Promise.all(ROUTES.map((r) => sendHugeBody(gw.base + r.path, 300 * 1000 * 1000, r.headers))));
    expect(w.result.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(w.alive).toBe(true);
    expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
    expect(w.peakRssMb - w.baselineRssMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
  });

  for (const route of ROUTES) {
    it(`${route.name}: with a valid token, a body past MAX_BODY_BYTES is a 413 (declared or streamed), never buffered`, async () => {
      const headers = { ...route.headers, ...(await hub.as(['finance'])) };
      const w = await watch(gw, async () => [
        await sendHugeBody(gw.base + route.path, 200 * MiB, headers, { declareLength: true }),
        await sendHugeBody(gw.base + route.path, 200 * MiB, headers),
      ]);
      for (const answer of w.result) {
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
        expect(answer.sent).toBeLessThan(100 * MiB);
      }
      expect(w.alive).toBe(true);
      expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
      expect(w.peakRssMb - w.baselineRssMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
    });
  }

  it('a batched array of operations is refused with a coded 400, not run', async () => {
    const headers = { 'content-type': 'application/json', ...(await hub.as(['finance'])) };
    const batch = Array.from({ length: 500 }, () => ({ query: '{ productionOrders(first: 500) { edges { node { id plannedCost } } } }' }));
    const res = await fetch(gw.url, { method: 'POST', headers, body: JSON.stringify(batch) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toMatch(/BAD_REQUEST|BAD_USER_INPUT/);
  });
});
