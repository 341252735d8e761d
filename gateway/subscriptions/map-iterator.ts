/**
 * An async iterator whose items go through an async `map`, with a `return()` that reaches the source at
 * once and an `onEnd` called exactly once however the iteration ends. Not @graphql-tools/utils'
 * `mapAsyncIterator`: it skips `onEnd` when the source or `map` throws (a replay failing while Redis is
 * away), and `onEnd` here keeps the `hub_subscriptions_active` gauge right.
 */
export function mapIterator<T, U>(
  source: AsyncIterator<T>,
  map: (item: T) => Promise<U>,
  onEnd: () => void,
): AsyncIterableIterator<U> {
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  const it: AsyncIterableIterator<U> = {
    [Symbol.asyncIterator]: () => it,
    async next() {
      try {
        const r = await source.next();
        if (r.done) {
          end();
          return { done: true, value: undefined };
        }
        return { done: false, value: await map(r.value) };
      } catch (e) {
        end();
        await source.return?.();
        throw e;
      }
    },
    async return() {
      end();
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
  return it;
}
