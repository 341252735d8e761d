import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonClient } from '../lib/http-client.ts';
import { UpstreamError } from '../lib/errors.ts';
import { startErpSystem } from '../systems/erp/server.ts';
import { admin, getJson, gql, startHub, type Hub } from './support/hub.ts';

/** Polls `check` until it answers true; fails after `timeoutMs` (conditions, not fixed sleeps). */
async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ORDER = 'query Order($id: ID!) { productionOrder(id: $id) { id plannedQuantity } }';
// Half-open after 4 s: long enough that the ten queries below all meet the open breaker on a busy machine.
const BREAKER = { BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '4000', UPSTREAM_READ_RETRIES: '1' };

describe.each([
  ['demo', {}],
  ['production', { NODE_ENV: 'production' }],
] as const)('ERP down, %s mode: the breaker opens, stops the calls, and closes again by itself', (_mode, env: Record<string, string>) => {
  let hub: Hub;
  let headers: Record<string, string>;
  // A fresh order number per query: every read misses the cache and must ask the ERP.
  let next = 1_000_100;
  const ask = () => gql(hub.gateway, ORDER, { id: String(next++) }, headers);
  const erpCircuit = async () => (await getJson(hub.erpSubgraph.replace(/\/graphql$/, '/ready'))).circuits.erp as string;

  beforeAll(async () => {
    hub = await startHub({ env: { ...BREAKER, ...env } });
    headers = await hub.as(['planner']);
  });
  afterAll(() => hub?.close());

  it('answers UPSTREAM_UNAVAILABLE naming the ERP, without calling it while open, then recovers', async () => {
    expect((await ask()).body.errors).toBeUndefined();
    expect(await erpCircuit()).toBe('closed');

    await admin.faults(hub.erpApi, { down: true });
    await admin.resetStats(hub.erpApi);
    await until(async () => {
      const res = await ask();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', system: 'erp' });
      return (await erpCircuit()) === 'open';
    });
    // Opened after 3 consecutive failures (one read retried once): the ERP saw at most 3 + 1 calls.
    const reached = (await admin.stats(hub.erpApi)).total;
    expect(reached).toBeGreaterThanOrEqual(3);
    expect(reached).toBeLessThanOrEqual(4);

    for (let i = 0; i < 10; i++) {
      const res = await ask();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', system: 'erp', reason: 'circuit-open' });
    }
    // Ten more queries, and not one reached the ERP.
    expect((await admin.stats(hub.erpApi)).total).toBe(reached);
    const ready = await getJson(hub.gateway.replace(/\/graphql$/, '/ready'));
    expect(ready.circuits['erp.erp']).toBe('open');
    if (!env.NODE_ENV) {
      const metrics = await (await fetch(hub.erpSubgraph.replace(/\/graphql$/, '/metrics'))).text();
      expect(metrics).toMatch(/^hub_circuit_state\{[^}]*system="erp"[^}]*\} 1$/m);
      expect(metrics).toMatch(/^hub_upstream_requests_total\{[^}]*outcome="circuit-open"[^}]*\} \d+/m);
    }

    await admin.clearFaults(hub.erpApi);
    // After BREAKER_HALF_OPEN_MS one probe goes through; it succeeds, the breaker closes, reads flow.
    await until(async () => (await ask()).body.errors === undefined);
    expect(await erpCircuit()).toBe('closed');
    expect((await admin.stats(hub.erpApi)).total).toBeGreaterThan(reached);
  });
});

describe('the connectors HTTP client', () => {
  let erp: Awaited<ReturnType<typeof startErpSystem>>;
  beforeAll(async () => {
    erp = await startErpSystem({ port: 0, seed: 42, scale: 0.2 });
  });
  afterAll(() => erp?.close());

  it('never retries a write, and retries a failed read with jitter up to UPSTREAM_READ_RETRIES', async () => {
    const client = createJsonClient({
      system: 'erp',
      baseUrl: erp.url,
      timeoutMs: 2000,
      resilience: { breakerFailures: 100, breakerHalfOpenMs: 1000, readRetries: 2 },
    });
    try {
      await admin.faults(erp.url, { errorRate: 1 });
      await admin.resetStats(erp.url);
      await expect(client.send('PATCH', "odata/ProductionOrders('000001000001')", { Status: 'RELEASED' })).rejects.toBeInstanceOf(UpstreamError);
      expect((await admin.stats(erp.url)).total).toBe(1);

      await admin.resetStats(erp.url);
      await expect(client.get('odata/Materials?$top=1')).rejects.toBeInstanceOf(UpstreamError);
      expect((await admin.stats(erp.url)).total).toBe(3);
    } finally {
      await admin.clearFaults(erp.url);
      await client.close();
    }
  });

  it('gives up on a slow answer at the deadline, and does not retry a timed-out read', async () => {
    const client = createJsonClient({ system: 'erp', baseUrl: erp.url, timeoutMs: 300, resilience: { breakerFailures: 100, breakerHalfOpenMs: 1000, readRetries: 2 } });
    try {
      await admin.faults(erp.url, { latencyMs: 3000 });
      await admin.resetStats(erp.url);
      await expect(client.get('odata/Materials?$top=1')).rejects.toMatchObject({ reason: 'timeout' });
      expect((await admin.stats(erp.url)).total).toBe(1);
    } finally {
      await admin.clearFaults(erp.url);
      await client.close();
    }
  });
});
