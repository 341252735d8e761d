// First: graphql's development-mode checks off before anything loads graphql (lib/graphql-production.ts).
import '../../lib/graphql-production.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { cachePurgeRoute } from '../../lib/cache/admin-route.ts';
import { loadConfig, mesSubgraphUrl, type HubConfig } from '../../lib/config.ts';
import { isMain, runMain } from '../../lib/main.ts';
import { createSigner } from '../../lib/auth/signing.ts';
import { startSubgraphServer, subgraphFoundation, type RunningServer } from '../../lib/subgraph-server.ts';
import { startTracing } from '../../lib/tracing.ts';
import { createErpContext } from './context.ts';
import { createMesSubgraphDueSource } from './due-source.ts';
import { createODataErpSource, odataSourceOptions } from './odata-source.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../../schema/erp.graphql', import.meta.url), 'utf8'));

/** Starts the ERP subgraph on `config.ports.erpSubgraph`, wrapping the ERP at `config.erpApiUrl`. */
export async function startErpSubgraph(config: HubConfig): Promise<RunningServer> {
  const { log, metrics, client, backend, cache } = subgraphFoundation(config, 'erp');
  await startTracing(config.tracing, 'erp-subgraph', log);
  const source = createODataErpSource(client, odataSourceOptions(config.connectors, log));
  const secret = config.security.subgraphSigningSecret;
  const due = createMesSubgraphDueSource({
    url: mesSubgraphUrl(config),
    signer: config.security.subgraphSigning && secret ? createSigner(secret) : undefined,
    // The MES subgraph makes its own MES calls (each bounded by the upstream timeout) before it answers.
    timeoutMs: 2 * config.upstreamTimeoutMs + 1000,
  });
  return startSubgraphServer({
    name: 'erp',
    typeDefs,
    resolvers,
    context: async () => createErpContext(source, due, cache),
    routes: [cachePurgeRoute(cache)],
    metrics,
    log,
    host: config.host,
    port: config.ports.erpSubgraph,
    config,
    onClose: async () => {
      await client.close();
      await backend.close();
    },
  });
}

if (isMain(import.meta.url)) runMain(() => startErpSubgraph(loadConfig()));
