/**
 * A small node:http toolkit shared by the demo ERP and MES: routing, JSON in and out, and errors that
 * become JSON answers instead of crashed processes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Each system spells its error codes its own way: OData `NotFound`, the MES `NOT_FOUND`. */
export type ErrorStyle = 'odata' | 'rest';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Overrides the code derived from the status. */
    readonly code?: string,
  ) {
    super(message);
  }
}

const CODES: Record<number, [odata: string, rest: string]> = {
  400: ['BadRequest', 'BAD_REQUEST'],
  401: ['Unauthorized', 'UNAUTHORIZED'],
  404: ['NotFound', 'NOT_FOUND'],
  405: ['MethodNotAllowed', 'METHOD_NOT_ALLOWED'],
  409: ['Conflict', 'CONFLICT'],
  413: ['PayloadTooLarge', 'PAYLOAD_TOO_LARGE'],
  415: ['UnsupportedMediaType', 'UNSUPPORTED_MEDIA_TYPE'],
  500: ['InternalError', 'INTERNAL'],
  503: ['ServiceUnavailable', 'SERVICE_UNAVAILABLE'],
};

export function errorBody(style: ErrorStyle, status: number, message: string, code?: string): { error: { code: string; message: string } } {
  const pair = CODES[status] ?? CODES[500];
  return { error: { code: code ?? (pair ? pair[style === 'odata' ? 0 : 1] : 'Error'), message } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a body as UTF-8 text; 413 above `limit` (1 MiB). */
export async function readText(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    // Keep draining rather than destroying the socket, so the 413 reaches a keep-alive client.
    if (size <= limit) chunks.push(buf);
  }
  if (size > limit) throw new HttpError(413, `request body exceeds ${limit} bytes`);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON body (empty -> undefined); 413 above 1 MiB, 400 when it is not JSON. */
export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const text = (await readText(req, limit)).trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/** A JSON object body, or 400. */
export async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => unknown;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export type RouteMatch = { handler: Handler; params: Record<string, string> } | { methodNotAllowed: true } | undefined;

/** Matches `/a/:id/b` patterns segment by segment; params are percent-decoded. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, pathname: string): RouteMatch {
    const parts = pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
      pathMatched = true;
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(':')) params[p.slice(1)] = decode(v);
    else if (p !== v) return undefined;
  }
  return params;
}

export function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in '${s}'`);
  }
}

/** Comma-separated multi-value query parameter; undefined when absent or empty. */
export function listParam(url: URL, name: string): string[] | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A non-negative integer query parameter, or 400. */
export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `${name} must be a non-negative integer, got '${raw}'`);
  return Number(raw);
}
