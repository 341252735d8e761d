import type { Cluster, Redis } from 'ioredis';
import { defineScript } from '../../../lib/redis.ts';

/**
 * A durable FIFO of pending deliveries (the transactional-outbox pattern without a shared database):
 * an entry is written before the first side effect, each step of its delivery is recorded on it, and a
 * relay works the queue head first, so deliveries happen in order and a crash at any point leaves an
 * entry that says exactly what is left to do.
 *
 * Storage: Redis, the hub's one shared store (cache, events, idempotency): a LIST of ids gives the order,
 * one JSON string per entry its state. Adding, advancing and settling are Lua scripts, atomic on the
 * server. A production Redis must run with `appendonly yes` (AOF, `appendfsync everysec` or `always`):
 * without persistence a Redis restart would lose the queue. Without REDIS_URL the outbox is in memory
 * (one process, lost on restart: demo only, logged at start).
 */
export interface OutboxEntry {
  id: string;
  /** Where the entry is in its delivery; `advance` and `settle` only move on from the stage they expect. */
  stage: string;
}

export interface Outbox<T extends OutboxEntry> {
  /** Queues the entry at the tail; false (and nothing changed) when an entry with its id exists. */
  add(entry: T): Promise<boolean>;
  get(id: string): Promise<T | undefined>;
  /** The oldest queued entry. */
  head(): Promise<T | undefined>;
  /** Queued entries, oldest first. */
  list(limit: number): Promise<T[]>;
  size(): Promise<number>;
  /** Replaces the queued entry when its stored stage is still `from` (compare-and-set). */
  advance(entry: T, from: string): Promise<boolean>;
  /** Takes the entry off the queue (stage `from` expected) and keeps it readable for the retention time. */
  settle(entry: T, from: string): Promise<boolean>;
  /** Leadership for the relay: true while `owner` holds it (renewed by calling again). */
  lease(owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;
}

const ADD = `if redis.call('SET', KEYS[1], ARGV[1], 'NX') then redis.call('RPUSH', KEYS[2], ARGV[2]) return 1 end return 0`;
const ADVANCE = `local v = redis.call('GET', KEYS[1])
if not v or cjson.decode(v).stage ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2]) return 1`;
const SETTLE = `local v = redis.call('GET', KEYS[1])
if not v or cjson.decode(v).stage ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) redis.call('LREM', KEYS[2], 1, ARGV[4]) return 1`;
const LEASE = `local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;

export function createRedisOutbox<T extends OutboxEntry>(redis: Redis | Cluster, prefix: string, name: string, retentionSeconds: number): Outbox<T> {
  // One hash tag for the whole outbox: on a Redis Cluster every key of a script must share a slot.
  const base = `${prefix}:outbox:{${name}}`;
  const queue = `${base}:queue`;
  const leaseKey = `${base}:lease`;
  const key = (id: string) => `${base}:e:${id}`;
  const parse = (raw: string | null): T | undefined => (raw === null ? undefined : (JSON.parse(raw) as T));
  // Loaded once per connection, sent as EVALSHA: a confirmation costs hashes on the wire, not script text.
  const scripts = {
    add: defineScript(redis, 'outboxAdd', 2, ADD),
    advance: defineScript(redis, 'outboxAdvance', 1, ADVANCE),
    settle: defineScript(redis, 'outboxSettle', 2, SETTLE),
    lease: defineScript(redis, 'outboxLease', 1, LEASE),
    release: defineScript(redis, 'outboxRelease', 1, RELEASE),
  };
  return {
    async add(entry) {
      return (await scripts.add(key(entry.id), queue, JSON.stringify(entry), entry.id)) === 1;
    },
    async get(id) {
      return parse(await redis.get(key(id)));
    },
    async head() {
      const id = await redis.lindex(queue, 0);
      return id === null ? undefined : parse(await redis.get(key(id)));
    },
    async list(limit) {
      const ids = await redis.lrange(queue, 0, limit - 1);
      if (ids.length === 0) return [];
      const raws = await redis.mget(ids.map(key));
      return raws.flatMap((r) => (r === null ? [] : [JSON.parse(r) as T]));
    },
    size: () => redis.llen(queue),
    async advance(entry, from) {
      return (await scripts.advance(key(entry.id), from, JSON.stringify(entry))) === 1;
    },
    async settle(entry, from) {
      return (await scripts.settle(key(entry.id), queue, from, JSON.stringify(entry), retentionSeconds, entry.id)) === 1;
    },
    async lease(owner, ttlMs) {
      return (await scripts.lease(leaseKey, owner, ttlMs)) === 1;
    },
    async releaseLease(owner) {
      await scripts.release(leaseKey, owner);
    },
  };
}

export function createMemoryOutbox<T extends OutboxEntry>(retentionSeconds: number, now: () => number = Date.now): Outbox<T> {
  const entries = new Map<string, { entry: T; expires: number }>();
  const queue: string[] = [];
  const copy = (e: T): T => structuredClone(e);
  const read = (id: string): T | undefined => {
    const e = entries.get(id);
    if (e && e.expires <= now()) entries.delete(id);
    const live = entries.get(id);
    return live ? copy(live.entry) : undefined;
  };
  let leaseOwner: string | undefined;
  return {
    async add(entry) {
      if (entries.has(entry.id)) return false;
      entries.set(entry.id, { entry: copy(entry), expires: Infinity });
      queue.push(entry.id);
      return true;
    },
    get: async (id) => read(id),
    head: async () => (queue[0] === undefined ? undefined : read(queue[0])),
    list: async (limit) => queue.slice(0, limit).flatMap((id) => read(id) ?? []),
    size: async () => queue.length,
    async advance(entry, from) {
      const cur = entries.get(entry.id);
      if (!cur || cur.entry.stage !== from) return false;
      cur.entry = copy(entry);
      return true;
    },
    async settle(entry, from) {
      const cur = entries.get(entry.id);
      if (!cur || cur.entry.stage !== from) return false;
      entries.set(entry.id, { entry: copy(entry), expires: now() + retentionSeconds * 1000 });
      const i = queue.indexOf(entry.id);
      if (i >= 0) queue.splice(i, 1);
      return true;
    },
    async lease(owner) {
      leaseOwner ??= owner;
      return leaseOwner === owner;
    },
    async releaseLease(owner) {
      if (leaseOwner === owner) leaseOwner = undefined;
    },
  };
}
