/**
 * An in-memory table: records by key, a key-ordered view and lazy secondary indexes. Lists are always
 * answered in key order, so paging is stable. Index only fields that are never changed in place (an
 * upsert or delete rebuilds the indexes; mutating an indexed field of a stored record does not).
 */
export class Collection<T extends object> {
  private readonly byKey = new Map<string, T>();
  private sorted: T[] | undefined;
  private indexes = new Map<string, Map<unknown, T[]>>();

  constructor(
    readonly keyOf: (record: T) => string,
    records: Iterable<T> = [],
  ) {
    for (const r of records) this.byKey.set(keyOf(r), r);
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** Returns true when the record is new. */
  upsert(record: T): boolean {
    const key = this.keyOf(record);
    const created = !this.byKey.has(key);
    this.byKey.set(key, record);
    this.invalidate();
    return created;
  }

  delete(key: string): boolean {
    const existed = this.byKey.delete(key);
    if (existed) this.invalidate();
    return existed;
  }

  all(): readonly T[] {
    if (!this.sorted) {
      this.sorted = [...this.byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
    }
    return this.sorted;
  }

  /** Records whose `field` equals one of `values`, in key order. */
  lookup(field: string, values: Iterable<unknown>): T[] {
    let index = this.indexes.get(field);
    if (!index) {
      index = new Map();
      for (const r of this.all()) {
        const v = (r as Record<string, unknown>)[field];
        const bucket = index.get(v);
        if (bucket) bucket.push(r);
        else index.set(v, [r]);
      }
      this.indexes.set(field, index);
    }
    const seen = new Set<unknown>();
    const out: T[] = [];
    for (const v of values) {
      if (seen.has(v)) continue;
      seen.add(v);
      const bucket = index.get(v);
      if (bucket) out.push(...bucket);
    }
    if (seen.size > 1) this.sortByKey(out);
    return out;
  }

  /** Records for the given keys, in key order; unknown keys are skipped. */
  getMany(keys: Iterable<string>): T[] {
    const out: T[] = [];
    for (const k of new Set(keys)) {
      const r = this.byKey.get(k);
      if (r) out.push(r);
    }
    return this.sortByKey(out);
  }

  sortByKey(records: T[]): T[] {
    const keyed = records.map((r) => [this.keyOf(r), r] as const);
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    keyed.forEach(([, r], i) => {
      records[i] = r;
    });
    return records;
  }

  private invalidate(): void {
    this.sorted = undefined;
    this.indexes = new Map();
  }
}
