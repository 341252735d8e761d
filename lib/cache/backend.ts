import { Cluster, type Redis } from 'ioredis';
import { createRedisConnection } from '../redis.ts';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../log.ts';

/**
 * Where cached entries live: Redis (shared by every hub process) or, without REDIS_URL, process
 * memory with the same semantics. Every operation fails soft: a broken cache is a slower hub, never a
 * failed query.
 */
export interface CacheBackend {
  readonly kind: 'redis' | 'memory';
  /** Values for keys, null where absent (or where the cache could not be asked). */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Writes all entries in one round trip (a pipeline in Redis). */
  mset(entries: readonly { key: string; value: string; ttlSec: number }[]): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /** Deletes every key starting with `prefix`; answers how many. */
  delPrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}

export function createMemoryBackend(maxEntries = 100_000): CacheBackend {
  const lru = new LRUCache<string, string>({ max: maxEntries, ttlAutopurge: false });
  return {
    kind: 'memory',
    mget: async (keys) => keys.map((k) => lru.get(k) ?? null),
    mset: async (entries) => {
      for (const e of entries) lru.set(e.key, e.value, { ttl: e.ttlSec * 1000 });
    },
    del: async (keys) => {
      for (const k of keys) lru.delete(k);
    },
    delPrefix: async (prefix) => {
      let n = 0;
      for (const k of [...lru.keys()]) if (k.startsWith(prefix) && lru.delete(k)) n++;
      return n;
    },
    close: async () => lru.clear(),
  };
}

export function createRedisBackend(url: string, log: Logger): CacheBackend {
  // The `cache` policy fails fast while Redis is away: the caller falls back to the system of record at once.
  const client = createRedisConnection(url, 'cache', {
    // Auto-pipelining groups the single GETs a cluster needs per node into one round trip.
    enableAutoPipelining: url.startsWith('redis+cluster://'),
  });
  const cluster = client instanceof Cluster;
  let healthy = true;
  // One log line per transition, never one per request.
  client.on('error', (e: Error) => {
    if (healthy) log.warn('cache unavailable; serving uncached until Redis is back', { err: e.message });
    healthy = false;
  });
  client.on('ready', () => {
    if (!healthy) log.info('cache available again');
    healthy = true;
  });
  const soft = async <T>(fallback: T, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch {
      return fallback;
    }
  };
  return {
    kind: 'redis',
    mget: (keys) =>
      keys.length === 0
        ? Promise.resolve([])
        : soft(
            keys.map(() => null),
            // A cluster spreads keys over slots; MGET must not cross them. The GETs go out together
            // (concurrently, not one round trip after another).
            () => (cluster ? Promise.all(keys.map((k) => client.get(k))) : (client as Redis).mget(...keys)),
          ),
    mset: (entries) =>
      soft(undefined, async () => {
        if (entries.length === 0) return;
        if (cluster) {
          await Promise.all(entries.map((e) => client.set(e.key, e.value, 'EX', Math.max(1, Math.round(e.ttlSec)))));
          return;
        }
        const p = (client as Redis).pipeline();
        for (const e of entries) p.set(e.key, e.value, 'EX', Math.max(1, Math.round(e.ttlSec)));
        await p.exec();
      }),
    del: (keys) =>
      soft(undefined, async () => {
        if (keys.length === 0) return;
        if (cluster) await Promise.all(keys.map((k) => client.del(k)));
        else await (client as Redis).del(...keys);
      }),
    delPrefix: (prefix) =>
      soft(0, async () => {
        const nodes = cluster ? (client as Cluster).nodes('master') : [client as Redis];
        let n = 0;
        for (const node of nodes) {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
            cursor = next;
            if (keys.length) n += await node.del(...keys);
          } while (cursor !== '0');
        }
        return n;
      }),
    close: async () => {
      client.disconnect();
    },
  };
}
