import type http from 'node:http';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, printSchema } from 'graphql';
import type { HubConfig } from '../../lib/config.ts';
import { createEventBus } from '../../lib/events/bus.ts';
import type { Logger } from '../../lib/log.ts';
import type { HubMetrics } from '../../lib/metrics.ts';
import type { GatewayContext } from '../context.ts';
import type { DeliveryAudit } from '../security/delivery-audit.ts';
import type { Admitted } from '../security/gate.ts';
import { createSubscriptionService } from './service.ts';
import type { Authenticate, Limit } from './caller.ts';
import { createSseHandler, wantsEventStream } from './sse.ts';
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
}): Promise<Live> {
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
  });
  const sse = createSseHandler(live, opts.log);
  const ws = attachWebSocket(opts.server, live, { log: opts.log, keepAliveMs: opts.config.events.keepAliveMs, authenticate: opts.authenticate });
  return {
    async route(req, res, url, admitted) {
      const stream = url.pathname === '/graphql/stream' || (url.pathname === '/graphql' && wantsEventStream(req));
      if (!stream) return false;
      await sse(req, res, admitted);
      return true;
    },
    async close() {
      await ws.close();
      await bus.close();
    },
  };
}
