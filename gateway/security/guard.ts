import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { sendCoded } from '../../lib/apollo-http.ts';
import type { Caller } from '../../lib/auth/caller.ts';
import { createAuthenticator, type Authenticator } from '../../lib/auth/jwt.ts';
import type { HubConfig } from '../../lib/config.ts';
import { ErrorCode } from '../../lib/errors.ts';
import { createRateLimiter, type RateLimiter } from '../../lib/limits/rate-limit.ts';
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
  close(): Promise<void>;
}

/** Rate-limit key: the token's subject when there is one, else the client address. */
export function clientKey(req: IncomingMessage, caller: Caller): string {
  return caller.sub !== null ? `sub:${caller.sub}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
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
    req.resume(); // drain an unread body so the connection can be reused
    sendCoded(res, e as Parameters<typeof sendCoded>[1]);
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
      if (limiter) {
        const r = await limiter.hit(clientKey(req, caller));
        res.setHeader('ratelimit-remaining', String(r.remaining));
        if (!r.allowed) {
          const e = new GraphQLError('Too many requests; slow down and retry later.', {
            extensions: {
              code: ErrorCode.RATE_LIMITED,
              retryAfterSeconds: r.retryAfterSeconds,
              http: { status: 429, headers: { 'retry-after': String(r.retryAfterSeconds) } },
            },
          });
          refuse(req, res, e);
          return undefined;
        }
      }
      return caller;
    },
    close: async () => limiter?.close(),
  };
}
