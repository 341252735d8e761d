import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { Caller } from '../../lib/auth/caller.ts';
import type { GatewayContext } from '../context.ts';

/**
 * Who holds a subscription: the same verified `Caller` an HTTP request gets, made once per graphql-ws
 * connection (from its `connection_init` payload `{ "authorization": "Bearer ..." }`) or per SSE request
 * (from its Authorization header). The federated reads made for each event carry it to the subgraphs,
 * so every event applies the same field scopes as a query.
 */
export type SubscriptionCaller = Caller;

/** The gateway's token check (gateway/security/jwt.ts): throws a coded UNAUTHENTICATED GraphQLError. */
export type Authenticate = (authorization: unknown) => Promise<Caller>;

/** The gateway's rate limit for one operation of `subject`: the RATE_LIMITED error, or undefined. */
export type Limit = (subject: string) => Promise<GraphQLError | undefined>;

/** Whether the caller's token has expired (a caller without `expiresAt` never does). */
export function expired(caller: Caller, now = Date.now()): boolean {
  return caller.expiresAt !== undefined && caller.expiresAt <= now;
}

/** The caller of a graphql-ws connection (its `connection_init` payload) or an SSE request (its headers). */
export function contextFromConnectionParams(
  params: Readonly<Record<string, unknown>> | undefined,
  authenticate: Authenticate,
): Promise<SubscriptionCaller> {
  return authenticate(params?.authorization ?? params?.Authorization);
}

/**
 * Payloads are shared only between callers who may see the same fields. Anonymous callers have a key of
 * their own: an authenticated caller without scopes may see `@authenticated` fields they may not.
 */
export function scopeKey(caller: SubscriptionCaller): string {
  return caller.anonymous ? 'anonymous' : `caller:${[...caller.scopes].sort().join(' ')}`;
}

/**
 * The context for one request made on a subscriber's behalf (the gateway's own query path). `internal`
 * marks the gateway's per-event reads, trusted past the safelist (see GatewayContext).
 */
export function gatewayContextFor(caller: SubscriptionCaller, internal = false): GatewayContext {
  return { requestId: randomUUID(), caller, stale: { entries: [] }, ...(internal ? { internal: true as const } : {}) };
}
