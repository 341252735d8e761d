import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { createHandler, type OperationArgs } from 'graphql-sse';
import type { Logger } from '../../lib/log.ts';
import type { Admitted } from '../security/gate.ts';
import { clientErrors, clientResult } from './client-errors.ts';
import type { SubscriptionContext, SubscriptionService } from './service.ts';

type SseContext = { res: ServerResponse; admitted: Admitted };

/**
 * GraphQL over Server-Sent Events (graphql-sse, "distinct connections" mode: one POST per operation,
 * answered as an event stream) for clients behind proxies that block WebSockets. Served on
 * `/graphql/stream` and on `/graphql` when the request accepts `text/event-stream`. The request has
 * passed the gateway's gate (gateway/security/gate.ts) before it gets here: the caller is known and the
 * body was read within MAX_BODY_BYTES (graphql-sse's own Node adapter would read any body into one
 * string, so its core handler is used with the body the gate read). The same per-connection queue limit
 * applies (the stream is ended), and the stream ends when the caller's token expires.
 */
export function createSseHandler(live: SubscriptionService, log: Logger) {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const handler = createHandler<IncomingMessage, SseContext>({
    // Distinct connections only: single-connection mode needs a reservation token and sticky state.
    authenticate: () => null,
    onSubscribe: async (req, params) => {
      const { res, admitted } = req.context;
      const budget = live.budget(() => {
        log.warn('ending an SSE subscription stream that does not keep up');
        res.destroy();
      });
      const context: SubscriptionContext = {
        caller: admitted.caller,
        subject: admitted.subject,
        budget,
        connection: { subscriptions: 0 },
        counted: true, // the gate counted this request
      };
      const prepared = await live.prepare(params, context);
      // graphql-sse types its context as a plain record; ours is an object with known fields.
      if (!Array.isArray(prepared)) return prepared as OperationArgs;
      const status = (prepared as readonly { extensions?: { code?: unknown } }[]).some((e) => e.extensions?.code === 'RATE_LIMITED') ? 429 : 400;
      return [
        JSON.stringify({ errors: clientErrors(prepared) }),
        { status, statusText: status === 429 ? 'Too Many Requests' : 'Bad Request', headers: json },
      ] as [string, { status: number; statusText: string; headers: Record<string, string> }];
    },
    // Results become plain JSON with internal error text masked, as over WebSocket.
    onNext: (_ctx, _req, result) => clientResult(result as ExecutionResult),
    execute: (args) => live.execute(args),
    subscribe: (args) => live.subscribe(args),
  });

  return async (req: IncomingMessage, res: ServerResponse, admitted: Admitted): Promise<void> => {
    const [body, init] = await handler({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        get(key) {
          const h = req.headers[key];
          return Array.isArray(h) ? h.join('\n') : h;
        },
      },
      body: (admitted.body ?? null) as string | Record<PropertyKey, unknown> | null,
      raw: req,
      context: { res, admitted },
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === 'string') {
      res.end(body);
      return;
    }
    const stop = () => void body.return(undefined);
    res.once('close', stop);
    try {
      for await (const chunk of body) {
        if (!res.writable) break;
        await new Promise<void>((resolve, reject) => res.write(chunk, (err) => (err ? reject(err) : resolve())));
      }
    } finally {
      res.off('close', stop);
      res.end();
    }
  };
}

/** A request for the event-stream answer (graphql-sse clients send `Accept: text/event-stream`). */
export function wantsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}
