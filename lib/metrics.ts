import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One registry per server (not prom-client's global one): `npm start` runs the gateway and both
 * subgraphs in one process, and each must serve only its own numbers on its own `/metrics`.
 */
export interface HubMetrics {
  registry: Registry;
  upstreamRequests: Counter<'system' | 'outcome'>;
  upstreamDuration: Histogram<'system'>;
  cacheHits: Counter<'type'>;
  cacheMisses: Counter<'type'>;
  cacheStaleServed: Counter<'type'>;
  graphqlRequests: Counter<'operation' | 'outcome'>;
  graphqlDuration: Histogram<'operation'>;
  subscriptionsActive: Gauge;
  eventsPublished: Counter<'type'>;
  circuitState: Gauge<'system'>;
  /** The gateway's whole-response cache and request coalescing (gateway/response-cache.ts). */
  responseCache: Counter<'outcome'>;
}

export function createMetrics(service: string): HubMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const r = [registry];
  return {
    registry,
    upstreamRequests: new Counter({
      name: 'hub_upstream_requests_total',
      help: 'Calls to a system of record, by system and outcome (ok, error, timeout, unreachable).',
      labelNames: ['system', 'outcome'],
      registers: r,
    }),
    upstreamDuration: new Histogram({
      name: 'hub_upstream_request_duration_seconds',
      help: 'Duration of calls to a system of record.',
      labelNames: ['system'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    cacheHits: new Counter({ name: 'hub_cache_hits_total', help: 'Entity cache hits.', labelNames: ['type'], registers: r }),
    cacheMisses: new Counter({ name: 'hub_cache_misses_total', help: 'Entity cache misses.', labelNames: ['type'], registers: r }),
    cacheStaleServed: new Counter({
      name: 'hub_cache_stale_served_total',
      help: 'Stale cache entries served because a system was down.',
      labelNames: ['type'],
      registers: r,
    }),
    graphqlRequests: new Counter({
      name: 'hub_graphql_requests_total',
      help: 'GraphQL operations, by operation name and outcome (ok, error).',
      labelNames: ['operation', 'outcome'],
      registers: r,
    }),
    graphqlDuration: new Histogram({
      name: 'hub_graphql_request_duration_seconds',
      help: 'GraphQL request duration.',
      labelNames: ['operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    subscriptionsActive: new Gauge({ name: 'hub_subscriptions_active', help: 'Active subscriptions.', registers: r }),
    eventsPublished: new Counter({
      name: 'hub_events_published_total',
      help: 'Hub events published, by type.',
      labelNames: ['type'],
      registers: r,
    }),
    circuitState: new Gauge({
      name: 'hub_circuit_state',
      help: 'Circuit breaker per system of record: 0 closed, 1 open (calls refused), 2 half-open (one probe).',
      labelNames: ['system'],
      registers: r,
    }),
    responseCache: new Counter({
      name: 'hub_response_cache_total',
      help: 'Gateway answers by how they were made: hit (stored answer), shared (an identical request in flight), executed, stored, refused (an invalidation came first).',
      labelNames: ['outcome'],
      registers: r,
    }),
  };
}
