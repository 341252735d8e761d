import type { EventBus } from '../../../lib/events/bus.ts';
import type { HubEvent, HubEventInput } from '../../../lib/events/types.ts';
import type { Logger } from '../../../lib/log.ts';
import type { HubMetrics } from '../../../lib/metrics.ts';
import type { MesFeed, MesFeedEvent } from './feed.ts';
import type { Normalizer } from './normalize.ts';
import { sleep } from '../sleep.ts';
import { readyBatches } from './ready-batches.ts';

/**
 * The event bridge: reads the MES feed, turns each event into a hub event, lets `beforePublish` act on
 * it (the entity cache drops what the event changes, so a subscriber's follow-up read is fresh), then
 * appends it to the bus together with the feed position. The position is written in the same atomic
 * step as the event, so a restart resumes exactly after the last published event: nothing is lost,
 * nothing repeated. Two bridges on one feed (two MES subgraph instances) are safe for the same reason:
 * the second finds the position moved and appends nothing. The events the feed already has when the
 * bridge gets to them go as one batch: normalised and `beforePublish`ed together, then appended in
 * one atomic step, so a burst costs a few Redis round trips, not a few per event.
 */
export interface BridgeOptions {
  feed: MesFeed;
  normalizer: Normalizer;
  bus: EventBus;
  log: Logger;
  metrics: HubMetrics;
  /**
   * Awaited for every MES event before it is published (the events of a batch concurrently, all before
   * any of them is published), with the hub event (null for MES events the hub does not publish). A failure is retried with the event, so it must be idempotent. Default: none.
   */
  beforePublish?: (raw: MesFeedEvent, event: HubEventInput | null) => Promise<void> | void;
  /** The feed's name in the bus's position keys. */
  feedName?: string;
}

export interface EventBridge {
  /** The MES event id handled last (undefined before the first). */
  readonly position: number | undefined;
  /** Resolves once the bridge reads the feed (its start position is fixed and the MES accepted the stream). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** MES events per batch at most. */
const BATCH = 200;

export function startEventBridge(opts: BridgeOptions): EventBridge {
  const feed = opts.feedName ?? 'mes';
  const abort = new AbortController();
  const { signal } = abort;
  let position: number | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  /** Where to resume: this process's own position, else the stored one, else the feed's head (first start). */
  async function startPosition(): Promise<number> {
    let pos = position ?? (await opts.bus.position(feed));
    if (pos === undefined) {
      pos = await opts.feed.head(0);
      await opts.bus.resetPosition({ feed, position: pos });
      opts.log.info('event bridge starts at the head of the MES feed', { position: pos });
      return pos;
    }
    const head = await opts.feed.head(pos);
    if (head < pos) {
      // The MES numbers its events from 1 again (it restarted without its log): everything it has is new.
      opts.log.warn('the MES event feed restarted its ids; reading it from the start', { position: pos, head });
      pos = 0;
      await opts.bus.resetPosition({ feed, position: 0 });
    }
    return pos;
  }

  /** Retries a batch of events until all are published (or were already): a step never skips an MES event. */
  async function handle(batch: readonly MesFeedEvent[]): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const events = await Promise.all(batch.map((raw) => opts.normalizer.normalize(raw)));
        // Every cache drop of the batch before any of its events is told.
        await Promise.all(batch.map((raw, i) => opts.beforePublish?.(raw, events[i]!)));
        const published: (HubEvent | null)[] = await opts.bus.publishMany(batch.map((raw, i) => ({ event: events[i]!, at: { feed, position: raw.id } })));
        for (const p of published) if (p) opts.metrics.eventsPublished.inc({ type: p.type });
        position = batch[batch.length - 1]!.id;
        return;
      } catch (e) {
        if (attempt === 0) {
          opts.log.warn('event bridge cannot publish MES events yet; retrying', { mesEventIds: batch.map((r) => r.id), err: (e as Error).message });
        }
        await sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)), signal);
      }
    }
  }

  const loop = (async () => {
    for (let failures = 0; !signal.aborted; ) {
      try {
        let pos = await startPosition();
        for await (const ready of readyBatches(opts.feed.stream(pos, signal, markReady), BATCH)) {
          failures = 0;
          // Ids only rise: what a replay repeats is dropped (the positions in Redis would skip it too).
          const batch: MesFeedEvent[] = [];
          for (const raw of ready) if (raw.id > (batch.at(-1)?.id ?? pos)) batch.push(raw);
          if (batch.length === 0) continue;
          await handle(batch);
          if (signal.aborted) return;
          pos = batch[batch.length - 1]!.id;
        }
      } catch (e) {
        if (signal.aborted) return;
        failures++;
        if (failures === 1) opts.log.warn('MES event feed unavailable; reconnecting', { err: (e as Error).message });
      }
      // The stream ended (MES down, restarted, or a dropped connection): reconnect from the position.
      await sleep(Math.min(5000, 250 * 2 ** Math.min(failures, 4)), signal);
    }
  })();

  return {
    get position() {
      return position;
    },
    ready,
    async stop() {
      abort.abort();
      await loop.catch(() => undefined);
    },
  };
}
