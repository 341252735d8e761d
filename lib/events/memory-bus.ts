import { Fanout } from './fanout.ts';
import { compareEventIds } from './ids.ts';
import { publishEach, type EventBus, type FeedPosition, type HubEvent, type HubEventInput } from './types.ts';

/**
 * The in-memory bus (no `REDIS_URL`): the same contract as the Redis Stream, for the servers of one
 * process. It keeps the newest `maxLen` events for replay; ids have the Redis shape `<ms>-<seq>`.
 */
class MemoryBus implements Omit<EventBus, 'close'> {
  readonly kind = 'memory' as const;
  private readonly log: HubEvent[] = [];
  private readonly positions = new Map<string, number>();
  private readonly fanout = new Fanout();
  private lastMs = 0;
  private seq = 0;
  /** The newest id trimmed away by the size cap (what `lost` compares against). */
  private maxTrimmedId: string | undefined;
  refs = 0;

  constructor(private readonly maxLen: number) {}

  private nextId(): string {
    const now = Date.now();
    // Like Redis: a clock that steps back keeps the last millisecond and counts the sequence on.
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else this.seq++;
    return `${this.lastMs}-${this.seq}`;
  }

  async publish(event: HubEventInput | null, at: FeedPosition): Promise<HubEvent | null> {
    const current = this.positions.get(at.feed) ?? -1;
    if (current >= at.position) return null;
    this.positions.set(at.feed, at.position);
    if (!event) return null;
    const published = { ...event, id: this.nextId() } as HubEvent;
    this.log.push(published);
    // Trimmed in chunks, like MAXLEN ~: one splice per tenth of the capacity, not one shift per event.
    if (this.log.length > this.maxLen + Math.ceil(this.maxLen / 10)) {
      const trimmed = this.log.splice(0, this.log.length - this.maxLen);
      this.maxTrimmedId = trimmed[trimmed.length - 1]!.id;
    }
    this.fanout.emit(published);
    return published;
  }

  publishMany(items: readonly { event: HubEventInput | null; at: FeedPosition }[]): Promise<(HubEvent | null)[]> {
    return publishEach((e, at) => this.publish(e, at), items);
  }

  async position(feed: string): Promise<number | undefined> {
    return this.positions.get(feed);
  }

  async resetPosition(at: FeedPosition): Promise<void> {
    this.positions.set(at.feed, at.position);
  }

  async replay(after: string, limit: number): Promise<HubEvent[]> {
    // Binary search for the first event after `after`: a resume deep in a long log stays cheap.
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEventIds(this.log[mid]!.id, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return this.log.slice(lo, lo + limit);
  }

  async lastId(): Promise<string | undefined> {
    return this.log[this.log.length - 1]?.id;
  }

  async lost(after: string): Promise<boolean> {
    return this.maxTrimmedId !== undefined && compareEventIds(this.maxTrimmedId, after) > 0;
  }

  subscribe(listener: (e: HubEvent) => void): () => void {
    return this.fanout.add(listener);
  }
}

/** One bus per prefix per process, shared by the bridge and the gateway of `npm start`. */
const buses = new Map<string, MemoryBus>();

export function acquireMemoryBus(prefix: string, maxLen: number): EventBus {
  let bus = buses.get(prefix);
  if (!bus) {
    bus = new MemoryBus(maxLen);
    buses.set(prefix, bus);
  }
  bus.refs++;
  const shared = bus;
  let closed = false;
  return {
    kind: 'memory',
    publish: (e, at) => shared.publish(e, at),
    publishMany: (items) => shared.publishMany(items),
    position: (f) => shared.position(f),
    resetPosition: (at) => shared.resetPosition(at),
    replay: (a, l) => shared.replay(a, l),
    lastId: () => shared.lastId(),
    lost: (a) => shared.lost(a),
    subscribe: (l) => shared.subscribe(l),
    async close() {
      if (closed) return;
      closed = true;
      // The last user gone, the log goes too: a later hub in the same process starts clean.
      if (--shared.refs === 0 && buses.get(prefix) === shared) buses.delete(prefix);
    },
  };
}
