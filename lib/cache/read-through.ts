import type { EntityCache } from './entity-cache.ts';
import type { StaleCollector } from './stale.ts';

/**
 * The two source shapes the connectors have, made cache-aware in one place for both subgraphs:
 * `entities` (ids -> records, unknown ids absent) and `groups` (keys -> all records of the key).
 */
export function cachedEntities<T>(
  cache: EntityCache,
  type: string,
  fetch: (ids: readonly string[]) => Promise<T[]>,
  idOf: (r: T) => string,
  stale: StaleCollector | undefined,
): (ids: readonly string[]) => Promise<T[]> {
  return async (ids) => {
    const found = await cache.batch<T | null>(
      type,
      ids,
      async (missing) => new Map((await fetch(missing)).map((r) => [idOf(r), r] as const)),
      null,
      stale,
    );
    return [...found.values()].filter((r): r is T => r !== null);
  };
}

export function cachedGroups<T>(
  cache: EntityCache,
  type: string,
  fetch: (keys: readonly string[]) => Promise<T[]>,
  keyOf: (r: T) => string,
  stale: StaleCollector | undefined,
): (keys: readonly string[]) => Promise<T[]> {
  return async (keys) => {
    const found = await cache.batch<T[]>(
      type,
      keys,
      async (missing) => {
        const groups = new Map<string, T[]>(missing.map((k) => [k, []]));
        for (const r of await fetch(missing)) groups.get(keyOf(r))?.push(r);
        return groups;
      },
      [],
      stale,
    );
    return [...found.values()].flat();
  };
}
