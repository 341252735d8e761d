import type { IncomingMessage } from 'node:http';
import { getOperationAST, parse } from 'graphql';

/**
 * Which answer a `/graphql` request gets: the JSON answer (Apollo Server) or an event stream
 * (graphql-sse). Clients list several types in Accept: urql 6 sends
 * `application/graphql-response+json, application/graphql+json, application/json, text/event-stream,
 * multipart/mixed` for every query. By the GraphQL-over-HTTP spec a query or mutation is then answered
 * as JSON; the stream is for subscriptions, or for a client that accepts nothing but an event stream
 * (graphql-sse's own client sends exactly `text/event-stream`).
 */
export type StreamChoice = 'json' | 'stream' | 'if-subscription';

const EVENT_STREAM = 'text/event-stream';

/** The media types an Accept header lists, lower-cased, without parameters; `q=0` (refused) ones dropped. */
export function acceptedTypes(accept: string | undefined): string[] {
  if (!accept) return [];
  const types: string[] = [];
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!type) continue;
    if (params.some((p) => /^q\s*=\s*0(\.0*)?$/.test(p))) continue;
    types.push(type);
  }
  return types;
}

export function streamChoice(accept: string | undefined): StreamChoice {
  // Runs on every /graphql request: most never mention event streams, and skip the parse.
  if (!accept?.toLowerCase().includes(EVENT_STREAM)) return 'json';
  const types = acceptedTypes(accept);
  if (!types.includes(EVENT_STREAM)) return 'json';
  return types.every((t) => t === EVENT_STREAM) ? 'stream' : 'if-subscription';
}

/** Whether a request's operation is a subscription; anything unparsable is not (Apollo answers its error). */
export function isSubscriptionOperation(query: unknown, operationName: unknown): boolean {
  // Most documents never mention the word: skip the parse for them.
  if (typeof query !== 'string' || !query.includes('subscription')) return false;
  try {
    const op = getOperationAST(parse(query), typeof operationName === 'string' ? operationName : undefined);
    return op?.operation === 'subscription';
  } catch {
    return false;
  }
}

/** The operation of a GET request (query string) or of a POST body as the gateway's gate parsed it. */
export function requestIsSubscription(req: IncomingMessage, url: URL, body: unknown): boolean {
  if (req.method === 'GET') return isSubscriptionOperation(url.searchParams.get('query'), url.searchParams.get('operationName'));
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return false;
    }
  }
  const op = parsed as { query?: unknown; operationName?: unknown } | null | undefined;
  return isSubscriptionOperation(op?.query, op?.operationName);
}
