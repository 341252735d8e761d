import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * The one way the hub connects to Redis (cache, event bus, rate limits, audit, idempotency):
 * `redis://host:port/db` (or `rediss://`) for one server, `redis+cluster://host1:port,host2:port` for a
 * Redis Cluster. Multi-key operations must keep their keys in one slot (see the event bus's keys).
 */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis | Cluster {
  if (url.startsWith('redis+cluster://')) {
    const nodes = url
      .slice('redis+cluster://'.length)
      .split(',')
      .map((hp) => {
        const [host, port] = hp.split(':');
        return { host: host || '127.0.0.1', port: Number(port || 6379) };
      });
    return new Cluster(nodes, { redisOptions: options, enableOfflineQueue: options.enableOfflineQueue ?? true });
  }
  return new Redis(url, options);
}

