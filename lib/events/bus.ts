import type { HubConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { publishSpan, tracingOn } from '../tracing.ts';
import { publishEach, type EventBus } from './types.ts';

export type { EventBus } from './types.ts';

export interface EventBusOptions {
  /** Start the live reader (the gateway); a publisher (the bridge) leaves it off. */
  listen?: boolean;
}

/** The bus the configuration asks for: Redis when `REDIS_URL` is set, else the process's in-memory bus. */
export async function createEventBus(config: HubConfig, log: Logger, opts: EventBusOptions = {}): Promise<EventBus> {
  let bus: EventBus;
  if (config.redisUrl) {
    const { createRedisBus } = await import('./redis-bus.ts');
    bus = await createRedisBus({ url: config.redisUrl, prefix: config.cachePrefix, maxLen: config.events.streamMaxLen, log, listen: opts.listen ?? false });
  } else {
    const { acquireMemoryBus } = await import('./memory-bus.ts');
    bus = acquireMemoryBus(config.cachePrefix, config.events.streamMaxLen);
  }
  return tracingOn() ? traced(bus) : bus;
}

/**
 * With tracing on, each append is a PRODUCER span and the event carries its `traceparent` through the
 * stream, so the gateway continues the trace where it hands the event to subscribers.
 */
function traced(bus: EventBus): EventBus {
  const publish: EventBus['publish'] = (event, at) =>
    event ? publishSpan(event.type, (traceparent) => bus.publish(traceparent ? { ...event, traceparent } : event, at)) : bus.publish(event, at);
  return {
    kind: bus.kind,
    publish,
    // One span per event, so one publish each (in order): tracing trades the batch's single round trip for them.
    publishMany: (items) => publishEach(publish, items),
    position: (feed) => bus.position(feed),
    resetPosition: (at) => bus.resetPosition(at),
    replay: (after, limit) => bus.replay(after, limit),
    lastId: () => bus.lastId(),
    lost: (after) => bus.lost(after),
    subscribe: (listener) => bus.subscribe(listener),
    close: () => bus.close(),
  };
}
