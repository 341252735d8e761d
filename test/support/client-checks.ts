/**
 * The public GraphQL clients, each with its default options (only the URL, the token and, in Node, the
 * WebSocket implementation are given), against a running hub: every answer is compared with a raw
 * request, every refusal with its code. Used for the production-mode plant and for the demo.
 */
import { ApolloClient, CombinedGraphQLErrors, gql as apolloGql, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client as UrqlClient, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { ClientError, GraphQLClient } from 'graphql-request';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gql, type GraphQLResponse } from './hub.ts';
import { subscriptionsActive, until, wsUrl, type Json } from './live.ts';
import { withoutTypename } from './clients.ts';

export const ORDER = 'query Order($id: ID!) { productionOrder(id: $id) { id status plannedQuantity unit producedQuantity progress material { id description baseUnit } workOrders { id status } } }';
export const EQUIPMENT = 'query Equipment($id: ID!) { equipment(id: $id) { id name state } }';
export const EQUIPMENT_SUB = 'subscription Machine($id: ID) { equipmentStateChanged(id: $id) { eventId state equipment { id name state } } }';

export interface Target {
  /** The gateway's `/graphql` URL. */
  gateway: string;
  mesApi: string;
  /** Headers of an authenticated caller. */
  auth: Record<string, string>;
  /** Admin calls to the demo MES, acting as the shop floor. */
  setEquipmentState(equipmentId: string, state: string): Promise<void>;
}

/** What a raw POST with the same token answers: the reference every client's data is compared with. */
export async function raw(t: Target, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse['body']> {
  const res = await gql(t.gateway, query, variables, t.auth);
  if (res.body.errors) throw new Error(`raw request failed: ${JSON.stringify(res.body.errors)}`);
  return res.body;
}

/** The `extensions.code` of a refusal, whichever error shape the client wraps it in. */
export function codeOf(e: unknown): string | undefined {
  if (CombinedGraphQLErrors.is(e)) return e.errors[0]?.extensions?.code as string | undefined;
  if (ServerError.is(e)) return (JSON.parse(e.bodyText) as Json).errors?.[0]?.extensions?.code;
  if (e instanceof ClientError) return e.response.errors?.[0]?.extensions?.code as string | undefined;
  if (Array.isArray(e)) return (e[0] as Json)?.extensions?.code;
  return (e as Json)?.graphQLErrors?.[0]?.extensions?.code ?? (e as Json)?.extensions?.code;
}

export function apolloHttp(t: Target, headers = t.auth) {
  return new ApolloClient({ link: new HttpLink({ uri: t.gateway, headers }), cache: new InMemoryCache() });
}

export function wsClientFor(t: Target, headers: Record<string, string> | undefined = t.auth) {
  return createWsClient({ url: wsUrl(t.gateway), webSocketImpl: WebSocket, connectionParams: headers ? { authorization: headers.authorization } : undefined });
}

export function apolloWs(t: Target) {
  const ws = wsClientFor(t);
  return { client: new ApolloClient({ link: new GraphQLWsLink(ws), cache: new InMemoryCache() }), ws };
}

export function urql(t: Target, headers = t.auth) {
  const ws = wsClientFor(t, headers);
  const client = new UrqlClient({
    url: t.gateway,
    fetchOptions: { headers },
    exchanges: [
      cacheExchange,
      fetchExchange,
      // urql's documented graphql-ws recipe.
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, ws };
}

export function graphqlRequest(t: Target, headers = t.auth) {
  return new GraphQLClient(t.gateway, { headers });
}

export function sseClient(t: Target, headers = t.auth, path = '/graphql/stream') {
  return createSseClient({ url: new URL(path, t.gateway).toString(), headers, retryAttempts: 0 });
}

/**
 * Runs `subscribe` (which must call `onEvent` per event), waits until the gateway holds the subscription,
 * changes an equipment's state, and returns the first event with the raw answer for the same equipment
 * read after it: both must agree.
 */
export async function oneEquipmentEvent(
  t: Target,
  equipmentId: string,
  subscribe: (onEvent: (event: Json) => void) => () => void,
): Promise<{ event: Json; rawEquipment: Json }> {
  const events: Json[] = [];
  const active = await subscriptionsActive(t.gateway);
  const stop = subscribe((e) => events.push(e));
  try {
    await until(async () => (await subscriptionsActive(t.gateway)) > active, 15_000, 'the subscription at the gateway');
    const current = (await raw(t, EQUIPMENT, { id: equipmentId })).data!.equipment.state;
    await t.setEquipmentState(equipmentId, current === 'DOWN' ? 'RUNNING' : 'DOWN');
    await until(() => events.length > 0, 20_000, 'an event');
  } finally {
    stop();
  }
  const rawEquipment = (await raw(t, EQUIPMENT, { id: equipmentId })).data!.equipment;
  return { event: events[0], rawEquipment };
}

export { withoutTypename };
export const apolloDoc = apolloGql;
