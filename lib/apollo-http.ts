import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode } from './errors.ts';

/**
 * Apollo Server on plain `node:http`, shared by the gateway and both subgraphs. Written here rather than
 * through an Express integration: one less framework on the hot path, and the same server can route
 * `/metrics`, `/health`, the explorer and the WebSocket upgrade on one port.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Bytes of a refused body read (and thrown away) before the connection is cut instead. */
const DISCARD_MAX_BYTES = 8 * 1024 * 1024;
/** How long a refused body may keep arriving before the connection is cut. */
const DISCARD_MAX_MS = 5000;

/**
 * Throws away the rest of a request body that will not be used (refused: 401, 413, 429). A few MiB
 * are read so that a client still sending gets the answer on a reusable connection; past that the
 * request is paused (TCP flow control stops the sender, who already has the answer) and the socket is
 * closed a few seconds later. Destroying it at once would reset the connection while the client may not
 * yet have read the answer. A refused 600 MB upload costs neither memory nor minutes.
 */
export function discardBody(req: IncomingMessage): void {
  if (req.readableEnded || req.destroyed) return;
  let seen = 0;
  const timer = setTimeout(() => req.socket?.destroy(), DISCARD_MAX_MS);
  timer.unref();
  req.removeAllListeners('data');
  const onData = (c: Buffer) => {
    seen += c.length;
    if (seen > DISCARD_MAX_BYTES) {
      req.off('data', onData);
      req.pause();
    }
  };
  req.on('data', onData);
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** Reads a request body up to `limit` bytes; larger bodies are refused without buffering them. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => new BodyError(413, `Request body is larger than ${limit} bytes.`);
    if (declared > limit) {
      discardBody(req);
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        req.off('end', onEnd);
        discardBody(req);
        reject(tooLarge());
      } else chunks.push(c);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** A GraphQL-shaped error response for failures before Apollo sees the request. */
export function sendGraphQLError(res: ServerResponse, status: number, message: string, code: string, headers?: Record<string, string>) {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

interface CodedError {
  message: string;
  extensions: { code: string; http?: { status?: number; headers?: Record<string, string> } } & Record<string, unknown>;
}

/** Duck-typed: graphql may be loaded twice (its ESM and CommonJS builds), so `instanceof` is unreliable. */
function isCoded(e: unknown): e is CodedError {
  const ext = (e as { extensions?: { code?: unknown } } | null)?.extensions;
  return typeof ext?.code === 'string';
}

/** A coded GraphQLError as a response: its `extensions.http` gives the status and headers (e.g. 401, 429). */
export function sendCoded(res: ServerResponse, e: CodedError): void {
  const { http, ...extensions } = e.extensions;
  sendJson(res, http?.status ?? 400, { errors: [{ message: e.message, extensions }] }, http?.headers ?? {});
}

/**
 * A GraphQL request body, read within `maxBodyBytes`: parsed JSON for `application/json`, text for
 * other types (Apollo answers those), undefined for GET. Throws BodyError (400/413) or what `authorize`
 * throws.
 */
export async function readRequestBody(
  req: IncomingMessage,
  maxBodyBytes: number,
  authorize?: (req: IncomingMessage, raw: Buffer) => void,
): Promise<unknown> {
  if (req.method !== 'POST') {
    authorize?.(req, Buffer.alloc(0));
    return undefined;
  }
  const raw = await readBody(req, maxBodyBytes);
  // Before parsing: an unsigned body is refused without spending a JSON parse on it.
  authorize?.(req, raw);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/json')) {
    if (raw.length === 0) return {};
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BodyError(400, 'The request body is not valid JSON.');
    }
  }
  // Other content types go to Apollo as text: its CSRF prevention and content-type checks answer them.
  return raw.toString('utf8');
}

/** An answer Apollo made (or the gateway's response cache holds): status, headers and body. */
export interface GraphQLAnswer {
  status: number;
  headers: [string, string][];
  body: { kind: 'complete'; string: string } | { kind: 'chunked'; asyncIterator: AsyncIterableIterator<string> };
}

/** The answer for a body `readRequestBody` refused: its coded error, or 400/413 BAD_USER_INPUT. */
export function sendBodyError(res: ServerResponse, e: unknown): void {
  if (isCoded(e)) return sendCoded(res, e);
  const status = e instanceof BodyError ? e.status : 400;
  sendGraphQLError(res, status, e instanceof BodyError ? e.message : 'Bad request body.', ErrorCode.BAD_USER_INPUT);
}

export interface GraphQLHandlerOptions<TContext extends BaseContext> {
  server: ApolloServer<TContext>;
  context: (req: IncomingMessage, body: unknown) => Promise<TContext>;
  maxBodyBytes?: number;
  /**
   * Checks the raw request (the subgraphs verify the gateway's signature over the exact bytes) before
   * Apollo sees it; throws a coded GraphQLError whose `extensions.http.status` becomes the answer.
   */
  authorize?: (req: IncomingMessage, raw: Buffer) => void;
  /**
   * Wraps Apollo's execution of one request (the gateway's response cache and request coalescing):
   * answers with a stored or shared answer, or calls `execute`.
   */
  around?: (req: IncomingMessage, body: unknown, search: string, execute: () => Promise<GraphQLAnswer>) => Promise<GraphQLAnswer>;
}

/** Serves one GraphQL HTTP request (POST, or GET for queries) through Apollo Server. */
export function createGraphQLHandler<TContext extends BaseContext>(opts: GraphQLHandlerOptions<TContext>) {
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  /** `preRead`: the body the gateway's gate already read within the limit. */
  return async (req: IncomingMessage, res: ServerResponse, search: string, preRead?: { body: unknown }): Promise<void> => {
    let body: unknown;
    try {
      body = preRead !== undefined ? preRead.body : await readRequestBody(req, limit, opts.authorize);
    } catch (e) {
      return sendBodyError(res, e);
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const execute = async (): Promise<GraphQLAnswer> => {
      const result = await opts.server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
        context: () => opts.context(req, body),
      });
      return { status: result.status ?? 200, headers: [...result.headers], body: result.body };
    };
    try {
      const result = await (opts.around ? opts.around(req, body, search, execute) : execute());
      for (const [k, v] of result.headers) res.setHeader(k, v);
      res.statusCode = result.status;
      if (result.body.kind === 'complete') {
        res.end(result.body.string);
        return;
      }
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (e) {
      // Context creation may throw a coded GraphQLError (e.g. UNAUTHENTICATED); anything else is ours.
      if (isCoded(e) && !res.headersSent) return sendCoded(res, e);
      if (!res.headersSent) sendGraphQLError(res, 500, 'Internal server error', ErrorCode.INTERNAL_SERVER_ERROR);
      else res.end();
    }
  };
}
