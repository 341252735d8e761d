import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { discardBody, sendCoded } from '../../lib/apollo-http.ts';
import type { Caller } from '../../lib/auth/caller.ts';
import { createAuthenticator, type Authenticator } from './jwt.ts';
import type { HubConfig } from '../../lib/config.ts';
import { ErrorCode } from '../../lib/errors.ts';
import { createRateLimiter, type RateLimiter } from './limits/rate-limit.ts';
import type { Logger } from '../../lib/log.ts';

/**
 * What every GraphQL request passes at the gateway before Apollo sees it: the bearer token (401 when
 * bad, or missing in production) and the caller's rate limit (429). Running here, not in a plugin, keeps
 * a refused request from costing a body read, a parse or a plan.
 */
export interface GatewayGuard {
  /** Reused by the WebSocket transport: `authenticator.authenticateAuthorization(payload.authorization)`. */
  authenticator: Authenticator;
  /** The caller, or undefined when the response (401/429) was already sent. */
  admit(req: IncomingMessage, res: ServerResponse): Promise<Caller | undefined>;
  /**
   * Counts one operation against the subject's budget (the same counter for HTTP, SSE and WebSocket
   * operations and subscriptions): undefined when allowed, else the RATE_LIMITED error.
   */
  limit(subject: string): Promise<GraphQLError | undefined>;
  close(): Promise<void>;
}

/** Rate-limit key: the token's subject when there is one, else the client address. */
export function subjectOf(caller: Caller, address: string | undefined): string {
  return caller.sub !== null ? `sub:${caller.sub}` : `ip:${address ?? 'unknown'}`;
}

export function clientKey(req: IncomingMessage, caller: Caller): string {
  return subjectOf(caller, req.socket.remoteAddress);
}

export function createGatewayGuard(config: HubConfig, log: Logger): GatewayGuard {
  const authenticator = createAuthenticator(config.security);
  const { limits } = config.security;
  const limiter: RateLimiter | undefined =
    limits.rateLimit > 0
      ? createRateLimiter({
          limit: limits.rateLimit,
          windowSeconds: limits.rateWindowSeconds,
          redisUrl: config.redisUrl,
          prefix: config.cachePrefix,
          log,
        })
      : undefined;
  const refuse = (req: IncomingMessage, res: ServerResponse, e: unknown) => {
    discardBody(req); // never buffered; cut off if it keeps coming
    if (typeof (e as { extensions?: { code?: unknown } })?.extensions?.code === 'string') {
      return sendCoded(res, e as Parameters<typeof sendCoded>[1]);
    }
    // A token check that failed for a reason of ours: refused, logged, and no internal text sent.
    log.error('token check failed', { err: e instanceof Error ? e.message : String(e) });
    sendCoded(res, { message: 'The bearer token is not valid.', extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
  };
  const check = async (subject: string): Promise<{ error?: GraphQLError; remaining?: number }> => {
    if (!limiter) return {};
    const r = await limiter.hit(subject);
    if (r.allowed) return { remaining: r.remaining };
    const error = new GraphQLError('Too many requests; slow down and retry later.', {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        retryAfterSeconds: r.retryAfterSeconds,
        http: { status: 429, headers: { 'retry-after': String(r.retryAfterSeconds) } },
      },
    });
    return { error, remaining: r.remaining };
  };
  return {
    authenticator,
    async admit(req, res) {
      let caller: Caller;
      try {
        caller = await authenticator.authenticateAuthorization(req.headers.authorization);
      } catch (e) {
        refuse(req, res, e);
        return undefined;
      }
      const { error, remaining } = await check(clientKey(req, caller));
      if (remaining !== undefined) res.setHeader('ratelimit-remaining', String(remaining));
      if (error) {
        refuse(req, res, error);
        return undefined;
      }
      return caller;
    },
    limit: async (subject) => (await check(subject)).error,
    close: async () => limiter?.close(),
  };
}
