import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { StaleEntry } from '../lib/cache/stale.ts';
import { ANONYMOUS, encodeEnvelope } from '../lib/auth/caller.ts';
import { CALLER_HEADER, type Signer } from '../lib/auth/signing.ts';
import { injectTraceHeaders } from '../lib/tracing.ts';
import { CACHE_REPORT_HEADER, readCacheReport } from '../lib/cache/responses.ts';
import type { GatewayContext } from './context.ts';
import { postJson, type SubgraphHttpResponse } from './subgraph-fetch.ts';

/** A subgraph's answer as @apollo/gateway's data source interface declares it (its own types package is not a dependency of the hub). */
type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource<GatewayContext>['process']>>;

/** What a client request sends every subgraph, computed once however many fetches its plan makes. */
interface Envelope {
  /** The signed `x-hub-caller` value (carries the request id). */
  header: string;
  /** The same without the request id: requests that share it may share a subgraph fetch. */
  identity: string;
}

const envelopes = new WeakMap<object, Envelope>();

function envelopeOf(context: GatewayContext | undefined, operationName: string | null, queryHash: string | undefined): Envelope {
  const known = context ? envelopes.get(context) : undefined;
  if (known) return known;
  const caller = context?.caller ?? ANONYMOUS;
  // The caller (and, for the audit log, the operation) rides along in the signed envelope.
  const env = {
    header: encodeEnvelope({ caller, requestId: context?.requestId, clientRequestId: context?.clientRequestId, operationName, queryHash }),
    identity: JSON.stringify([caller, operationName, queryHash]),
  };
  if (context) envelopes.set(context, env);
  return env;
}

/**
 * A subgraph as the gateway sees it (the supergraph's URL, or the operator's override). Written against
 * @apollo/gateway's `GraphQLDataSource` interface instead of extending `RemoteGraphQLDataSource`, whose
 * per-fetch node-fetch Request and Headers objects cost more than the rest of the call.
 *
 * Identical in-flight fetches are sent once: same subgraph, same body, same caller (the envelope
 * without its request id), and a query (never a mutation). Sixteen clients asking for the same page
 * at the same moment then cost the subgraph one execution; each waiter parses the answer itself,
 * because the gateway merges entity data into its own result objects.
 */
export class SubgraphSource implements GraphQLDataSource<GatewayContext> {
  private readonly url: URL;
  private readonly inflight = new Map<string, Promise<SubgraphHttpResponse>>();

  constructor(url: string, private readonly signer?: Signer, private readonly dedupe = true) {
    this.url = new URL(url);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const incoming = 'incomingRequestContext' in options ? options.incomingRequestContext : undefined;
    const context = incoming ? (options.context as GatewayContext | undefined) : undefined;
    const env = envelopeOf(context, incoming?.operationName ?? null, incoming?.queryHash);
    const { http: _http, ...payload } = request;
    const body = JSON.stringify(payload);
    const report = context?.responseCache?.ask;
    const headers: Record<string, string> = { [CALLER_HEADER]: env.header };
    if (context?.requestId) headers['x-request-id'] = context.requestId;
    if (report) headers[CACHE_REPORT_HEADER] = report;
    // Called inside @apollo/gateway's fetch span: the subgraph's server span becomes its child.
    injectTraceHeaders((name, value) => void (headers[name] = value));
    const send = () => postJson(this.url, body, this.signer ? { ...headers, ...this.signer.sign(body, env.header) } : headers);

    const query = request.query ?? '';
    let response: SubgraphHttpResponse;
    // Only for a request whose last identical run was shareable (no restricted field): a restricted read
    // is audited once per client request, so its fetches are never merged with another's.
    if (this.dedupe && context?.responseCache?.shareable && (query.startsWith('query') || query.startsWith('{'))) {
      const key = `${report ?? ''}\n${env.identity}\n${body}`;
      let shared = this.inflight.get(key);
      if (!shared) {
        shared = send().finally(() => this.inflight.delete(key));
        this.inflight.set(key, shared);
      }
      response = await shared;
    } else {
      response = await send();
    }
    if (response.status < 200 || response.status > 299) throw this.errorFrom(response);
    const parsed = JSON.parse(response.text) as GatewayGraphQLResponse;
    const ext = parsed.extensions;
    if (context && ext) {
      // The gateway drops subgraph `extensions`: the stale report and the cache report are carried over.
      if (Array.isArray(ext.stale)) context.stale.entries.push(...(ext.stale as StaleEntry[]));
      if (report) context.responseCache?.add(readCacheReport(ext));
    } else if (report) context?.responseCache?.add(undefined);
    return parsed;
  }

  /** Like RemoteGraphQLDataSource: the HTTP status in the message, the answer under `extensions.response`. */
  private errorFrom(r: SubgraphHttpResponse): GraphQLError {
    let body: unknown = r.text;
    if ((r.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(r.text);
      } catch {
        /* keep the text */
      }
    }
    const code = r.status === 401 ? 'UNAUTHENTICATED' : r.status === 403 ? 'FORBIDDEN' : undefined;
    return new GraphQLError(`${r.status}: ${r.statusText}`, {
      extensions: { ...(code ? { code } : {}), response: { url: this.url.toString(), status: r.status, statusText: r.statusText, body } },
    });
  }
}
