import type { HubConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { EventBus } from './types.ts';

export type { EventBus } from './types.ts';

export interface EventBusOptions {
  /** Start the live reader (the gateway); a publisher (the bridge) leaves it off. */
  listen?: boolean;
}

/** The bus the configuration asks for: Redis when `REDIS_URL` is set, else the process's in-memory bus. */
export async function createEventBus(config: HubConfig, log: Logger, opts: EventBusOptions = {}): Promise<EventBus> {
  if (config.redisUrl) {
    const { createRedisBus } = await import('./redis-bus.ts');
    return createRedisBus({ url: config.redisUrl, prefix: config.cachePrefix, maxLen: config.events.streamMaxLen, log, listen: opts.listen ?? false });
  }
  const { acquireMemoryBus } = await import('./memory-bus.ts');
  return acquireMemoryBus(config.cachePrefix, config.events.streamMaxLen);
}
