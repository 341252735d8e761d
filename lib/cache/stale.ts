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

export interface StaleCollector {
  add(entry: StaleEntry): void;
  readonly entries: StaleEntry[];
}

export function createStaleCollector(): StaleCollector {
  const entries: StaleEntry[] = [];
  return { entries, add: (e) => void entries.push(e) };
}
