import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../lib/errors.ts';

/** What a subscription yields once its caller's token has expired; its field resolver throws `tokenExpired`. */
export const TOKEN_EXPIRED = Symbol('token expired');

export const tokenExpired = () =>
  new GraphQLError('The bearer token has expired; subscribe again with a fresh token.', {
    extensions: { code: ErrorCode.UNAUTHENTICATED, reason: 'expired' },
  });

/** setTimeout's longest delay (about 24.8 days); a later expiry is re-armed in steps. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Ends `source` when `expiresAt` passes: the next value is then `TOKEN_EXPIRED` (so the client gets an
 * UNAUTHENTICATED error for the operation, whatever the transport), and the iteration is done. The
 * source is returned at once, so its event listener goes away with the token.
 */
export function untilExpiry<T>(source: AsyncIterator<T>, expiresAt: number | undefined): AsyncIterableIterator<T | typeof TOKEN_EXPIRED> {
  if (expiresAt === undefined) {
    const it = { [Symbol.asyncIterator]: () => it, next: () => source.next(), return: async () => (await source.return?.()) ?? { done: true as const, value: undefined } };
    return it as AsyncIterableIterator<T>;
  }
  let state: 'live' | 'expired' | 'done' = 'live';
  let timer: NodeJS.Timeout | undefined;
  // The waiting next() is woken through a fresh callback each time, not by racing one promise that lives
  // as long as the token: every race would leave a reaction on it until the token expires (memory per
  // event for as long as the subscription lives).
  let wake: (() => void) | undefined;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      if (state === 'live') state = 'expired';
      return wake?.();
    }
    timer = setTimeout(arm, Math.min(left, MAX_DELAY));
    timer.unref();
  };
  arm();
  const finish = async () => {
    clearTimeout(timer);
    await source.return?.();
  };
  const it: AsyncIterableIterator<T | typeof TOKEN_EXPIRED> = {
    [Symbol.asyncIterator]: () => it,
    async next() {
      if (state === 'done') return { done: true, value: undefined };
      if (state === 'live') {
        const r = await new Promise<IteratorResult<T> | 'expired'>((resolve, reject) => {
          wake = () => resolve('expired');
          source.next().then(resolve, reject);
        });
        wake = undefined;
        if (r !== 'expired') {
          if (r.done) clearTimeout(timer);
          return r;
        }
      }
      state = 'done';
      await finish();
      return { done: false, value: TOKEN_EXPIRED };
    },
    async return() {
      state = 'done';
      await finish();
      return { done: true, value: undefined };
    },
  };
  return it;
}
