import type { HubConfig } from '../config.ts';
import type { SystemName } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { HubMetrics } from '../metrics.ts';
import { createMemoryBackend, createRedisBackend, type CacheBackend } from './backend.ts';
import { EntityCache } from './entity-cache.ts';
import { dropTagged, responseKeys } from './responses.ts';

export { EntityCache } from './entity-cache.ts';
export { cachedEntities, cachedGroups } from './read-through.ts';
export { createStaleCollector, type StaleCollector, type StaleEntry } from './stale.ts';

/** The cache backend from config: Redis when REDIS_URL is set, else process memory (and says so). */
export function createCacheBackend(config: HubConfig, log: Logger): CacheBackend {
  if (config.redisUrl) return createRedisBackend(config.redisUrl, log);
  log.info('REDIS_URL is not set: entity cache in process memory');
  return createMemoryBackend();
}

/** One system's entity cache, with its per-type TTLs from config (`<system>.<type>` keys). */
export function createEntityCache(
  config: HubConfig,
  system: SystemName,
  backend: CacheBackend,
  metrics: HubMetrics,
  log?: Logger,
): EntityCache {
  const redis = backend.raw;
  const keys = responseKeys(config.cachePrefix);
  const ttlSec: Record<string, number> = {};
  for (const [k, v] of Object.entries(config.cache.ttlSec)) {
    if (k.startsWith(`${system}.`)) ttlSec[k.slice(system.length + 1)] = v;
  }
  return new EntityCache({
    backend,
    system,
    prefix: config.cachePrefix,
    ttlSec,
    defaultTtlSec: 30,
    staleTtlSec: config.cache.staleTtlSec,
    negativeTtlSec: config.cache.negativeTtlSec,
    metrics,
    // Always, whatever this process's RESPONSE_CACHE says: the gateway's may differ, and a drop is cheap.
    dropAnswers: redis
      ? (tags) =>
          dropTagged(redis, keys, tags).then(
            () => undefined,
            (e: unknown) => log?.warn('dropping cached answers failed; they expire with their TTL', { err: (e as Error).message }),
          )
      : undefined,
  });
}
