import type http from 'node:http';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { buildASTSchema, GraphQLError, parse, printSchema } from 'graphql';
import type { HubConfig } from '../../lib/config.ts';
import { createEventBus } from '../../lib/events/bus.ts';
import type { Logger } from '../../lib/log.ts';
import type { HubMetrics } from '../../lib/metrics.ts';
import type { GatewayContext } from '../context.ts';
import type { DeliveryAudit } from '../security/delivery-audit.ts';
import type { Admitted } from '../security/gate.ts';
import { requestIsSubscription, streamChoice } from './negotiate.ts';
import { SUBSCRIPTION_FIELDS } from './resolvers.ts';
import { createSubscriptionService } from './service.ts';
import type { Authenticate, Limit } from './caller.ts';
import { createSseHandler } from './sse.ts';
import { attachWebSocket } from './ws.ts';

/**
 * Live subscriptions at the gateway, wired in three steps so that server.ts stays a list of wiring:
 * `captureApiSchema` before Apollo starts, `startLive` after, and `live.route` in the HTTP handler.
 */
export function captureApiSchema(gateway: ApolloGateway): () => string {
  let sdl: string | undefined;
  // Kept as SDL: the subscription executor builds its own copy and adds resolvers to it.
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => (sdl = printSchema(apiSchema)));
  return () => {
    if (!sdl) throw new Error('the gateway has not loaded its schema yet');
    return sdl;
  };
}

/** Subscription operations sent as plain HTTP requests get a clear answer instead of the gateway's internal error. */
export function subscriptionsOverHttpPlugin<T extends GatewayContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(
            'Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, or Server-Sent Events on /graphql/stream.',
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
        },
      };
    },
  };
}

export interface Live {
  /**
   * Serves the HTTP requests that belong to subscriptions (graphql-sse); answers true when it did.
   * `admitted` is what the gateway's gate established (caller, body read within the limit).
   */
  route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, admitted: Admitted): Promise<boolean>;
  close(): Promise<void>;
}

/** Whether a graph has the hub's subscription fields (a foreign supergraph usually does not). */
export function hasHubSubscriptions(apiSchema: string): boolean {
  const fields = buildASTSchema(parse(apiSchema)).getSubscriptionType()?.getFields() ?? {};
  return Object.keys(SUBSCRIPTION_FIELDS).every((name) => name in fields);
}

/** Live features are off: every request takes the JSON path, and no WebSocket endpoint is attached. */
const NO_LIVE: Live = { route: async () => false, close: async () => undefined };

export async function startLive(opts: {
  server: http.Server;
  apollo: ApolloServer<GatewayContext>;
  /** The gateway's API schema as SDL (see captureApiSchema). */
  apiSchema: string;
  config: HubConfig;
  log: Logger;
  metrics: HubMetrics;
  /** The gateway's token check, shared with HTTP requests. */
  authenticate: Authenticate;
  /** The gateway's rate limit, shared with HTTP requests (one counter per subject). */
  limit: Limit;
  /** Audit of restricted fields delivered to each subscriber. */
  audit?: DeliveryAudit;
  /** Safelist mode: the persisted-operations manifest by sha256 (gateway/security). */
  safelist?: ReadonlyMap<string, string> | undefined;
}): Promise<Live> {
  if (!hasHubSubscriptions(opts.apiSchema)) {
    opts.log.info('the supergraph has no hub subscription fields: subscriptions, SSE and the event bus are off');
    return NO_LIVE;
  }
  const bus = await createEventBus(opts.config, opts.log, { listen: true });
  if (bus.kind === 'memory') opts.log.info('event bus in memory: subscriptions see events of this process only (set REDIS_URL to share)');
  const live = createSubscriptionService({
    apiSchema: opts.apiSchema,
    bus,
    apollo: opts.apollo,
    log: opts.log,
    metrics: opts.metrics,
    queueLimit: opts.config.events.queueLimit,
    limits: opts.config.security.limits,
    hideSuggestions: !opts.config.security.allowIntrospection,
    limit: opts.limit,
    ...(opts.audit ? { audit: opts.audit } : {}),
    safelist: opts.safelist,
  });
  const sse = createSseHandler(live, opts.log);
  const ws = attachWebSocket(opts.server, live, { log: opts.log, keepAliveMs: opts.config.events.keepAliveMs, authenticate: opts.authenticate });
  return {
    async route(req, res, url, admitted) {
      // Content negotiation (negotiate.ts): /graphql streams for subscriptions, or for a client that
      // accepts nothing but text/event-stream; a query with urql's Accept is answered as JSON.
      const choice = url.pathname === '/graphql/stream' ? 'stream' : url.pathname === '/graphql' ? streamChoice(req.headers.accept) : 'json';
      if (choice === 'json') return false;
      if (choice === 'if-subscription' && !requestIsSubscription(req, url, admitted.body)) return false;
      await sse(req, res, admitted);
      return true;
    },
    async close() {
      await ws.close();
      await bus.close();
    },
  };
}
