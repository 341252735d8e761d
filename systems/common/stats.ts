/** API calls since the last reset, keyed `METHOD path` (no query), so tests can see batching work. */
export class Stats {
  private calls = new Map<string, number>();
  private total = 0;

  record(method: string, path: string): void {
    const key = `${method} ${path}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    this.total++;
  }

  snapshot(): { total: number; calls: Record<string, number> } {
    return { total: this.total, calls: Object.fromEntries(this.calls) };
  }

  reset(): void {
    this.calls = new Map();
    this.total = 0;
  }
}
