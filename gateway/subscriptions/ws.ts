import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
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
 * `SLOW_CONSUMER_CLOSE_CODE`, which the graphql-ws client retries, so a board reconnects by itself and
 * resumes with `after`.
 *
 * graphql-ws's protocol core (`makeServer`) on `ws`, not its `useServer`: that one awaits each message's
 * write before the subscription's next event, one event loop turn per event and subscriber, and each
 * message is a write of its own. Here a message is handed to the socket at once while less than
 * WRITE_BEHIND_BYTES wait to be written (past that, as there, the subscription waits for the write, so a
 * peer that stops reading fills its queue and is closed), and a connection's messages of one turn go
 * out as one write (the socket is corked until the turn ends).
 */
/**
 * 1013 "Try Again Later" (RFC 6455 registry: a temporary condition on the server). graphql-ws 6's client
 * retries it (`isFatalInternalCloseCode` exempts it), whereas every 4xxx code of its own `CloseCode` is
 * fatal or means something else: 4429 is `TooManyInitialisationRequests`, never retried.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;

type ConnectionExtra = Record<PropertyKey, unknown> & {
  socket: WebSocket;
  request: http.IncomingMessage;
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
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, handleProtocols });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, socket, req));
  };
  server.on('upgrade', onUpgrade);

  const protocol = makeServer<Record<string, unknown> | undefined, ConnectionExtra>(serverOptions());
  function accept(socket: WebSocket, raw: Duplex, request: http.IncomingMessage): void {
    // What graphql-ws's own `useServer` does for a socket, with `send` as described above.
    socket.once('error', () => socket.close(CloseCode.InternalServerError, 'Internal server error'));
    let pongWait: NodeJS.Timeout | undefined;
    const ping =
      opts.keepAliveMs > 0
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), opts.keepAliveMs);
            socket.once('pong', () => clearTimeout(pongWait));
            socket.ping();
          }, opts.keepAliveMs)
        : undefined;
    const extra: ConnectionExtra = { socket, request };
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: sender(socket, raw),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (data) => {
            try {
              await cb(String(data));
            } catch (e) {
              opts.log.warn('graphql-ws message handling failed', { err: (e as Error).message });
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      extra,
    );
    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  }

  function serverOptions(): ServerOptions<Record<string, unknown> | undefined, ConnectionExtra> {
    return {
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
          // A peer that does not read does not answer the close handshake either. 30 s, not less: a slow
          // screen still draining its socket buffers should read the close frame (and its retryable code)
          // rather than see an abnormal 1006; what it holds meanwhile is bounded by the queue limit.
          setTimeout(() => socket.terminate(), 30_000).unref();
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
    };
  }
  wss.on('error', (e) => opts.log.warn('websocket server error', { err: e.message }));

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      // Closing each socket with 1001 (going away) completes its subscriptions (the close handler above).
      for (const c of wss.clients) c.close(1001, 'Going away');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A peer that does not answer the close handshake does not hold the shutdown up.
      const force = setTimeout(() => wss.clients.forEach((c) => c.terminate()), 1000);
      await closed.finally(() => clearTimeout(force));
    },
  };
}

/** Bytes a connection may have handed to its socket but not yet written before `send` waits. */
export const WRITE_BEHIND_BYTES = 256 * 1024;

/**
 * How graphql-ws's messages go out on one WebSocket (`raw` is its TCP socket): at once, corked until the
 * event loop turn ends; a promise (resolved once written) only when the socket is backed up.
 */
export function sender(socket: WebSocket, raw: Duplex): (data: string) => void | Promise<void> {
  return (data) => {
    if (socket.readyState !== socket.OPEN) return;
    cork(raw);
    if (socket.bufferedAmount < WRITE_BEHIND_BYTES) return void socket.send(data);
    // Backed up (a replay burst, or a peer that stopped reading): this subscription waits for the
    // write, and what arrives meanwhile queues against the connection's budget.
    return new Promise<void>((resolve) => socket.send(data, () => resolve()));
  };
}

/** Sockets corked in this event loop turn; all are uncorked (their messages written) when it ends. */
const corked = new Set<Duplex>();
function cork(raw: Duplex): void {
  if (corked.has(raw)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  corked.add(raw);
  raw.cork();
}
function uncorkAll(): void {
  for (const raw of corked) raw.uncork();
  corked.clear();
}
