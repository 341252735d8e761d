/**
 * `npm run bench -- invalidation`: what an MES event's type-wide cache drop costs (e.g. an equipment
 * event drops the cached equipment lists), by the keyspace SCAN the hub used to run and by the type's
 * index set it runs now, first on a near-empty Redis and then with 10^6 unrelated keys present. The
 * unrelated keys expire after 10 minutes even if the bench is interrupted, and are removed at its end.
 * Settings: BENCH_REDIS_URL (default the test Redis), BENCH_FILLER_KEYS (1000000).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisBackend } from '../lib/cache/backend.ts';
import { EntityCache } from '../lib/cache/entity-cache.ts';
import { createLogger } from '../lib/log.ts';
import { TEST_REDIS_URL } from '../test/support/hub.ts';
import { percentile } from './stats.ts';
import { table } from './measure.ts';
import { machine } from './throughput.ts';

const ENTRIES_PER_TYPE = 50;
const DROPS = 30;

async function timeDrops(cache: EntityCache, how: 'scan' | 'index'): Promise<{ p50: number; p99: number; max: number }> {
  const ms: number[] = [];
  const ids = Array.from({ length: ENTRIES_PER_TYPE }, (_, i) => `site-${i}`);
  for (let i = 0; i < DROPS; i++) {
    // The lists an event drops exist again before each drop (a query re-read them).
    await cache.batch('equipmentList', ids, async (missing) => new Map(missing.map((k) => [k, [{ id: k, state: 'RUNNING' }]])), [], undefined);
    const t0 = performance.now();
    if (how === 'scan') await cache.purge('equipmentList');
    else await cache.dropType('equipmentList');
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1]! };
}

async function fill(redis: Redis, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 10_000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + 10_000); j++) p.set(`${prefix}:${j}`, '1', 'EX', 600);
    await p.exec();
  }
}

async function unfill(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function benchInvalidation(): Promise<void> {
  const url = process.env.BENCH_REDIS_URL ?? TEST_REDIS_URL;
  const filler = Number(process.env.BENCH_FILLER_KEYS ?? 1_000_000);
  const prefix = `bench-inv-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(url);
  const backend = createRedisBackend(url, createLogger('bench', 'warn'));
  const cache = new EntityCache({ backend, system: 'mes', prefix, ttlSec: {}, defaultTtlSec: 60, staleTtlSec: 60, negativeTtlSec: 30 });
  const rows: string[][] = [];
  process.stdout.write(`npm run bench -- invalidation\n${machine()}\n`);
  try {
    const measureBoth = async (label: string) => {
      const keys = await redis.dbsize();
      for (const how of ['scan', 'index'] as const) {
        const r = await timeDrops(cache, how);
        rows.push([`${how === 'scan' ? 'keyspace SCAN (before)' : 'type index set (now)'}`, label, String(keys), r.p50.toFixed(2), r.p99.toFixed(2), r.max.toFixed(2)]);
      }
    };
    await measureBoth('as found');
    const t0 = performance.now();
    await fill(redis, `${prefix}-filler`, filler);
    process.stdout.write(`wrote ${filler} unrelated keys in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    await measureBoth(`+${filler} unrelated keys`);
  } finally {
    await unfill(redis, `${prefix}-filler`);
    await cache.purge(undefined, { stale: true });
    await redis.del(`${prefix}:index:mes:equipmentList`);
    redis.disconnect();
    await backend.close();
  }
  process.stdout.write(
    `\nDropping one type's entries (${ENTRIES_PER_TYPE} cached equipment lists), ${DROPS} drops each, shared Redis at ${url}\n\n` +
      table(['how', 'Redis holds', 'keys in Redis', 'p50 ms', 'p99 ms', 'max ms'], rows) +
      '\n',
  );
}
