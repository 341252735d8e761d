import type { EventBus } from '../../lib/events/bus.ts';
import { compareEventIds } from '../../lib/events/ids.ts';
import type { HubEvent } from '../../lib/events/types.ts';

/**
 * What one connection (a WebSocket, an SSE response) may hold in memory: events received live but not
 * yet sent, over all its subscriptions. Past `limit`, `overflow` closes the connection (WebSocket close
 * code 1013, which clients retry), so a consumer that stops reading costs bounded memory.
 */
export interface ConnectionBudget {
  queued: number;
  readonly limit: number;
  overflow(): void;
}

/** Events read per replay round trip. */
const REPLAY_PAGE = 500;

/**
 * The events of one subscription: first those after `after` from the stream (replay), then live ones,
 * without gap or duplicate. The live listener is attached before the replay starts and buffers what
 * arrives meanwhile; every event at or before the last one delivered is dropped, so the handover from
 * replay to live is seamless whichever side saw an event first. `filter` runs before an event is
 * buffered: a subscriber pays nothing for events it does not want.
 *
 * A hand-written iterator rather than an async generator: `return()` must end a subscription that is
 * waiting for its next event at once (a generator would only see it at its next `yield`).
 */
export class SubscriptionEvents implements AsyncIterableIterator<HubEvent> {
  private readonly buffer: HubEvent[] = [];
  private replayed: HubEvent[] = [];
  private replaying: boolean;
  private last: string | undefined;
  private done = false;
  private wake: (() => void) | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly filter: (e: HubEvent) => boolean,
    private readonly budget: ConnectionBudget,
    after: string | undefined,
    private readonly onQueued?: (e: HubEvent) => void,
  ) {
    this.last = after;
    this.replaying = after !== undefined;
    this.unsubscribe = bus.subscribe((e) => {
      if (this.done || !this.filter(e)) return;
      this.buffer.push(e);
      this.onQueued?.(e);
      if (++this.budget.queued > this.budget.limit) this.budget.overflow();
      this.wake?.();
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<HubEvent>> {
    for (;;) {
      if (this.done) return { done: true, value: undefined };
      const r = this.replayed.shift();
      if (r) return { done: false, value: r };
      if (this.replaying) {
        await this.replayPage();
        continue;
      }
      while (this.buffer.length > 0) {
        const e = this.buffer.shift()!;
        this.budget.queued--;
        if (this.last !== undefined && compareEventIds(e.id, this.last) <= 0) continue;
        this.last = e.id;
        return { done: false, value: e };
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  async return(): Promise<IteratorResult<HubEvent>> {
    if (!this.done) {
      this.done = true;
      this.unsubscribe();
      this.budget.queued -= this.buffer.length;
      this.buffer.length = 0;
      this.replayed = [];
      this.wake?.();
    }
    return { done: true, value: undefined };
  }

  private async replayPage(): Promise<void> {
    const page = await this.bus.replay(this.last!, REPLAY_PAGE);
    if (page.length < REPLAY_PAGE) this.replaying = false;
    for (const e of page) {
      this.last = e.id;
      if (!this.filter(e)) continue;
      this.replayed.push(e);
      this.onQueued?.(e);
    }
  }
}
