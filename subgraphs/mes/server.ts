// First: graphql's development-mode checks off before anything loads graphql (lib/graphql-production.ts).
import '../../lib/graphql-production.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { createEntityCache } from '../../lib/cache/index.ts';
import { cachePurgeRoute } from '../../lib/cache/admin-route.ts';
import { loadConfig, type HubConfig } from '../../lib/config.ts';
import { createEventBus } from '../../lib/events/bus.ts';
import { isMain, runMain } from '../../lib/main.ts';
import { startSubgraphServer, subgraphFoundation, type RunningServer } from '../../lib/subgraph-server.ts';
import { startTracing } from '../../lib/tracing.ts';
import { createMesContext } from './context.ts';
import { createIntegrity, integrityResolvers, MappingHolder, mergeResolvers } from './integrity.ts';
import { startEventBridge, type BridgeOptions } from './events/bridge.ts';
import { createMqttMesFeed } from './events/mqtt-feed.ts';
import { createSseMesFeed } from './events/sse-feed.ts';
import { createNormalizer } from './events/normalize.ts';
import { invalidateForMesEvent } from './invalidation.ts';
import { loadMapping, type MaterialMapping } from './mapping.ts';
import { createRestMesSource, restSourceOptions } from './rest-source.ts';
import { reportResolvers } from './reports/resolvers.ts';
import { plannerResolvers } from './planner-resolvers.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../../schema/mes.graphql', import.meta.url), 'utf8'));

/** How long start-up waits for the mapping source (the MES may still be starting). */
const MAPPING_WAIT_MS = 30_000;

async function loadMappingWithRetry(source: string, timeoutMs: number): Promise<MaterialMapping> {
  const deadline = Date.now() + MAPPING_WAIT_MS;
  for (;;) {
    try {
      return await loadMapping(source, timeoutMs);
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`cannot load the material mapping from ${source}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface MesSubgraphOptions {
  /** Awaited before each MES event is published to the hub's event bus (see events/bridge.ts). */
  beforePublish?: BridgeOptions['beforePublish'];
}

/** How long start-up waits for the event bridge to attach to the MES feed before serving anyway. */
const BRIDGE_WAIT_MS = 5000;

/**
 * Starts the MES subgraph on `config.ports.mesSubgraph`, wrapping the MES at `config.mesApiUrl`, and
 * its event bridge (MES event feed -> hub event bus).
 */
export async function startMesSubgraph(config: HubConfig, options: MesSubgraphOptions = {}): Promise<RunningServer> {
  const { log, apiUrl: mesApiUrl, metrics, client, backend, cache } = subgraphFoundation(config, 'mes');
  // Before the event bus is made: it checks once whether tracing is on (the connectors check per call).
  await startTracing(config.tracing, 'mes-subgraph', log);
  const source = createRestMesSource(client, restSourceOptions(config.connectors, log));
  const mappingSource = config.mappingSource ?? `${mesApiUrl}/api/v1/material-mapping`;
  const mapping = new MappingHolder(
    await loadMappingWithRetry(mappingSource, config.upstreamTimeoutMs),
    () => loadMapping(mappingSource, config.upstreamTimeoutMs),
    log,
  );
  log.info('material mapping loaded', { rows: mapping.current.rows.length, source: mappingSource });
  const caches = { mes: cache, erp: createEntityCache(config, 'erp', backend, metrics, log) };
  const integrity = await createIntegrity(config, { log, metrics, mesClient: client, mapping, caches });
  const reports = { erp: integrity.services.erp, config: config.reports };
  const bus = await createEventBus(config, log);
  const bridge = startEventBridge({
    feed: config.events.mesFeed.kind === 'mqtt' ? createMqttMesFeed({ ...config.events.mesFeed.mqtt, log }) : createSseMesFeed(mesApiUrl, client),
    normalizer: createNormalizer(source, () => mapping.current),
    bus,
    log,
    metrics,
    // The cache forgets what the event changed before anyone is told of it: no stale read can follow.
    beforePublish: async (raw, event) => {
      await invalidateForMesEvent(cache, raw);
      await options.beforePublish?.(raw, event);
    },
  });
  await Promise.race([bridge.ready, new Promise((r) => setTimeout(r, BRIDGE_WAIT_MS).unref())]);
  return startSubgraphServer({
    name: 'mes',
    typeDefs,
    resolvers: mergeResolvers(resolvers, integrityResolvers, reportResolvers, plannerResolvers),
    context: async () => createMesContext(source, mapping.current, integrity.services, reports, cache),
    routes: [cachePurgeRoute(cache), ...integrity.routes],
    metrics,
    log,
    host: config.host,
    port: config.ports.mesSubgraph,
    config,
    onClose: async () => {
      await integrity.close();
      await bridge.stop();
      await bus.close();
      await client.close();
      await backend.close();
    },
  });
}

if (isMain(import.meta.url)) runMain(() => startMesSubgraph(loadConfig()));
