import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ExecutionResult } from 'graphql';
import type { Logger } from '../../lib/log.ts';
import { subjectOf } from '../security/guard.ts';
import { contextFromConnectionParams, expired, type Authenticate, type SubscriptionCaller } from './caller.ts';
import { clientErrors, clientResult } from './client-errors.ts';
import type { ConnectionBudget } from './event-stream.ts';
import type { SubscriptionContext, SubscriptionService } from './service.ts';

/**
 * graphql-ws on the gateway's own HTTP server: the `upgrade` of `/graphql` becomes a WebSocket speaking
 * `graphql-transport-ws`. Keep-alive: a WebSocket ping every `keepAliveMs` (a peer that does not answer
 * is terminated). A connection that falls `SUBSCRIPTION_QUEUE_LIMIT` events behind is closed with
 * 4429 (`SLOW_CONSUMER_CLOSE_CODE`); the graphql-ws client treats it as retryable, so a board
 * reconnects and resumes with `after`.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 4429;

type ConnectionExtra = Record<PropertyKey, unknown> & {
  caller?: SubscriptionCaller;
  subject?: string;
  budget?: ConnectionBudget;
  connection?: { subscriptions: number };
  expiry?: NodeJS.Timeout;
};

export interface WebSocketEndpoint {
  close(): Promise<void>;
}

/** graphql-ws's close code for a connection whose credentials were refused. */
export const UNAUTHORIZED_CLOSE_CODE = 4401;

/**
 * The hub's close code for a connection whose token expired while it was open. Not one graphql-ws
 * reserves, and not in its client's list of fatal codes (4500, 4005, 4400, 4004, 4401, 4406, 4409,
 * 4429 and 1000-1999 mostly): the client retries, and a client whose `connectionParams` is a function
 * sends a fresh token with the new `connection_init`.
 */
export const TOKEN_EXPIRED_CLOSE_CODE = 4440;

/** setTimeout's longest delay; a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const coded = (e: unknown): boolean => typeof (e as { extensions?: { code?: unknown } })?.extensions?.code === 'string';

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
      // Never an internal error's text in a close reason, whatever NODE_ENV the process was started with.
      isProd: true,
      // The client's token arrives in connection_init; the caller is made once per connection.
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        try {
          ctx.extra.caller = await contextFromConnectionParams(ctx.connectionParams, opts.authenticate);
        } catch (e) {
          // A bad token refuses the connection (4401, the reason in the close frame), as HTTP answers 401;
          // only a coded refusal's own words go out, never an internal error's.
          const why = coded(e) ? `Unauthorized: ${(e as Error).message}` : 'Unauthorized';
          socket.close(UNAUTHORIZED_CLOSE_CODE, why.slice(0, 120));
          return false;
        }
        const caller = ctx.extra.caller;
        ctx.extra.subject = subjectOf(caller, ctx.extra.request.socket.remoteAddress);
        ctx.extra.connection = { subscriptions: 0 };
        if (caller.expiresAt !== undefined) {
          const check = () => {
            if (!expired(caller)) {
              ctx.extra.expiry = setTimeout(check, Math.min(caller.expiresAt! - Date.now(), MAX_TIMER_MS));
              return;
            }
            socket.close(TOKEN_EXPIRED_CLOSE_CODE, 'Token expired');
            setTimeout(() => socket.terminate(), 5000).unref();
          };
          check();
          socket.once('close', () => clearTimeout(ctx.extra.expiry));
        }
        ctx.extra.budget = live.budget(() => {
          opts.log.warn('closing a subscription connection that does not keep up', { code: SLOW_CONSUMER_CLOSE_CODE });
          socket.close(SLOW_CONSUMER_CLOSE_CODE, 'Too many events queued: the client does not keep up');
          // A peer that does not read does not answer the close handshake either.
          setTimeout(() => socket.terminate(), 5000).unref();
        });
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const context: SubscriptionContext = {
          caller: ctx.extra.caller!,
          subject: ctx.extra.subject!,
          budget: ctx.extra.budget!,
          connection: ctx.extra.connection!,
        };
        return live.prepare(payload, context);
      },
      // Per operation, as plain JSON: a failing operation never takes the socket (and its other
      // subscriptions) down, and no internal error text leaves.
      onNext: (_ctx, _id, _payload, _args, result) => clientResult(result as ExecutionResult),
      onError: (_ctx, _id, _payload, errors) => clientErrors(errors),
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
