import { number, type Env } from './env.ts';

/** Circuit breakers and retries around every call to a system of record (README, "Operations"). */
export interface ResilienceConfig {
  /** Consecutive failed calls (5xx, timeout, unreachable) that open a system's breaker. */
  breakerFailures: number;
  /** How long an open breaker answers UPSTREAM_UNAVAILABLE before it lets one probe call through. */
  breakerHalfOpenMs: number;
  /** Extra attempts for an idempotent read that failed fast (refused, reset, 5xx); writes never retry. */
  readRetries: number;
}

export function loadResilienceConfig(env: Env): ResilienceConfig {
  return {
    breakerFailures: number(env, 'BREAKER_FAILURES', 5, 1, 1000),
    breakerHalfOpenMs: number(env, 'BREAKER_HALF_OPEN_MS', 5000, 10, 600_000),
    readRetries: number(env, 'UPSTREAM_READ_RETRIES', 2, 0, 10),
  };
}
