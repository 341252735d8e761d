// First: graphql's development-mode checks off before anything loads graphql (lib/graphql-production.ts).
import '../../lib/graphql-production.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { createCacheBackend, createEntityCache } from '../../lib/cache/index.ts';
import { cachePurgeRoute } from '../../lib/cache/admin-route.ts';
import { loadConfig, type HubConfig } from '../../lib/config.ts';
import { createJsonClient } from '../../lib/http-client.ts';
import { createLogger } from '../../lib/log.ts';
import { isMain, runMain } from '../../lib/main.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { startSubgraphServer, type RunningServer } from '../../lib/subgraph-server.ts';
import { createErpContext } from './context.ts';
import { createODataErpSource } from './odata-source.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../../schema/erp.graphql', import.meta.url), 'utf8'));

/** Starts the ERP subgraph on `config.ports.erpSubgraph`, wrapping the ERP at `config.erpApiUrl`. */
export async function startErpSubgraph(config: HubConfig): Promise<RunningServer> {
  const log = createLogger('erp-subgraph', config.logLevel);
  const erpApiUrl = config.erpApiUrl ?? `http://127.0.0.1:${config.ports.erpApi}`;
  const metrics = createMetrics('erp-subgraph');
  const client = createJsonClient({ system: 'erp', baseUrl: erpApiUrl, timeoutMs: config.upstreamTimeoutMs, metrics });
  const backend = createCacheBackend(config, log);
  const cache = createEntityCache(config, 'erp', backend, metrics, log);
  const source = createODataErpSource(client);
  return startSubgraphServer({
    name: 'erp',
    typeDefs,
    resolvers,
    context: async () => createErpContext(source, cache),
    routes: [cachePurgeRoute(cache, config)],
    metrics,
    log,
    host: config.host,
    port: config.ports.erpSubgraph,
    config,
    onClose: async () => {
      client.close();
      await backend.close();
    },
  });
}

if (isMain(import.meta.url)) runMain(() => startErpSubgraph(loadConfig()));
