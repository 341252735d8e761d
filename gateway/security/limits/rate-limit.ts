import { createRedisConnection } from '../../../lib/redis.ts';
import type { Logger } from '../../../lib/log.ts';

/**
 * Per-client request budget in fixed windows. With Redis the counter is shared by every gateway
 * instance (one INCR + PEXPIRE round trip per request); without it, a per-process map. A Redis failure
 * lets requests through (logged): a rate limiter must not turn a cache outage into a hub outage.
 */
export interface RateLimiter {
  hit(client: string, now?: number): Promise<{ allowed: boolean; remaining: number; retryAfterSeconds: number }>;
  close(): Promise<void>;
}

export interface RateLimitOptions {
  limit: number;
  windowSeconds: number;
  redisUrl: string | undefined;
  prefix: string;
  log: Logger;
}

export function createRateLimiter(o: RateLimitOptions): RateLimiter {
  const windowMs = o.windowSeconds * 1000;
  const verdict = (count: number, now: number) => ({
    allowed: count <= o.limit,
    remaining: Math.max(0, o.limit - count),
    retryAfterSeconds: Math.max(1, Math.ceil((windowMs - (now % windowMs)) / 1000)),
  });

  if (o.redisUrl) {
    const redis = createRedisConnection(o.redisUrl, 'limits');
    redis.on('error', () => undefined); // surfaced per failed hit below, not per reconnect attempt
    let lastWarning = 0;
    return {
      async hit(client, now = Date.now()) {
        const key = `${o.prefix}:ratelimit:${client}:${Math.floor(now / windowMs)}`;
        try {
          const res = await redis.multi().incr(key).pexpire(key, windowMs).exec();
          const count = Number(res?.[0]?.[1] ?? 0);
          return verdict(count, now);
        } catch (e) {
          if (now - lastWarning > 10_000) {
            lastWarning = now;
            o.log.warn('rate limiter: Redis unavailable, letting requests through', { err: (e as Error).message });
          }
          return { allowed: true, remaining: o.limit, retryAfterSeconds: 0 };
        }
      },
      async close() {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }

  let window = -1;
  let counts = new Map<string, number>();
  return {
    async hit(client, now = Date.now()) {
      const w = Math.floor(now / windowMs);
      // A new window drops every old counter at once: memory is bounded by one window's clients.
      if (w !== window) {
        window = w;
        counts = new Map();
      }
      const count = (counts.get(client) ?? 0) + 1;
      counts.set(client, count);
      return verdict(count, now);
    },
    async close() {},
  };
}
