/**
 * The items of an async iterable in groups: each group is the next item plus every further one the
 * source already has (it answers before a `setImmediate`, i.e. without waiting for I/O), at most `max`.
 * A consumer slower than its source gets larger groups, an idle one groups of one: batching costs no
 * latency. The events of one SSE chunk, or the messages an MQTT client has buffered, come as one group.
 */
export async function* readyBatches<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const it = source[Symbol.asyncIterator]();
  // A next() left waiting belongs to the following group; marked handled so that a failure meanwhile
  // is no unhandled rejection (the following group's await throws it).
  const next = () => {
    const p = it.next();
    p.catch(() => undefined);
    return p;
  };
  let pending = next();
  const later = () => new Promise<'later'>((resolve) => setImmediate(resolve, 'later'));
  try {
    for (;;) {
      const first = await pending;
      if (first.done) return;
      const batch = [first.value];
      pending = next();
      for (;;) {
        if (batch.length >= max) break;
        // A failure ends the group; it is thrown when the next group awaits the same next().
        const r = await Promise.race([pending.catch(() => 'later' as const), later()]);
        if (r === 'later') break;
        if (r.done) {
          yield batch;
          return;
        }
        batch.push(r.value);
        pending = next();
      }
      yield batch;
    }
  } finally {
    // Not awaited: a source still waiting for its next item ends when its own signal aborts it.
    void it.return?.()?.catch(() => undefined);
  }
}
