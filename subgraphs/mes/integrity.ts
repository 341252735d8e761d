/**
 * Wiring of reconciliation, master-data checks and the closed loop into the MES subgraph: the services
 * (made once per process), the resolvers to merge, the reloadable mapping and its admin route.
 */
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient } from '../../lib/redis.ts';
import type { HubConfig } from '../../lib/config.ts';
import { createJsonClient } from '../../lib/http-client.ts';
import { sendJson } from '../../lib/apollo-http.ts';
import { createMemoryIdempotencyStore, createRedisIdempotencyStore } from '../../lib/idempotency.ts';
import type { Logger } from '../../lib/log.ts';
import type { HubMetrics } from '../../lib/metrics.ts';
import { createMemoryOutbox, createRedisOutbox } from '../../lib/outbox.ts';
import type { Route } from '../../lib/subgraph-server.ts';
import { createODataErpSource } from '../erp/odata-source.ts';
import { createODataErpWriter } from '../erp/odata-writes.ts';
import type { EntityCache } from '../../lib/cache/index.ts';
import type { IntegrityServices, WriteInvalidation } from './integrity-services.ts';
import type { MaterialMapping } from './mapping.ts';
import { reconciliationResolvers } from './reconciliation/resolvers.ts';
import type { JsonClient } from '../../lib/http-client.ts';
import { createRestMesWriteSource } from './rest-writes.ts';
import type { ConfirmationEntry } from './writes/model.ts';
import { ConfirmationRelay } from './writes/relay.ts';
import { writeResolvers } from './writes/resolvers.ts';

export interface Integrity {
  services: IntegrityServices;
  routes: Route[];
  close(): Promise<void>;
}

/**
 * The material mapping as the current request sees it. Contexts read `current` per request, so a
 * reload swaps the instance for every later request at once; a failed reload keeps the last good one.
 */
export class MappingHolder {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    public current: MaterialMapping,
    private readonly load: () => Promise<MaterialMapping>,
    private readonly log: Logger,
  ) {}

  async reload(): Promise<MaterialMapping> {
    this.current = await this.load();
    this.log.info('material mapping reloaded', { rows: this.current.rows.length });
    return this.current;
  }

  /** Periodic reload (MAPPING_RELOAD_SECONDS); 0 leaves it to the admin route. */
  every(seconds: number): void {
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      this.reload().catch((e: unknown) => this.log.warn('material mapping reload failed; keeping the last one', { error: (e as Error).message }));
    }, seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Merges resolver maps type by type (the core map stays untouched in resolvers.ts). */
export function mergeResolvers<T extends object>(...maps: T[]): T {
  const out: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) out[type] = { ...out[type], ...(fields as Record<string, unknown>) };
  }
  return out as T;
}

export const integrityResolvers = mergeResolvers(reconciliationResolvers, writeResolvers);

/**
 * What the closed loop's writes make stale in the entity caches: the ERP order with its confirmations
 * and operations, the MES work orders. With Redis the ERP subgraph reads
 * the same keys, so it sees a posted confirmation at once instead of after the order TTL; with the
 * in-memory cache each process has its own and only the TTL helps.
 */
function cacheInvalidation(caches: { erp: EntityCache; mes: EntityCache } | undefined, log: Logger): WriteInvalidation {
  const quietly = (work: Promise<unknown>[]) =>
    Promise.all(work).then(() => undefined, (e: unknown) => log.warn('cache invalidation after a write failed', { error: (e as Error).message }));
  return {
    erpOrder: (id) =>
      // Cached list pages (`orders`) are left to their short TTL: purging them is a keyspace scan per write.
      quietly(caches ? [caches.erp.invalidate('order', [id]), caches.erp.invalidate('confirmations', [id]), caches.erp.invalidate('routing', [id])] : []),
    mesJobs: (erpOrder, ids) => quietly(caches ? [caches.mes.invalidate('job', ids), caches.mes.invalidate('jobsByOrder', [erpOrder])] : []),
  };
}

export async function createIntegrity(
  config: HubConfig,
  deps: { log: Logger; metrics: HubMetrics; mesClient: JsonClient; mapping: MappingHolder; caches?: { erp: EntityCache; mes: EntityCache } },
): Promise<Integrity> {
  const { log, metrics } = deps;
  const erpApiUrl = config.erpApiUrl ?? `http://127.0.0.1:${config.ports.erpApi}`;
  // The MES subgraph's own keep-alive client to the ERP: read-only bulk reads and the relay's posts.
  const erpClient = createJsonClient({ system: 'erp', baseUrl: erpApiUrl, timeoutMs: config.upstreamTimeoutMs, resilience: config.resilience, metrics });
  const ttl = config.integrity;
  let redis: Redis | Cluster | undefined;
  if (config.redisUrl) {
    // The cache's client factory, so a `redis+cluster://` URL works here too.
    redis = createRedisClient(config.redisUrl, { maxRetriesPerRequest: 3 });
    redis.on('error', (e: Error) => log.warn('redis error', { error: e.message }));
  } else {
    log.warn('REDIS_URL unset: idempotency keys and the confirmation outbox are in memory (lost on restart; demo only)');
  }
  const outbox = redis
    ? createRedisOutbox<ConfirmationEntry>(redis, config.cachePrefix, 'confirmations', ttl.outboxRetentionSeconds)
    : createMemoryOutbox<ConfirmationEntry>(ttl.outboxRetentionSeconds);
  const idempotency = redis
    ? createRedisIdempotencyStore(redis, config.cachePrefix, ttl.idempotencyTtlSeconds)
    : createMemoryIdempotencyStore(ttl.idempotencyTtlSeconds);
  const mes = createRestMesWriteSource(deps.mesClient);
  const erpWriter = createODataErpWriter(erpClient);
  // A write holds its key for three upstream timeouts (read, MES write, ERP read) before a retry may take over.
  const leaseMs = config.upstreamTimeoutMs * 3 + 1000;
  const afterWrite = cacheInvalidation(deps.caches, log);
  const relay = new ConfirmationRelay(outbox, mes, erpWriter, afterWrite, log, {
    maxBackoffMs: ttl.relayMaxBackoffMs,
    graceMs: config.upstreamTimeoutMs + 1000,
    leaseMs: 15_000,
    idleMs: 1000,
  });
  relay.start();
  deps.mapping.every(ttl.mappingReloadSeconds);

  const reloadRoute: Route = async (req, res, url) => {
    if (url.pathname !== '/admin/mapping/reload') return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'POST only' });
      return true;
    }
    try {
      const m = await deps.mapping.reload();
      sendJson(res, 200, { rows: m.rows.length });
    } catch (e) {
      log.warn('material mapping reload failed; keeping the last one', { error: (e as Error).message });
      sendJson(res, 502, { error: 'the mapping source could not be read; the last mapping stays in use' });
    }
    return true;
  };

  return {
    services: { erp: createODataErpSource(erpClient), erpWriter, mes, idempotency, outbox, relay, config: ttl, leaseMs, afterWrite },
    routes: [reloadRoute],
    async close() {
      deps.mapping.stop();
      await relay.stop();
      await erpClient.close();
      await redis?.quit().catch(() => undefined);
    },
  };
}
