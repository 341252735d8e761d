import type { CacheReport } from './responses.ts';

/**
 * What a request served from stale copies, reported to the client as
 * `extensions.stale: [{ subgraph, type, ids, age }]` (age in seconds, of the oldest entry).
 */
export interface StaleEntry {
  subgraph: string;
  type: string;
  ids: string[];
  age: number;
}

/**
 * A request's cache log: the stale copies it was served, and every entity entry it read (the gateway's
 * response cache stores an answer under these, lib/cache/responses.ts). Made per request.
 */
export interface StaleCollector {
  add(entry: StaleEntry): void;
  readonly entries: StaleEntry[];
  /** An entry this request read (`<system>:<type>:<id>`), fresh until `expiresAt` (epoch ms). */
  read(tag: string, expiresAt: number): void;
  /** This request read data no entity entry covers (reconciliation, writes): its answer is not cached. */
  uncacheable(): void;
  /** What the answer read, or undefined when it must not be cached (uncacheable or stale). */
  report(now?: number): CacheReport | undefined;
}

export function createStaleCollector(): StaleCollector {
  const entries: StaleEntry[] = [];
  const tags = new Set<string>();
  let expiresAt = Infinity;
  let cacheable = true;
  return {
    entries,
    add: (e) => void entries.push(e),
    read(tag, at) {
      tags.add(tag);
      if (at < expiresAt) expiresAt = at;
    },
    uncacheable: () => void (cacheable = false),
    report(now = Date.now()) {
      if (!cacheable || entries.length) return undefined;
      return { tags: [...tags], maxAge: expiresAt === Infinity ? Infinity : Math.max(0, Math.floor((expiresAt - now) / 1000)) };
    },
  };
}
