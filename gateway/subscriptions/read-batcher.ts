/**
 * Batches reads by load: at most `concurrency` batches in flight; what is asked meanwhile waits and goes
 * out in the next batch (at most `max` items each). Idle, an item goes out at the end of the event loop
 * turn it was asked in (with everything else asked in that turn); busy, a batch grows to what arrived
 * during the reads before it. So the reads a selection makes per second stay bounded however many
 * events arrive, and an idle hub adds no wait.
 */
export class ReadBatcher<I, O> {
  private readonly queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly max: number,
    private readonly concurrency: number,
  ) {}

  load(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.max);
      this.inFlight++;
      this.run(batch.map((b) => b.item))
        .then(
          (outs) => batch.forEach((b, i) => b.resolve(outs[i]!)),
          (e: unknown) => batch.forEach((b) => b.reject(e)),
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}
