/**
 * Single-flight for event payloads: the first subscriber that needs the federated read for (event,
 * selection, scopes) starts it, everyone else with the same key awaits the same promise. Results stay
 * for `ttlMs` after they settle, so subscribers that reach the event a little later (a slow one, a
 * replay) still share it; the map is bounded, oldest first out.
 */
export class SharedResults<T> {
  private readonly entries = new Map<string, { promise: Promise<T>; expires: number }>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, run: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.promise;
    this.sweep(now);
    const promise = run();
    const entry = { promise, expires: Infinity };
    this.entries.set(key, entry);
    const settle = () => (entry.expires = Date.now() + this.ttlMs);
    promise.then(settle, () => {
      // A failed read is not kept: the next subscriber to need it tries again.
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return promise;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    if (this.entries.size < this.maxEntries) {
      // Cheap path: drop expired entries from the front (insertion order = roughly expiry order).
      for (const [k, e] of this.entries) {
        if (e.expires > now) break;
        this.entries.delete(k);
      }
      return;
    }
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.maxEntries * 0.9 || e.expires === Infinity) break;
      this.entries.delete(k);
    }
  }
}
