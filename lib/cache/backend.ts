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
  /** The Redis connection, for the response cache's scripts (lib/cache/responses.ts); none in memory. */
  readonly raw?: Redis | Cluster;
  /** Values for keys, null where absent (or where the cache could not be asked). */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /**
   * Writes all entries in one round trip (a pipeline in Redis). With `index`, their keys are also
   * added to that set (kept as long as its longest-lived entry), so `delIndexed` can drop them all.
   */
  mset(entries: readonly { key: string; value: string; ttlSec: number }[], index?: string): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /** Deletes every key starting with `prefix`; answers how many. Scans the keyspace: admin use only. */
  delPrefix(prefix: string): Promise<number>;
  /**
   * Deletes every key in the `index` set (written by `mset`); `prefix` names the same keys for a backend
   * without sets. Costs what the index holds, never a keyspace scan: this is the event path's purge.
   */
  delIndexed(index: string, prefix: string): Promise<number>;
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
    // In memory the LRU is bounded (maxEntries): walking it is the index.
    delIndexed: async (_index, prefix) => {
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
    mset: (entries, index) =>
      soft(undefined, async () => {
        if (entries.length === 0) return;
        const ttl = (e: { ttlSec: number }) => Math.max(1, Math.round(e.ttlSec));
        const indexTtl = Math.max(...entries.map(ttl));
        if (cluster) {
          await Promise.all(entries.map((e) => client.set(e.key, e.value, 'EX', ttl(e))));
          if (index) await client.sadd(index, ...entries.map((e) => e.key)).then(() => client.expire(index, indexTtl, 'GT')).then(() => client.expire(index, indexTtl, 'NX'));
          return;
        }
        const p = (client as Redis).pipeline();
        for (const e of entries) p.set(e.key, e.value, 'EX', ttl(e));
        if (index) {
          // The set lives as long as its longest-lived member: GT extends it, NX sets it on a new set.
          p.sadd(index, ...entries.map((e) => e.key));
          p.expire(index, indexTtl, 'GT');
          p.expire(index, indexTtl, 'NX');
        }
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
    delIndexed: (index) =>
      soft(0, async () => {
        // SPOP, not SMEMBERS + DEL: a key indexed meanwhile is either popped here or stays for the next purge.
        let n = 0;
        for (;;) {
          const keys = await client.spop(index, 500);
          if (keys.length === 0) return n;
          if (cluster) n += (await Promise.all(keys.map((k) => client.del(k)))).reduce((a, b) => a + b, 0);
          else n += await (client as Redis).del(...keys);
        }
      }),
    raw: client,
    close: async () => {
      client.disconnect();
    },
  };
}
