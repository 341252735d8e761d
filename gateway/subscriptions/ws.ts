import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../lib/log.ts';
import { contextFromConnectionParams, type Authenticate, type SubscriptionCaller } from './caller.ts';
import type { ConnectionBudget } from './event-stream.ts';
import type { SubscriptionContext, SubscriptionService } from './service.ts';

/**
 * graphql-ws on the gateway's own HTTP server: the `upgrade` of `/graphql` becomes a WebSocket speaking
 * `graphql-transport-ws`. Keep-alive: a WebSocket ping every `keepAliveMs` (a peer that does not answer
 * is terminated). A connection that falls `SUBSCRIPTION_QUEUE_LIMIT` events behind is closed with
 * `SLOW_CONSUMER_CLOSE_CODE`, which the graphql-ws client retries, so a board reconnects by itself and
 * resumes with `after`.
 */
/**
 * 1013 "Try Again Later" (RFC 6455 registry: a temporary condition on the server). graphql-ws 6's client
 * retries it (`isFatalInternalCloseCode` exempts it), whereas every 4xxx code of its own `CloseCode` is
 * fatal or means something else: 4429 is `TooManyInitialisationRequests`, never retried.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;

type ConnectionExtra = Record<PropertyKey, unknown> & { caller?: SubscriptionCaller; budget?: ConnectionBudget };

export interface WebSocketEndpoint {
  close(): Promise<void>;
}

/** graphql-ws's close code for a connection whose credentials were refused. */
export const UNAUTHORIZED_CLOSE_CODE = 4401;

export function attachWebSocket(
  server: http.Server,
  live: SubscriptionService,
  opts: { log: Logger; keepAliveMs: number; authenticate: Authenticate; path?: string },
): WebSocketEndpoint {
  const path = opts.path ?? '/graphql';
  // 1 MiB per message: subscribe messages are small; a larger one is a mistake or an attack.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      // The client's token arrives in connection_init; the caller is made once per connection.
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        try {
          ctx.extra.caller = await contextFromConnectionParams(ctx.connectionParams, opts.authenticate);
        } catch (e) {
          // A bad token refuses the connection (4401, the reason in the close frame), as HTTP answers 401.
          socket.close(UNAUTHORIZED_CLOSE_CODE, `Unauthorized: ${(e as Error).message}`.slice(0, 120));
          return false;
        }
        ctx.extra.budget = live.budget(() => {
          opts.log.warn('closing a subscription connection that does not keep up', { code: SLOW_CONSUMER_CLOSE_CODE });
          socket.close(SLOW_CONSUMER_CLOSE_CODE, 'Too many events queued: the client does not keep up');
          // A peer that does not read does not answer the close handshake either. 30 s, not less: a slow
          // screen still draining its socket buffers should read the close frame (and its retryable code)
          // rather than see an abnormal 1006; what it holds meanwhile is bounded by the queue limit.
          setTimeout(() => socket.terminate(), 30_000).unref();
        });
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const context: SubscriptionContext = { caller: ctx.extra.caller!, budget: ctx.extra.budget! };
        return live.prepare(payload, context);
      },
      execute: (args) => live.execute(args),
      subscribe: (args) => live.subscribe(args),
    },
    wss,
    opts.keepAliveMs,
  );
  wss.on('error', (e) => opts.log.warn('websocket server error', { err: e.message }));

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      // graphql-ws completes the subscriptions and closes every socket with 1001 (going away).
      const disposed = Promise.resolve(disposable.dispose());
      // A peer that does not answer the close handshake does not hold the shutdown up.
      const force = setTimeout(() => wss.clients.forEach((c) => c.terminate()), 1000);
      await disposed.finally(() => clearTimeout(force));
    },
  };
}
