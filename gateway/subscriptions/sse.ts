import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHandler, type HandlerOptions } from 'graphql-sse';
import type { Logger } from '../../lib/log.ts';
import { contextFromConnectionParams, type Authenticate, type SubscriptionCaller } from './caller.ts';
import type { SubscriptionService } from './service.ts';

/**
 * GraphQL over Server-Sent Events (graphql-sse, "distinct connections" mode: one POST per operation,
 * answered as an event stream) for clients behind proxies that block WebSockets. Served on
 * `/graphql/stream`, and on `/graphql` as negotiate.ts decides. The caller comes from the request's
 * Authorization header; the same per-connection queue limit applies (the stream is ended).
 */
export function createSseHandler(live: SubscriptionService, log: Logger, authenticate: Authenticate) {
  const handler = createHandler<IncomingMessage, { res: ServerResponse }>({
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
      if (!Array.isArray(prepared)) return prepared as Parameters<NonNullable<HandlerOptions['execute']>>[0];
      return [
        JSON.stringify({ errors: (prepared as readonly Error[]).map((e) => ('toJSON' in e ? (e as { toJSON(): unknown }).toJSON() : { message: e.message })) }),
        { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } },
      ];
    },
    execute: (args) => live.execute(args),
    subscribe: (args) => live.subscribe(args),
  });
  /**
   * graphql-sse's Node adapter, but with a body the router may already have read (to see whether the
   * operation is a subscription) and the Accept it negotiated: graphql-sse streams only for exactly
   * `text/event-stream`.
   */
  return async (req: IncomingMessage, res: ServerResponse, body?: Buffer): Promise<void> => {
    const [answer, init] = await handler({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        get: (key) => (key === 'accept' ? 'text/event-stream' : headerValue(req.headers[key])),
      },
      // The router reads POST bodies (bounded by MAX_BODY_BYTES); graphql-sse's adapter would read any size.
      body: () => Promise.resolve(body?.toString('utf8') ?? ''),
      raw: req,
      context: { res },
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!answer || typeof answer === 'string') return void res.end(answer ?? undefined);
    const stop = () => void answer.return(undefined);
    res.once('close', stop);
    for await (const chunk of answer) {
      if (!res.writable) break;
      await new Promise<void>((resolve, reject) => res.write(chunk, (e) => (e ? reject(e) : resolve())));
    }
    res.off('close', stop);
    res.end();
  };
}

const headerValue = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join('\n') : h);
