import DataLoader from 'dataloader';

/**
 * The two loader shapes both subgraphs need. Each batch is one call to the source, which makes one
 * upstream request per chunk of ids: a list of 50 orders costs what a list of 5 costs.
 */

/** id -> record or null; `fetch` may return records in any order and omit unknown ids. */
export function entityLoader<T>(
  fetch: (ids: readonly string[]) => Promise<T[]>,
  idOf: (record: T) => string,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const found = new Map<string, T>();
    for (const r of await fetch(ids)) found.set(idOf(r), r);
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** key -> all records of that key (stock of a material, operations of an order, ...). */
export function groupLoader<T>(
  fetch: (keys: readonly string[]) => Promise<T[]>,
  keyOf: (record: T) => string,
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (keys) => {
    const groups = new Map<string, T[]>();
    for (const r of await fetch(keys)) {
      const k = keyOf(r);
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
    return keys.map((k) => groups.get(k) ?? []);
  });
}
