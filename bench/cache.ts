/**
 * `npm run bench -- cache`: the 50-order cross-system query through the gateway with a cold cache
 * (fresh entries purged before each request) and a warm one, side by side in one run, with the
 * systems' own call counters. Sequential requests: latency, not throughput, is the question here.
 */
import { CROSS_SYSTEM_QUERY, ORDER_QUERY } from '../gateway/examples.ts';
import { admin, gql, purgeCaches, startHub, type Hub } from '../test/support/hub.ts';
import { printTable, summarise, type Sample } from './stats.ts';

interface Case {
  query: string;
  variables: Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  '50 orders cross-system': { query: CROSS_SYSTEM_QUERY, variables: { first: 50 } },
  'one order with routing and work orders': { query: ORDER_QUERY, variables: { id: '1000045' } },
};

async function measure(hub: Hub, c: Case, name: string, n: number, before: () => Promise<void>): Promise<Sample> {
  const latenciesMs: number[] = [];
  let upstreamCalls = 0;
  for (let i = 0; i < n; i++) {
    await before();
    await Promise.all([admin.resetStats(hub.erpApi), admin.resetStats(hub.mesApi)]);
    const t0 = process.hrtime.bigint();
    const res = await gql(hub.gateway, c.query, c.variables);
    latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    const [erp, mes] = await Promise.all([admin.stats(hub.erpApi), admin.stats(hub.mesApi)]);
    upstreamCalls += erp.total + mes.total;
  }
  return { name, latenciesMs, upstreamCalls, requests: n };
}

export async function benchCache(n = Number(process.env.BENCH_REQUESTS ?? 200)): Promise<void> {
  const hub = await startHub();
  try {
    for (const [label, c] of Object.entries(CASES)) {
      // Warm-up: JIT, keep-alive sockets, query plan cache.
      await measure(hub, c, 'warm-up', 20, () => purgeCaches(hub));
      const cold = summarise(await measure(hub, c, 'cold cache (purged before each)', n, () => purgeCaches(hub)));
      const warm = summarise(await measure(hub, c, 'warm cache', n, async () => undefined));
      process.stdout.write(`\n${label}: ${n} sequential requests each, Redis cache, all servers in this process\n\n`);
      printTable([cold, warm]);
      process.stdout.write(
        `warm/cold p50 latency ratio: ${(warm.p50 / cold.p50).toFixed(3)}  (p99: ${(warm.p99 / cold.p99).toFixed(3)}); ` +
          `upstream calls per request: cold ${cold.callsPerRequest.toFixed(2)}, warm ${warm.callsPerRequest.toFixed(2)}\n`,
      );
    }
  } finally {
    await hub.close();
  }
}
