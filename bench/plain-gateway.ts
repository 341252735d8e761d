/**
 * The throughput benchmark's baseline: a plain @apollo/gateway inside @apollo/server's standalone
 * server, as a user would write it from Apollo's docs. The same checked-in supergraph and the same
 * subgraph URLs as the hub, and deliberately nothing else: the default fetcher (no keep-alive tuning),
 * pretty-printed JSON, the default plugins. Run as a process of its own by bench/throughput.ts:
 * `PLAIN_GATEWAY_PORT=4100 ERP_SUBGRAPH_URL=... MES_SUBGRAPH_URL=... tsx bench/plain-gateway.ts`.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const urls: Record<string, string | undefined> = { erp: process.env.ERP_SUBGRAPH_URL, mes: process.env.MES_SUBGRAPH_URL };

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8'),
  // Only the subgraph URLs differ from the supergraph's (free ports); the data source is the default.
  buildService: ({ name, url }) => new RemoteGraphQLDataSource({ url: urls[name] ?? url }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.PLAIN_GATEWAY_PORT ?? 4100) },
});
process.stdout.write(`plain gateway listening ${url}\n`);
// Apollo Server stops itself on SIGTERM/SIGINT (its default outside NODE_ENV=test).
