import http from 'node:http';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import nodeFetch from 'node-fetch';
import type { StaleEntry } from '../lib/cache/stale.ts';
import type { GatewayContext } from './context.ts';

/**
 * One keep-alive agent for all subgraph calls: the gateway makes several subgraph requests per client
 * request, and a new TCP connection for each would cost more than the subgraph's own work.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 30_000 });

// node-fetch with our agent; the gateway's default fetcher adds an HTTP cache layer we do not want here.
const fetcher = ((url: string, init: Record<string, unknown>) => nodeFetch(url, { ...init, agent })) as unknown as
  ConstructorParameters<typeof RemoteGraphQLDataSource>[0] extends infer C
    ? C extends { fetcher?: infer F } ? F : never
    : never;

/** A subgraph as the gateway sees it: the supergraph's URL, or the operator's override. */
export class SubgraphSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(url: string) {
    super({ url, fetcher });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context?.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }

  /** The gateway drops subgraph `extensions`; the stale report is carried over to the client's response. */
  override didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    const stale = response.extensions?.stale;
    if (Array.isArray(stale) && context?.stale) context.stale.entries.push(...(stale as StaleEntry[]));
    return response;
  }
}
