import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../support/hub.ts';
import {
  HEALTH_BOUND_MS,
  RSS_GROWTH_BOUND_MB,
  runOver,
  startAttackHub,
  startGatewayProcess,
  TRANSPORTS,
  watch,
  type GatewayProcess,
} from '../support/attack.ts';

const RECONCILIATION = 'query($p: PeriodInput){ reconciliation(period: $p, first: 1){ totalCount } }';
const unknownKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

/** 25 fragments, each spreading the next twice: 2^25 expansions from about 1 KB. */
function fragmentFanOut(levels = 25): string {
  const frags = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  return [`query { ...F0 }`, ...frags, `fragment F${levels} on Query { productionOrders(first: 1) { totalCount } }`].join('\n');
}

describe('attack: operations, production mode, every transport', () => {
  let hub: Hub;
  let gw: GatewayProcess;
  let auth: Record<string, string>;
  beforeAll(async () => {
    hub = await startAttackHub();
    gw = await startGatewayProcess(hub);
    auth = await hub.as(['finance'], 'attacker');
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await hub?.close();
  });

  for (const transport of TRANSPORTS) {
    it(`${transport}: an input object with thousands of unknown keys gets a short, bounded BAD_USER_INPUT answer`, async () => {
      // GET carries the variables in the URL: fewer keys fit under the header size limit.
      const keys = transport === 'get' ? 800 : 4000;
      const w = await watch(gw, () => runOver(transport, gw, { query: RECONCILIATION, variables: { p: unknownKeys(keys) } }, auth));
      const { errors, bytes } = w.result;
      expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors?.[0]?.message).toMatch(/Field "k\d+" is not defined by type "PeriodInput"/);
      expect(errors!.length).toBeLessThanOrEqual(21);
      // Each message names a path, never the whole object: 4,000 keys used to answer 200 MB.
      expect(bytes).toBeLessThan(20_000);
      expect(w.alive).toBe(true);
      expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
      expect(w.peakRssMb - w.baselineRssMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
    });

    it(`${transport}: 25 fragments each spreading the next twice are refused (QUERY_TOO_COMPLEX) without blocking`, async () => {
      const w = await watch(gw, () => runOver(transport, gw, { query: fragmentFanOut() }, auth));
      expect(w.result.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(w.alive).toBe(true);
      expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
    });

    it(`${transport}: a fragment cycle is a validation error, never expanded`, async () => {
      const query = 'query { ...A } fragment A on Query { productionOrders(first: 1) { totalCount } ...B } fragment B on Query { ...A }';
      const r = await runOver(transport, gw, { query }, auth);
      expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.errors?.[0]?.message).toMatch(/Cannot spread fragment "[AB]" within itself/);
    });

    it(`${transport}: with introspection off, errors suggest no names ("Did you mean ...")`, async () => {
      const typo = await runOver(transport, gw, { query: '{ productionOrders(first: 1) { edges { node { plannedCos } } } }' }, auth);
      expect(typo.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(typo.errors?.[0]?.message).toMatch(/Cannot query field "plannedCos"/);
      const enumTypo = await runOver(
        transport,
        gw,
        { query: 'query($k: [DiscrepancyKind!]){ reconciliation(kinds: $k, first: 1){ totalCount } }', variables: { k: ['QUANTITY_DRIF'] } },
        auth,
      );
      expect(enumTypo.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const inputTypo = await runOver(transport, gw, { query: RECONCILIATION, variables: { p: { fro: '2026-01-01T00:00:00Z' } } }, auth);
      expect(inputTypo.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      for (const r of [typo, enumTypo, inputTypo]) {
        for (const e of r.errors ?? []) expect(e.message).not.toMatch(/Did you mean/);
      }
    });
  }

  for (const transport of ['post', 'ws', 'sse'] as const) {
    it(`${transport}: variables past MAX_VARIABLE_VALUES (30,000 keys, 400 KB) or MAX_VARIABLE_DEPTH are refused at once`, async () => {
      let deep: unknown = 1;
      for (let i = 0; i < 1000; i++) deep = { a: deep };
      const w = await watch(gw, async () => [
        await runOver(transport, gw, { query: RECONCILIATION, variables: { p: unknownKeys(30_000) } }, auth),
        await runOver(transport, gw, { query: RECONCILIATION, variables: { p: deep as Record<string, unknown> } }, auth),
      ]);
      const [wide, nested] = w.result;
      expect(wide!.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', limit: 'variableValues' } });
      expect(nested!.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', limit: 'variableDepth' } });
      expect(w.alive).toBe(true);
      expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
      expect(w.peakRssMb - w.baselineRssMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
    });

    if (transport === 'post') {
      it('post: variables nested 100,000 levels deep (raw JSON) get a coded 400, not a crash', async () => {
        const raw = `{"query":${JSON.stringify(RECONCILIATION)},"variables":{"p":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
        const w = await watch(gw, () => fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: raw }));
        expect(w.result.status).toBe(400);
        expect(((await w.result.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
        expect(w.alive).toBe(true);
        expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
      });
    }

    it(`${transport}: a document past MAX_QUERY_TOKENS is refused by the parser (GRAPHQL_PARSE_FAILED)`, async () => {
      const wide = `{ ${Array.from({ length: 6000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
      const w = await watch(gw, () => runOver(transport, gw, { query: wide }, auth));
      expect(w.result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(w.maxHealthMs).toBeLessThan(HEALTH_BOUND_MS);
    });
  }
});
