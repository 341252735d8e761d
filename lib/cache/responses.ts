import type { Cluster, Redis } from 'ioredis';

/**
 * The whole-response cache's shared half (the gateway serves and stores answers, gateway/response-cache;
 * the subgraphs report what each answer read and drop answers when entity entries are dropped).
 *
 * A stored answer names the entity entries it was built from ("tags": `<system>:<type>:<id>`, plus
 * `<system>:<type>` and `<system>`): `dropTagged` runs wherever the entity cache drops entries (MES
 * events, closed-loop writes, purges), so an answer is never staler than the entity cache. Its TTL is
 * the shortest remaining freshness of the entries it read, so per-type TTLs bound ERP data as before.
 *
 * Keys share one hash tag (`{<prefix>:rc}`), so the scripts below run on a Redis Cluster too. Nothing
 * here scans the keyspace: invalidation costs one set read per dropped tag, whatever else Redis holds.
 */
export const CACHE_REPORT_HEADER = 'x-hub-cache-report';

/** What one subgraph answer read: entry tags and how long the shortest-lived of them stays fresh. */
export interface CacheReport {
  tags: string[];
  /** Seconds; Infinity when the answer read no entry at all (e.g. `{ __typename }`). */
  maxAge: number;
}

/** The `extensions.hubCache` a subgraph puts on its answer; undefined = this answer must not be cached. */
export function readCacheReport(ext: Record<string, unknown> | undefined): CacheReport | undefined {
  const r = ext?.hubCache as { tags?: unknown; maxAge?: unknown } | undefined;
  if (!r || !Array.isArray(r.tags)) return undefined;
  const maxAge = r.maxAge === null ? Infinity : Number(r.maxAge);
  return Number.isFinite(maxAge) || maxAge === Infinity ? { tags: r.tags.filter((t): t is string => typeof t === 'string'), maxAge } : undefined;
}

/** The same in the answer's JSON (Infinity is not JSON). */
export function cacheReportExtension(r: CacheReport): { tags: string[]; maxAge: number | null } {
  return { tags: r.tags, maxAge: r.maxAge === Infinity ? null : r.maxAge };
}

/** A tag and its type and system tags: `mes:job:WO-1` -> `mes:job:WO-1`, `mes:job`, `mes`. */
export function widenTags(tags: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const t of tags) {
    out.add(t);
    const a = t.indexOf(':');
    if (a < 0) continue;
    out.add(t.slice(0, a));
    const b = t.indexOf(':', a + 1);
    if (b > 0) out.add(t.slice(0, b));
  }
  return out;
}

export interface ResponseKeys {
  answer(hash: string): string;
  tag(tag: string): string;
  tombstone(tag: string): string;
  generation: string;
}

export function responseKeys(prefix: string): ResponseKeys {
  const slot = `{${prefix}:rc}`;
  return {
    answer: (hash) => `${slot}:a:${hash}`,
    tag: (tag) => `${slot}:t:${tag}`,
    tombstone: (tag) => `${slot}:x:${tag}`,
    generation: `${slot}:g`,
  };
}

/**
 * How long an invalidation is remembered: an answer whose request started before it and that tries to
 * store itself afterwards is refused. Requests running longer than half of this are never stored.
 */
export const TOMBSTONE_TTL_S = 60;

/**
 * Drops every stored answer with any of these tags, and records the drop (a new generation and a
 * tombstone per tag) so that an answer computed from older data cannot be stored afterwards.
 * KEYS: generation, n tag sets, n tombstones. ARGV: n, tombstone TTL.
 */
const DROP_SCRIPT = `
local n = tonumber(ARGV[1])
local g = redis.call('INCR', KEYS[1])
-- Kept while drops happen; after a quiet day no tombstone is left to compare with, so a restart at 1 is safe.
redis.call('EXPIRE', KEYS[1], 86400)
local dropped = 0
for i = 1, n do
  redis.call('SET', KEYS[n + 1 + i], g, 'EX', ARGV[2])
  local members = redis.call('SMEMBERS', KEYS[1 + i])
  for j = 1, #members, 500 do
    redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  dropped = dropped + #members
  redis.call('DEL', KEYS[1 + i])
end
return dropped`;

/**
 * Stores an answer unless any of its tags was dropped after its request started (generation `start`).
 * KEYS: answer, n tag sets, n tombstones. ARGV: value, TTL seconds, start generation, n.
 */
const STORE_SCRIPT = `
local n = tonumber(ARGV[4])
local start = tonumber(ARGV[3])
for i = 1, n do
  local x = redis.call('GET', KEYS[n + 1 + i])
  if x and tonumber(x) > start then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 1, n do
  redis.call('SADD', KEYS[1 + i], KEYS[1])
  if redis.call('TTL', KEYS[1 + i]) < ttl then redis.call('EXPIRE', KEYS[1 + i], ttl) end
end
return 1`;

type Client = Redis | Cluster;

/** Drops the answers tagged with any of `tags` (the entity cache calls this with what it drops). */
export async function dropTagged(redis: Client, keys: ResponseKeys, tags: readonly string[]): Promise<number> {
  if (tags.length === 0) return 0;
  const unique = [...new Set(tags)];
  const k = [keys.generation, ...unique.map(keys.tag), ...unique.map(keys.tombstone)];
  return Number(await redis.eval(DROP_SCRIPT, k.length, ...k, unique.length, TOMBSTONE_TTL_S));
}

/** Stores an answer under its tags; false when an invalidation since `startGeneration` refused it. */
export async function storeTagged(
  redis: Client,
  keys: ResponseKeys,
  answerKey: string,
  value: string,
  ttlSec: number,
  tags: readonly string[],
  startGeneration: number,
): Promise<boolean> {
  const k = [answerKey, ...tags.map(keys.tag), ...tags.map(keys.tombstone)];
  return Number(await redis.eval(STORE_SCRIPT, k.length, ...k, value, Math.max(1, Math.floor(ttlSec)), startGeneration, tags.length)) === 1;
}
