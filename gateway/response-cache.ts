import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { GraphQLAnswer } from '../lib/apollo-http.ts';
import type { Caller } from '../lib/auth/caller.ts';
import { responseKeys, storeTagged, TOMBSTONE_TTL_S, widenTags, type CacheReport } from '../lib/cache/responses.ts';
import type { HubConfig } from '../lib/config.ts';
import type { Logger } from '../lib/log.ts';
import type { HubMetrics } from '../lib/metrics.ts';
import { createRedisConnection } from '../lib/redis.ts';

/**
 * What one client request's answer was built from, gathered from its subgraph fetches
 * (gateway/subgraph-source.ts) and its Apollo request (the plugin below).
 */
/** What of a request's context the cache reads (not GatewayContext: context.ts imports this module). */
interface ReportingContext {
  responseCache?: AnswerReport | undefined;
  stale: { entries: unknown[] };
}

export class AnswerReport {
  /** A query (mutations and subscriptions are never stored or shared). */
  query = false;
  cacheable = true;
  readonly tags = new Set<string>();
  maxAge = Infinity;
  operationName: string | null = null;

  /**
   * `ask`: what the subgraphs are asked to report (`tags` when the answer may be stored); `shareable`:
   * the last identical request could be shared (no restricted field), so its subgraph fetches may be too.
   */
  constructor(
    readonly ask: 'tags' | 'flag',
    readonly startGeneration: number,
    readonly shareable = false,
  ) {}

  /** One subgraph answer's report; undefined (no report) makes the whole answer uncacheable. */
  add(r: CacheReport | undefined): void {
    if (!r) {
      this.cacheable = false;
      return;
    }
    for (const t of r.tags) this.tags.add(t);
    if (r.maxAge < this.maxAge) this.maxAge = r.maxAge;
  }
}

export interface ResponseCache {
  /** The GraphQL handler's `around` hook: a stored answer, a shared in-flight one, or `execute`. */
  around(req: IncomingMessage, body: unknown, search: string, execute: () => Promise<GraphQLAnswer>): Promise<GraphQLAnswer>;
  /** The report the request's context carries (undefined for requests the cache does not see). */
  reportFor(req: IncomingMessage): AnswerReport | undefined;
  plugin: ApolloServerPlugin<ReportingContext>;
  close(): Promise<void>;
}

/**
 * The cache key: everything that can change an answer or whether Apollo accepts the request. The
 * caller enters through its scopes and whether it is authenticated (what field authorization reads),
 * never its identity: callers with the same scopes share answers, callers with different ones never do.
 */
function keyOf(req: IncomingMessage, body: unknown, search: string, caller: Caller, rules: string): string {
  const h = req.headers;
  const head = [
    rules,
    req.method,
    h.accept ?? '',
    h['content-type'] ?? '',
    // Apollo's CSRF prevention reads these; a request it would refuse must not be answered from the cache.
    h['x-apollo-operation-name'] === undefined ? '' : 'op',
    h['apollo-require-preflight'] === undefined ? '' : 'pf',
    h.authorization === undefined ? '' : 'auth',
    caller.anonymous ? 'anonymous' : 'authenticated',
    [...caller.scopes].sort().join(' '),
    search,
  ].join('\u0000');
  // The parsed body, printed again: the gate has already read and parsed it (a request that differs
  // only in JSON whitespace shares the answer).
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  return createHash('sha256').update(head).update('\u0000').update(text).digest('base64url');
}

/** Stored as `<content-type>\n<operation name>\n<body>`: no JSON escaping of the body on either side. */
function encode(answer: GraphQLAnswer & { body: { kind: 'complete' } }, operationName: string | null): string {
  const type = answer.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
  return `${type}\n${operationName ?? ''}\n${answer.body.string}`;
}

function decode(value: string): { answer: GraphQLAnswer; operationName: string } {
  const a = value.indexOf('\n');
  const b = value.indexOf('\n', a + 1);
  return {
    answer: { status: 200, headers: [['content-type', value.slice(0, a)]], body: { kind: 'complete', string: value.slice(b + 1) } },
    operationName: value.slice(a + 1, b),
  };
}

/** How many distinct operation names get their own metric label (as the metrics plugin does). */
const MAX_OPERATION_LABELS = 200;

export function createResponseCache(
  config: HubConfig,
  deps: { log: Logger; metrics: HubMetrics; callerOf: (req: IncomingMessage) => Caller; supergraphSdl: string },
): ResponseCache {
  // Gateways sharing one Redis share answers only when they would accept and answer a request alike:
  // same supergraph, same introspection, safelist and limits (one that refuses introspection must never
  // serve another's stored schema).
  const { limits, allowIntrospection, persistedQueriesOnly, persistedQueriesManifest } = config.security;
  const rules = createHash('sha256')
    .update(JSON.stringify({ limits, allowIntrospection, persistedQueriesOnly, persistedQueriesManifest }))
    .update('\u0000')
    .update(deps.supergraphSdl)
    .digest('base64url');
  const { log, metrics } = deps;
  const settings = config.cache.responses;
  const keys = responseKeys(config.cachePrefix);
  let redis: Redis | Cluster | undefined;
  if (settings.enabled && config.redisUrl) {
    // The `cache` use fails fast while Redis is away: the request is then executed, never held up.
    const client = createRedisConnection(config.redisUrl, 'cache');
    let healthy = true;
    client.on('error', (e: Error) => {
      if (healthy) log.warn('response cache unavailable; executing every request until Redis is back', { err: e.message });
      healthy = false;
    });
    client.on('ready', () => void (healthy = true));
    redis = client;
  }
  log.info(redis ? 'response cache on (Redis)' : 'response cache off', {
    maxTtlSec: settings.maxTtlSec,
    requestCoalescing: settings.coalesce,
  });
  const reports = new WeakMap<IncomingMessage, AnswerReport>();
  const inflight = new Map<string, Promise<GraphQLAnswer>>();
  // Keys whose last answer could be shared: only these wait for an identical request in flight, so a
  // mutation or a restricted read never waits for another caller's request.
  const shareable = new LRUCache<string, true>({ max: 10_000 });
  const labels = new Set<string>();
  const count = (outcome: string, operationName: string | null) => {
    metrics.responseCache.inc({ outcome });
    let op = operationName || 'anonymous';
    if (!labels.has(op)) op = labels.size < MAX_OPERATION_LABELS ? (labels.add(op), op) : 'other';
    metrics.graphqlRequests.inc({ operation: op, outcome: 'ok' });
  };

  async function store(key: string, answer: GraphQLAnswer & { body: { kind: 'complete' } }, report: AnswerReport): Promise<void> {
    const ttl = Math.min(report.maxAge, settings.maxTtlSec);
    if (!redis || ttl < 1) return;
    const stored = await storeTagged(redis, keys, keys.answer(key), encode(answer, report.operationName), ttl, [...widenTags(report.tags)], report.startGeneration);
    metrics.responseCache.inc({ outcome: stored ? 'stored' : 'refused' });
  }

  return {
    reportFor: (req) => reports.get(req),
    async around(req, body, search, execute) {
      if (req.method !== 'POST' && req.method !== 'GET') return execute();
      let key: string;
      try {
        key = keyOf(req, body, search, deps.callerOf(req), rules);
      } catch {
        // A body too deep to print again (variables nested 100,000 levels): Apollo and the limits answer it.
        return execute();
      }
      let generation: number | undefined;
      if (redis) {
        try {
          const [hit, g] = await redis.mget(keys.answer(key), keys.generation);
          if (hit) {
            const { answer, operationName } = decode(hit);
            count('hit', operationName);
            return answer;
          }
          generation = Number(g ?? 0);
        } catch {
          /* Redis away: execute and store nothing */
        }
      }
      // REQUEST_COALESCING=off: every request executes (its subgraph fetches may still be shared).
      const leader = settings.coalesce && shareable.has(key) ? inflight.get(key) : undefined;
      if (leader) {
        const shared = await leader.catch(() => undefined);
        if (shared) {
          metrics.responseCache.inc({ outcome: 'shared' });
          return shared;
        }
      }
      const report = new AnswerReport(generation === undefined ? 'flag' : 'tags', generation ?? 0, shareable.has(key));
      reports.set(req, report);
      const started = Date.now();
      const run = execute();
      if (settings.coalesce && shareable.has(key) && !inflight.has(key)) {
        inflight.set(key, run);
        void run.then(
          () => inflight.delete(key),
          () => inflight.delete(key),
        );
      }
      const answer = await run;
      metrics.responseCache.inc({ outcome: 'executed' });
      if (answer.body.kind !== 'complete' || answer.status !== 200 || !report.query || !report.cacheable) {
        shareable.delete(key);
        return answer;
      }
      shareable.set(key, true);
      // A request that ran longer than its tombstones live could miss an invalidation: not stored.
      if (report.ask === 'tags' && Date.now() - started < (TOMBSTONE_TTL_S * 1000) / 2) {
        store(key, answer as GraphQLAnswer & { body: { kind: 'complete' } }, report).catch((e: unknown) =>
          log.warn('storing an answer in the response cache failed', { err: (e as Error).message }),
        );
      }
      return answer;
    },
    plugin: {
      async requestDidStart({ contextValue }) {
        const report = contextValue.responseCache;
        if (!report) return;
        return {
          async didResolveOperation({ operation, operationName }) {
            report.query = operation?.operation === 'query';
            report.operationName = operationName ?? null;
          },
          async willSendResponse({ response, contextValue: ctx }) {
            const failed = response.body.kind !== 'single' || Boolean(response.body.singleResult.errors?.length);
            if (failed || ctx.stale.entries.length) report.cacheable = false;
          },
        };
      },
    },
    async close() {
      redis?.disconnect();
    },
  };
}
