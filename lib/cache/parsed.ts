import { LRUCache } from 'lru-cache';

/**
 * Cached entries as objects, remembered by their exact text. A warm entry is read from Redis on every
 * request (MGET keeps every hub process in step with invalidations), but its text rarely changes: an
 * MES subgraph answering 50 orders re-parsed ~330 KB of identical JSON per request, its largest cost
 * after GraphQL execution. Looking the text up costs a hash and a compare; the same text always
 * yields the same value, so nothing a reader sees changes.
 *
 * The objects are shared between requests, so readers treat cached records as read-only (copy before
 * sorting or changing, as the resolvers do). They are not frozen: @apollo/subgraph marks every entity
 * it resolves with a non-enumerable `__typename` (Object.defineProperty), always the same value for
 * the same record, which a frozen object would refuse.
 */
const MAX_TEXT_CHARS = 16 * 1024 * 1024;

const parsed = new LRUCache<string, { value: unknown }>({
  maxSize: MAX_TEXT_CHARS,
  sizeCalculation: (_v, text) => Math.max(1, text.length),
});

/** `JSON.parse(text)`, shared by every caller that passes the same text; throws like JSON.parse. */
export function parseShared(text: string): unknown {
  const hit = parsed.get(text);
  if (hit) return hit.value;
  const value: unknown = JSON.parse(text);
  parsed.set(text, { value });
  return value;
}
