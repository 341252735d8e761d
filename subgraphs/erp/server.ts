// First: graphql's development-mode checks off before anything loads graphql (lib/graphql-production.ts).
import '../../lib/graphql-production.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { cachePurgeRoute } from '../../lib/cache/admin-route.ts';
import { loadConfig, type HubConfig } from '../../lib/config.ts';
import { isMain, runMain } from '../../lib/main.ts';
import { startSubgraphServer, subgraphFoundation, type RunningServer } from '../../lib/subgraph-server.ts';
import { createErpContext } from './context.ts';
import { createODataErpSource } from './odata-source.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../../schema/erp.graphql', import.meta.url), 'utf8'));

/** Starts the ERP subgraph on `config.ports.erpSubgraph`, wrapping the ERP at `config.erpApiUrl`. */
export async function startErpSubgraph(config: HubConfig): Promise<RunningServer> {
  const { log, metrics, client, backend, cache } = subgraphFoundation(config, 'erp');
  const source = createODataErpSource(client);
  return startSubgraphServer({
    name: 'erp',
    typeDefs,
    resolvers,
    context: async () => createErpContext(source, cache),
    routes: [cachePurgeRoute(cache)],
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
