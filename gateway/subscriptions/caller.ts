import { randomUUID } from 'node:crypto';
import type { GatewayContext } from '../context.ts';

/**
 * Who holds a subscription. For now every caller is anonymous with no scopes: the graphql-ws
 * `connection_init` payload (`{ "authorization": "Bearer ..." }`) and the SSE request's Authorization
 * header are accepted and not yet checked. The gateway's token check plugs in here, once, for both
 * transports: `contextFromConnectionParams` is the one place that turns what a client sent into a caller.
 */
export interface SubscriptionCaller {
  /** The bearer token as sent (not yet verified), kept so the federated reads can pass it on. */
  authorization: string | undefined;
  /** The caller's scopes, sorted; part of the key under which event payloads are shared. */
  scopes: readonly string[];
}

/** The caller of a graphql-ws connection (its `connection_init` payload) or an SSE request (its headers). */
export async function contextFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): Promise<SubscriptionCaller> {
  const raw = params?.authorization ?? params?.Authorization;
  return { authorization: typeof raw === 'string' ? raw : undefined, scopes: [] };
}

/** Payloads are shared only between callers who may see the same fields. */
export function scopeKey(caller: SubscriptionCaller): string {
  return caller.scopes.join(' ');
}

/** The context for one federated read made on a subscriber's behalf (the gateway's own query path). */
export function gatewayContextFor(_caller: SubscriptionCaller): GatewayContext {
  return { requestId: randomUUID() };
}
