import type { HubConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { publishSpan, tracingOn } from '../tracing.ts';
import type { FeedPosition, HubEvent, HubEventInput } from './types.ts';

/**
 * The hub's event bus: one interface, two implementations. With `REDIS_URL` it is a Redis Stream
 * (`<CACHE_PREFIX>:events`), shared by every process; without, an in-memory log shared by the servers of
 * one process (`npm start`). The MES subgraph's bridge publishes; the gateway replays and listens.
 */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  /**
   * Appends `event` and moves the feed position to `at.position`, atomically, unless the stored position
   * is already there or past it (compare-and-append: a retried publish, or a second bridge reading the
   * same feed, never appends an MES event twice). `event` null only moves the position (an MES event the
   * hub does not publish). Answers the appended event (with its stream id), or null.
   */
  publish(event: HubEventInput | null, at: FeedPosition): Promise<HubEvent | null>;
  /** The stored position of a feed; undefined when it has none yet. */
  position(feed: string): Promise<number | undefined>;
  /** Sets a feed's position unconditionally (the feed restarted its ids, or a first start at its head). */
  resetPosition(at: FeedPosition): Promise<void>;
  /** Kept events with an id after `after`, oldest first, at most `limit`. */
  replay(after: string, limit: number): Promise<HubEvent[]>;
  /** The id of the newest kept event, or undefined when the stream is empty. */
  lastId(): Promise<string | undefined>;
  /** True when events after `after` were trimmed away (retention): a resume from there would miss some. */
  lost(after: string): Promise<boolean>;
  /**
   * Live events from now on, in stream order. One reader per process (an `XREAD BLOCK` loop for Redis)
   * fans out in memory, however many listeners. Only on a bus made with `listen: true`.
   */
  subscribe(listener: (e: HubEvent) => void): () => void;
  close(): Promise<void>;
}

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
  return {
    kind: bus.kind,
    publish: (event, at) =>
      event ? publishSpan(event.type, (traceparent) => bus.publish(traceparent ? { ...event, traceparent } : event, at)) : bus.publish(event, at),
    position: (feed) => bus.position(feed),
    resetPosition: (at) => bus.resetPosition(at),
    replay: (after, limit) => bus.replay(after, limit),
    lastId: () => bus.lastId(),
    lost: (after) => bus.lost(after),
    subscribe: (listener) => bus.subscribe(listener),
    close: () => bus.close(),
  };
}

/** Calls every listener; one that throws is logged and does not stop the others. */
export class Fanout {
  private readonly listeners = new Set<(e: HubEvent) => void>();

  constructor(private readonly log?: Logger) {}

  add(listener: (e: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: HubEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log?.error('event listener failed', { err: (err as Error).message, eventId: e.id });
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
