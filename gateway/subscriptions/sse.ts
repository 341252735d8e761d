import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHandler } from 'graphql-sse/lib/use/http';
import type { Logger } from '../../lib/log.ts';
import { contextFromConnectionParams, type Authenticate, type SubscriptionCaller } from './caller.ts';
import type { SubscriptionService } from './service.ts';

/**
 * GraphQL over Server-Sent Events (graphql-sse, "distinct connections" mode: one POST per operation,
 * answered as an event stream) for clients behind proxies that block WebSockets. Served on
 * `/graphql/stream` and on `/graphql` when the request accepts `text/event-stream`. The caller comes from
 * the request's Authorization header; the same per-connection queue limit applies (the stream is ended).
 */
export function createSseHandler(live: SubscriptionService, log: Logger, authenticate: Authenticate) {
  const handler = createHandler({
    // Distinct connections only: single-connection mode needs a reservation token and sticky state.
    authenticate: () => null,
    onSubscribe: async (req, params) => {
      const res = req.context.res;
      let caller: SubscriptionCaller;
      try {
        caller = await contextFromConnectionParams({ authorization: req.headers.get('authorization') ?? undefined }, authenticate);
      } catch (e) {
        const ext = (e as { extensions?: Record<string, unknown> }).extensions ?? { code: 'UNAUTHENTICATED' };
        return [
          JSON.stringify({ errors: [{ message: (e as Error).message, extensions: { code: ext.code, reason: ext.reason } }] }),
          { status: 401, statusText: 'Unauthorized', headers: { 'content-type': 'application/json; charset=utf-8' } },
        ];
      }
      const budget = live.budget(() => {
        log.warn('ending an SSE subscription stream that does not keep up');
        res.destroy();
      });
      const prepared = await live.prepare(params, { caller, budget });
      // graphql-sse types its context as a plain record; ours is an object with known fields.
      if (!Array.isArray(prepared)) return prepared as Parameters<NonNullable<Parameters<typeof createHandler>[0]['execute']>>[0];
      return [
        JSON.stringify({ errors: (prepared as readonly Error[]).map((e) => ('toJSON' in e ? (e as { toJSON(): unknown }).toJSON() : { message: e.message })) }),
        { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } },
      ];
    },
    execute: (args) => live.execute(args),
    subscribe: (args) => live.subscribe(args),
  });
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await handler(req, res);
  };
}

/** A request for the event-stream answer (graphql-sse clients send `Accept: text/event-stream`). */
export function wantsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}
