/**
 * Helpers for the tests that drive the public GraphQL clients (urql, Apollo Client, graphql-request,
 * graphql-ws, graphql-sse) with their default options.
 */

/** Normalised caching clients add `__typename` to every selection; a raw request does not ask for it. */
export function withoutTypename<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutTypename) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '__typename').map(([k, v]) => [k, withoutTypename(v)])) as T;
  }
  return value;
}

/** The Accept header urql 6's fetchExchange sends with every query and mutation. */
export const URQL_ACCEPT = 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';
