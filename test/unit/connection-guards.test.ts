import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { clientError } from '../../gateway/subscriptions/client-errors.ts';
import { TOKEN_EXPIRED, untilExpiry } from '../../gateway/subscriptions/expiry.ts';
import { effectiveScopes } from '../../lib/auth/caller.ts';

/** A source that never yields until returned, like a quiet subscription. */
function quiet() {
  let returned = false;
  let wake: (() => void) | undefined;
  const it: AsyncIterator<number> & { returned: () => boolean } = {
    next: () => new Promise((resolve) => (wake = () => resolve({ done: true, value: undefined }))),
    return: async () => {
      returned = true;
      wake?.();
      return { done: true, value: undefined };
    },
    returned: () => returned,
  };
  return it;
}

describe('untilExpiry', () => {
  it('yields TOKEN_EXPIRED once the expiry passes, then ends and returns the source', async () => {
    const source = quiet();
    const it = untilExpiry(source, Date.now() + 50);
    expect(await it.next()).toEqual({ done: false, value: TOKEN_EXPIRED });
    expect(source.returned()).toBe(true);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('passes values through before the expiry, and everything without one', async () => {
    async function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    const out: unknown[] = [];
    for await (const v of untilExpiry(three(), Date.now() + 60_000)) out.push(v);
    for await (const v of untilExpiry(three(), undefined)) out.push(v);
    expect(out).toEqual([1, 2, 3, 1, 2, 3]);
  });
});

describe('clientError', () => {
  it('turns Apollo-formatted plain objects and GraphQLErrors alike into plain JSON', () => {
    expect(clientError({ message: 'no', path: ['a'], extensions: { code: 'FORBIDDEN', stacktrace: ['x'] } })).toEqual({
      message: 'no',
      path: ['a'],
      extensions: { code: 'FORBIDDEN' },
    });
    expect(clientError(new GraphQLError('bad', { extensions: { code: 'BAD_USER_INPUT' } })).extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('masks an uncoded error a resolver threw: no internal text leaves', () => {
    const e = new GraphQLError('Cannot read properties of undefined', { originalError: new TypeError('Cannot read properties of undefined') });
    expect(clientError(e)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});

describe('effectiveScopes', () => {
  it('grants nothing to role names that are Object.prototype members', () => {
    const roleScopes = { finance: ['finance:read'] };
    expect(effectiveScopes(['constructor', '__proto__', 'toString', 'hasOwnProperty'], undefined, roleScopes)).toEqual([]);
    expect(effectiveScopes(['finance', 'constructor'], 'x:y *', roleScopes)).toEqual(['finance:read', 'x:y']);
  });
});
