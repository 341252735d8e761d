import { LRUCache } from 'lru-cache';

/**
 * Cached entries as objects, remembered with their exact text. A warm entry is read from Redis on every
 * request (MGET keeps every hub process in step with invalidations), but its text rarely changes: an
 * MES subgraph answering 50 orders re-parsed ~330 KB of identical JSON per request, its largest cost
 * after GraphQL execution. Entries are remembered under their cache key and reused while the key
 * holds the very same text: checking that costs one string compare. (Keyed by the text itself, every
 * lookup first hashed the whole text, ~330 KB per 50-order request.) The same text always yields the
 * same value, so nothing a reader sees changes.
 *
 * The objects are shared between requests, so readers treat cached records as read-only (copy before
 * sorting or changing, as the resolvers do). They are not frozen: @apollo/subgraph marks every entity
 * it resolves with a non-enumerable `__typename` (Object.defineProperty), always the same value for
 * the same record, which a frozen object would refuse.
 */
const MAX_TEXT_CHARS = 16 * 1024 * 1024;

const parsed = new LRUCache<string, { text: string; value: unknown }>({
  maxSize: MAX_TEXT_CHARS,
  sizeCalculation: (entry, key) => Math.max(1, entry.text.length + key.length),
});

/** `JSON.parse(text)` of the entry at `key`, shared while the key holds the same text; throws like JSON.parse. */
export function parseShared(key: string, text: string): unknown {
  const hit = parsed.get(key);
  if (hit && hit.text === text) return hit.value;
  const value: unknown = JSON.parse(text);
  parsed.set(key, { text, value });
  return value;
}
