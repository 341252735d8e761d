import type { Cluster, Redis } from 'ioredis';
import { createRedisConnection, defineScript } from '../redis.ts';
import type { Logger } from '../log.ts';
import { Fanout } from './fanout.ts';
import { compareEventIds } from './ids.ts';
import type { EventBus, FeedPosition, HubEvent, HubEventInput } from './types.ts';

/**
 * The event bus on a Redis Stream `<prefix>:events`. Entries hold `type` and `data` (the event as
 * JSON); the entry id is the hub event id. The stream is capped with `MAXLEN ~ maxLen` on every append,
 * so it keeps roughly the newest `maxLen` events (Redis trims whole nodes, so a little more): that is
 * how far back a subscriber can resume with `after`. Feed positions live beside it in
 * `{<prefix>:events}:<feed>-position` (the braces put both in one Redis Cluster slot).
 */
export interface RedisBusOptions {
  url: string;
  prefix: string;
  maxLen: number;
  log: Logger;
  listen: boolean;
}

/**
 * Compare-and-append in one script, so the positions and the entries are written together or not at all:
 * a publish retried after a lost reply, or a second bridge on the same feed, finds the position already
 * moved and appends nothing. Several events of one feed per call, in order. KEYS: stream, position.
 * ARGV: maxLen, then per event position, type ('' = none), data. Answers per event its entry id or ''.
 */
const PUBLISH = `
local ids = {}
local current = tonumber(redis.call('GET', KEYS[2]) or '-1')
for i = 2, #ARGV, 3 do
  local id = ''
  if current < tonumber(ARGV[i]) then
    current = tonumber(ARGV[i])
    redis.call('SET', KEYS[2], ARGV[i])
    if ARGV[i + 1] ~= '' then
      id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', ARGV[i + 1], 'data', ARGV[i + 2])
    end
  end
  ids[#ids + 1] = id
end
return ids
`;

/** How long one XREAD blocks: short enough to notice `close()` soon, long enough to cost nothing idle. */
const BLOCK_MS = 5000;
const READ_COUNT = 500;

type StreamEntry = [id: string, fields: string[]];

export function decodeEntry([id, fields]: StreamEntry): HubEvent | undefined {
  let data: string | undefined;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === 'data') data = fields[i + 1];
  if (data === undefined) return undefined;
  try {
    return { ...(JSON.parse(data) as HubEventInput), id };
  } catch {
    return undefined;
  }
}

export async function createRedisBus(opts: RedisBusOptions): Promise<EventBus> {
  const stream = `${opts.prefix}:events`;
  // The hash tag puts the position key in the stream's slot: the compare-and-append script touches
  // both, and a Redis Cluster runs a script only on keys of one slot.
  const positionKey = (feed: string) => `{${stream}}:${feed}-position`;
  const redis = createRedisConnection(opts.url, 'events', { enableAutoPipelining: true });
  redis.on('error', (e: Error) => opts.log.warn('redis error (event bus)', { err: e.message }));
  const hubPublish = defineScript(redis, 'hubPublish', 2, PUBLISH);
  const fanout = new Fanout(opts.log);
  let closed = false;
  let reader: Redis | Cluster | undefined;
  let loop: Promise<void> | undefined;

  async function lastId(): Promise<string | undefined> {
    const last = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last[0]?.[0];
  }

  if (opts.listen) {
    // A blocking XREAD holds its connection: the reader gets its own, the publisher and replays keep theirs.
    const r = createRedisConnection(opts.url, 'event-reader');
    reader = r;
    r.on('error', (e: Error) => opts.log.warn('redis error (event reader)', { err: e.message }));
    // Read from the newest entry at start, then always from the last one delivered: a Redis restart or
    // a failed read resumes exactly there (ioredis reconnects; the loop below survives every error).
    let from: string | undefined = await lastId().catch(() => undefined);
    loop = (async () => {
      let failures = 0;
      while (!closed) {
        try {
          // Redis was not there at start: the first read starts at the newest entry once it is.
          from ??= (await lastId()) ?? '0-0';
          const res = (await r.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', stream, from)) as
            | [string, StreamEntry[]][]
            | null;
          if (failures > 0) opts.log.info('event reader re-attached to the stream', { from });
          failures = 0;
          for (const [, entries] of res ?? []) {
            for (const entry of entries) {
              from = entry[0];
              const e = decodeEntry(entry);
              if (e) fanout.emit(e);
            }
          }
        } catch (e) {
          if (closed) break;
          failures++;
          if (failures === 1) opts.log.warn('event reader lost the stream; retrying', { err: (e as Error).message, from });
          await new Promise((res) => setTimeout(res, Math.min(5000, 200 * 2 ** Math.min(failures, 5))));
        }
      }
    })();
  }

  async function publishMany(items: readonly { event: HubEventInput | null; at: FeedPosition }[]): Promise<(HubEvent | null)[]> {
    // One script call per feed (its position key): a batch normally holds one feed only.
    const out: (HubEvent | null)[] = [];
    for (let from = 0; from < items.length; ) {
      const feed = items[from]!.at.feed;
      let to = from;
      while (to < items.length && items[to]!.at.feed === feed) to++;
      const run = items.slice(from, to);
      const args = run.flatMap(({ event, at }) => [at.position, event ? event.type : '', event ? JSON.stringify(event) : '']);
      const ids = (await hubPublish(stream, positionKey(feed), opts.maxLen, ...args)) as string[];
      run.forEach(({ event }, i) => out.push(ids[i] && event ? ({ ...event, id: ids[i] } as HubEvent) : null));
      from = to;
    }
    return out;
  }

  return {
    kind: 'redis',
    publish: async (event, at) => (await publishMany([{ event, at }]))[0]!,
    publishMany,
    async position(feed: string): Promise<number | undefined> {
      const v = await redis.get(positionKey(feed));
      return v === null ? undefined : Number(v);
    },
    async resetPosition(at: FeedPosition): Promise<void> {
      await redis.set(positionKey(at.feed), String(at.position));
    },
    async replay(after: string, limit: number): Promise<HubEvent[]> {
      // `(` makes the range exclusive (Redis >= 6.2): the event named by `after` is not sent again.
      const entries = (await redis.xrange(stream, `(${after}`, '+', 'COUNT', limit)) as StreamEntry[];
      return entries.map(decodeEntry).filter((e): e is HubEvent => e !== undefined);
    },
    lastId,
    async lost(after) {
      // Redis does not record which ids MAXLEN trimmed, only the oldest kept one: when entries were
      // trimmed and `after` is older than the oldest kept, events after it may be gone. (A client resuming
      // from exactly the last trimmed event is told too: a reload is the safe side of that doubt.)
      const first = (await redis.xrange(stream, '-', '+', 'COUNT', 1)) as StreamEntry[];
      const oldest = first[0]?.[0];
      if (!oldest || compareEventIds(oldest, after) <= 0) return false;
      const info = (await redis.xinfo('STREAM', stream).catch(() => null)) as unknown[] | null;
      const field = (name: string) => {
        const at = info?.indexOf(name) ?? -1;
        return at >= 0 ? Number(info![at + 1]) : 0;
      };
      return field('entries-added') > field('length');
    },
    subscribe(listener) {
      if (!opts.listen) throw new Error('this event bus was made without listen: true');
      return fanout.add(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      reader?.disconnect();
      await loop?.catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
