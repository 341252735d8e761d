/**
 * The bench's baseline: a plain @apollo/gateway inside @apollo/server's standalone server, the same
 * checked-in supergraph and subgraph URLs as the hub. Run as a process of its own by bench/targets.ts:
 * `PLAIN_GATEWAY_PORT=4100 ERP_SUBGRAPH_URL=... MES_SUBGRAPH_URL=... [PLAIN_TUNED=on] tsx bench/plain-gateway.ts`.
 *
 * - defaults (PLAIN_TUNED=off): as a user writes it from Apollo's docs: the default fetcher
 *   (make-fetch-happen, no keep-alive tuning), pretty-printed JSON, the default plugins;
 * - tuned (PLAIN_TUNED=on, run with NODE_ENV=production): what any Apollo user can set, set the way
 *   the hub sets it: the hub's keep-alive HTTP client, compact JSON, cache-control, inline tracing,
 *   usage reporting and the landing page off. What remains between it and the hub is the hub's design
 *   (response cache, request and fetch coalescing, its own data source), not a setting.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { keepAliveFetch } from '../gateway/subgraph-fetch.ts';
import { leanPlugins, leanServerOptions } from '../lib/apollo-plugins.ts';

const urls: Record<string, string | undefined> = { erp: process.env.ERP_SUBGRAPH_URL, mes: process.env.MES_SUBGRAPH_URL };
const tuned = process.env.PLAIN_TUNED === 'on';

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8'),
  // Only the subgraph URLs differ from the supergraph's (free ports).
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url: urls[name] ?? url,
      ...(tuned ? { fetcher: keepAliveFetch as unknown as NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'] } : {}),
    }),
});
const server = new ApolloServer(
  tuned
    ? { gateway, ...leanServerOptions, stopOnTerminationSignals: true, plugins: [...leanPlugins(), ApolloServerPluginLandingPageDisabled()] }
    : { gateway },
);
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.PLAIN_GATEWAY_PORT ?? 4100) },
});
process.stdout.write(`plain gateway (${tuned ? 'tuned' : 'defaults'}) listening ${url}\n`);
// Apollo Server stops itself on SIGTERM/SIGINT (its default outside NODE_ENV=test).
