import http from 'node:http';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import nodeFetch from 'node-fetch';
import type { StaleEntry } from '../lib/cache/stale.ts';
import { ANONYMOUS, encodeEnvelope } from '../lib/auth/caller.ts';
import { CALLER_HEADER, type Signer } from '../lib/auth/signing.ts';
import { injectTraceHeaders } from '../lib/tracing.ts';
import type { GatewayContext } from './context.ts';

/**
 * One keep-alive agent for all subgraph calls: the gateway makes several subgraph requests per client
 * request, and a new TCP connection for each would cost more than the subgraph's own work.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 30_000 });

type Fetcher = ConstructorParameters<typeof RemoteGraphQLDataSource>[0] extends infer C
  ? C extends { fetcher?: infer F } ? F : never
  : never;

/**
 * node-fetch with our agent (the gateway's default fetcher adds an HTTP cache layer we do not want
 * here). It signs in the fetcher because only here is the body the exact bytes that go on the wire.
 */
function createFetcher(signer: Signer | undefined): Fetcher {
  return ((url: string, init: { body: string; headers: Record<string, string> }) => {
    const headers = signer ? { ...init.headers, ...signer.sign(init.body, init.headers[CALLER_HEADER] ?? '') } : init.headers;
    return nodeFetch(url, { ...init, headers, agent });
  }) as unknown as Fetcher;
}

/** One envelope per client request, however many subgraph fetches its plan makes. */
const envelopes = new WeakMap<object, string>();

/** A subgraph as the gateway sees it: the supergraph's URL, or the operator's override. */
export class SubgraphSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(url: string, signer?: Signer) {
    super({ url, fetcher: createFetcher(signer) });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { request, context } = options;
    if (context?.requestId) request.http?.headers.set('x-request-id', context.requestId);
    // Called inside @apollo/gateway's fetch span: the subgraph's server span becomes its child.
    injectTraceHeaders((name, value) => request.http?.headers.set(name, value));
    const incoming = 'incomingRequestContext' in options ? options.incomingRequestContext : undefined;
    // The caller (and, for the audit log, the operation) rides along in the signed envelope.
    let envelope = context ? envelopes.get(context) : undefined;
    if (envelope === undefined) {
      envelope = encodeEnvelope({
        caller: context?.caller ?? ANONYMOUS,
        requestId: context?.requestId,
        clientRequestId: context?.clientRequestId,
        operationName: incoming?.operationName ?? null,
        queryHash: incoming?.queryHash,
      });
      if (context) envelopes.set(context, envelope);
    }
    request.http?.headers.set(CALLER_HEADER, envelope);
  }

  /** The gateway drops subgraph `extensions`; the stale report is carried over to the client's response. */
  override didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    const stale = response.extensions?.stale;
    if (Array.isArray(stale) && context?.stale) context.stale.entries.push(...(stale as StaleEntry[]));
    return response;
  }
}
