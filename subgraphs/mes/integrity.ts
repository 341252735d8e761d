/**
 * Wiring of reconciliation, master-data checks and the closed loop into the MES subgraph: the services
 * (made once per process), the resolvers to merge, the reloadable mapping and its admin route.
 */
import { systemApiUrl, type HubConfig } from '../../lib/config.ts';
import { createJsonClient, type JsonClient } from '../../lib/http-client.ts';
import { sendJson } from '../../lib/apollo-http.ts';
import type { EntityCache } from '../../lib/cache/index.ts';
import type { Logger } from '../../lib/log.ts';
import type { HubMetrics } from '../../lib/metrics.ts';
import type { Route } from '../../lib/subgraph-server.ts';
import { createODataErpSource, odataSourceOptions } from '../erp/odata-source.ts';
import { createClosedLoop } from './closed-loop/index.ts';
import { cacheInvalidation } from './closed-loop/invalidation.ts';
import { writeResolvers } from './closed-loop/resolvers.ts';
import type { IntegrityServices } from './closed-loop/services.ts';
import type { MaterialMapping } from './mapping.ts';
import { reconciliationResolvers } from './reconciliation/resolvers.ts';
import { createRestMesSource, restSourceOptions } from './rest-source.ts';

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
      this.reload().catch((e: unknown) => this.log.warn('material mapping reload failed; keeping the last one', { err: (e as Error).message }));
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

export async function createIntegrity(
  config: HubConfig,
  deps: { log: Logger; metrics: HubMetrics; mesClient: JsonClient; mapping: MappingHolder; caches?: { erp: EntityCache; mes: EntityCache } },
): Promise<Integrity> {
  const { log, metrics } = deps;
  const erpApiUrl = systemApiUrl(config, 'erp');
  // The MES subgraph's own keep-alive client to the ERP: read-only bulk reads and the relay's posts.
  const erpClient = createJsonClient({ system: 'erp', baseUrl: erpApiUrl, timeoutMs: config.upstreamTimeoutMs, resilience: config.resilience, metrics });
  const afterWrite = cacheInvalidation(deps.caches, log);
  const loop = createClosedLoop(config, { log, erpClient, mesClient: deps.mesClient, afterWrite });
  deps.mapping.every(config.integrity.mappingReloadSeconds);

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
      log.warn('material mapping reload failed; keeping the last one', { err: (e as Error).message });
      sendJson(res, 502, { error: 'the mapping source could not be read; the last mapping stays in use' });
    }
    return true;
  };

  return {
    services: {
      erp: createODataErpSource(erpClient, odataSourceOptions(config.connectors, log)),
      // Uncached: the plant-wide join and the checks before a write must see the MES as it is now.
      mes: createRestMesSource(deps.mesClient, restSourceOptions(config.connectors, log)),
      erpWriter: loop.erpWriter,
      mesWriter: loop.mesWriter,
      idempotency: loop.idempotency,
      outbox: loop.outbox,
      relay: loop.relay,
      config: config.integrity,
      leaseMs: loop.leaseMs,
      afterWrite,
    },
    routes: [reloadRoute],
    async close() {
      deps.mapping.stop();
      await loop.stop();
      await erpClient.close();
    },
  };
}
