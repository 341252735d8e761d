import { STATUS_CODES } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';

/**
 * The gateway's HTTP client for subgraph calls: undici's `request` over a keep-alive pool, the same
 * client as the connectors' (`lib/http-client.ts`), answering the body as text. `npm run bench --
 * http-clients` measures it at less client CPU per call than node:http with a keep-alive agent and a
 * fraction of Node's `fetch` (README, Performance): no WHATWG Request/Headers/stream objects per call.
 */
export interface SubgraphHttpResponse {
  status: number;
  statusText: string;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
}

/** A subgraph answer larger than this is refused (a runaway subgraph must not exhaust the gateway). */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * One keep-alive pool for all subgraph calls: the gateway makes several subgraph requests per client
 * request, and a new TCP connection for each would cost more than the subgraph's own work. No header
 * or body deadline here: a subgraph's own upstream deadlines bound its answer.
 */
const pool = new Agent({ connections: 256, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0, maxResponseSize: MAX_RESPONSE_BYTES });

/** POSTs `body` (JSON) to a subgraph and reads the whole answer. Rejects on network errors only. */
export async function postJson(url: URL, body: string, headers: Record<string, string>): Promise<SubgraphHttpResponse> {
  const res = await request(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' }, dispatcher: pool });
  return { status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '', headers: res.headers, text: await res.body.text() };
}

/**
 * The same client behind the Fetch API shape that `RemoteGraphQLDataSource`'s `fetcher` option takes
 * (the bench's tuned plain gateway uses it, so a ratio measures the hub's design, not its HTTP client).
 */
export async function keepAliveFetch(url: string, init: { body?: string; headers?: Record<string, string> }): Promise<Response> {
  const r = await postJson(new URL(url), init.body ?? '', init.headers ?? {});
  const headers = new Headers();
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  return new Response(r.text, { status: r.status, statusText: r.statusText, headers });
}
