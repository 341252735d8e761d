import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { ResilienceConfig } from './config/resilience.ts';
import { UpstreamError, type SystemName } from './errors.ts';
import type { HubMetrics } from './metrics.ts';

/** What `hub_circuit_state` and `/ready` say about a breaker. */
export type CircuitName = 'closed' | 'open' | 'half-open';
const GAUGE: Record<CircuitName, number> = { closed: 0, open: 1, 'half-open': 2 };
export const circuitNames: Record<number, CircuitName> = { 0: 'closed', 1: 'open', 2: 'half-open' };

/**
 * The policies around one system's calls. Reads: retry (fast failures only, jittered) around the
 * breaker, so every attempt counts towards opening it; writes: the breaker alone, never a retry,
 * because a write whose answer was lost may have been booked (the closed loop's relay owns redelivery,
 * under an idempotency key).
 */
export interface UpstreamPolicy {
  read<T>(attempt: () => Promise<T>): Promise<T>;
  write<T>(attempt: () => Promise<T>): Promise<T>;
  readonly state: CircuitName;
  dispose(): void;
}

/** Failures that say the system is unwell; a 404 or a 4xx refusal is an answer, not an outage. */
const outage = (e: Error) => e instanceof UpstreamError && e.reason !== 'circuit-open';

/**
 * Only failures that cost little are retried: refused or reset connections and 5xx answers. A timeout
 * is not, since a retry would double the caller's wait on a system that is already slow.
 */
const retriable = (e: Error) => outage(e) && (e as UpstreamError).reason !== 'timeout';

export function createUpstreamPolicy(system: SystemName, config: ResilienceConfig, metrics?: HubMetrics): UpstreamPolicy {
  const breaker = circuitBreaker(handleWhen(outage), {
    halfOpenAfter: config.breakerHalfOpenMs,
    breaker: new ConsecutiveBreaker(config.breakerFailures),
  });
  const name = (s: CircuitState): CircuitName => (s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open');
  metrics?.circuitState.set({ system }, 0);
  const listener = breaker.onStateChange((s) => metrics?.circuitState.set({ system }, GAUGE[name(s)]));
  const retries: IPolicy = config.readRetries > 0
    ? retry(handleWhen(retriable), {
        maxAttempts: config.readRetries,
        // Decorrelated jitter (cockatiel's default generator): instances that failed together spread out.
        backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }),
      })
    : breaker;
  const reads = config.readRetries > 0 ? wrap(retries, breaker) : breaker;
  const refused = () => {
    metrics?.upstreamRequests.inc({ system, outcome: 'circuit-open' });
    return new UpstreamError(system, 'circuit-open');
  };
  const run = async <T>(policy: IPolicy, attempt: () => Promise<T>): Promise<T> => {
    try {
      return await policy.execute(attempt);
    } catch (e) {
      throw e instanceof BrokenCircuitError ? refused() : e;
    }
  };
  return {
    read: (attempt) => run(reads, attempt),
    write: (attempt) => run(breaker, attempt),
    get state() {
      return name(breaker.state);
    },
    dispose: () => listener.dispose(),
  };
}

/** Each system's breaker as this server's `hub_circuit_state` holds it (what `/ready` reports). */
export async function circuitReport(metrics: HubMetrics): Promise<Record<string, CircuitName>> {
  const out: Record<string, CircuitName> = {};
  for (const v of (await metrics.circuitState.get()).values) {
    out[String(v.labels.system)] = circuitNames[v.value] ?? 'open';
  }
  return out;
}
