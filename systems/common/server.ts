import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AfterCommit, FaultInjector } from './faults.ts';
import { HttpError, errorBody, sendJson, type ErrorStyle, type Router } from './http.ts';
import type { Stats } from './stats.ts';

export interface RunningSystem {
  url: string;
  port: number;
  /** Stops timers and streams, then the server; safe to call twice (and unbound). */
  close(): Promise<void>;
}

export interface SystemHandlerOptions {
  style: ErrorStyle;
  api: Router;
  admin: Router;
  stats: Stats;
  faults: FaultInjector;
}

/** Where and how a demo system listens (systems/README.md, "Running"). */
export interface SystemNetOptions {
  /** Bind address; default 127.0.0.1 (this machine only). */
  host?: string | undefined;
  /** Bearer token for the admin API; without it the admin API is open (refused in production mode). */
  adminToken?: string | undefined;
  /** Production mode: starting without `adminToken` is refused, so the admin API is never open. */
  production?: boolean | undefined;
}

/** Throws when a production-mode system would serve its admin API to anyone. */
export function assertAdminProtected(net: SystemNetOptions, name: string): void {
  if (net.production && !net.adminToken) {
    throw new Error(`${name}: ADMIN_TOKEN is required in production mode (NODE_ENV=production); the admin API changes records and faults`);
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from((header ?? '').replace(/^Bearer\s+/i, ''));
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * With a token, every `/admin/...` call needs `Authorization: Bearer <token>` and gets a 401 in the
 * system's error style otherwise; the API itself is unchanged.
 */
export function protectAdmin(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  token: string | undefined,
  style: ErrorStyle,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (!token) return handler;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (isAdminPath(decodedPath(path)) && !bearerMatches(req.headers.authorization, token)) {
      req.resume();
      sendJson(res, 401, errorBody(style, 401, 'admin token required (Authorization: Bearer <ADMIN_TOKEN>)'), { 'www-authenticate': 'Bearer' });
      return;
    }
    handler(req, res);
  };
}

const isAdminPath = (p: string): boolean => p === '/admin' || p.startsWith('/admin/');

function decodedPath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/**
 * One request pipeline for both systems: API calls are counted and pass through fault injection, admin
 * calls do neither. Every failure ends as a JSON error in the system's own style, never as a crash.
 */
export function createSystemHandler(opts: SystemHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const fail = (res: ServerResponse, e: unknown): void => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (e instanceof HttpError) sendJson(res, e.status, errorBody(opts.style, e.status, e.message, e.code));
    else sendJson(res, 500, errorBody(opts.style, 500, 'internal error'));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, 'malformed request URL');
    }
    const admin = isAdminPath(url.pathname);
    if (!admin) {
      opts.stats.record(method, decodedPath(url.pathname));
      const fault = await opts.faults.before();
      if (fault === 'down') throw new HttpError(503, 'system is down (injected fault)');
      if (fault === 'error') throw new HttpError(500, 'injected error');
      if (method !== 'GET' && method !== 'HEAD') interceptAnswer(res, opts.faults.afterCommit(), opts.style);
    }
    const match = (admin ? opts.admin : opts.api).match(method, url.pathname);
    if (!match) throw new HttpError(404, `no such resource: ${method} ${url.pathname}`);
    if ('methodNotAllowed' in match) throw new HttpError(405, `${method} is not allowed on ${url.pathname}`);
    await match.handler({ req, res, url, params: match.params });
  };
  return (req, res) => {
    handle(req, res).catch((e: unknown) => fail(res, e));
  };
}

/**
 * Lets the write run and commit, then loses its answer: `drop` cuts the connection, `fail` answers 500.
 * An answer that is already an error (nothing was committed) goes out unchanged. This is the case a
 * client cannot tell from a failed call, and the one a closed loop must survive without booking twice.
 */
function interceptAnswer(res: ServerResponse, kind: AfterCommit, style: ErrorStyle): void {
  if (!kind) return;
  const writeHead = res.writeHead.bind(res);
  const end = res.end.bind(res);
  let head: Parameters<ServerResponse['writeHead']> | undefined;
  res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => ((head = args), res)) as ServerResponse['writeHead'];
  res.end = ((...args: Parameters<ServerResponse['end']>) => {
    const status = head?.[0] ?? res.statusCode;
    if (status >= 300) {
      if (head) writeHead(...head);
      return end(...args);
    }
    if (kind === 'drop') {
      res.socket?.destroy();
      return res;
    }
    const body = JSON.stringify(errorBody(style, 500, 'injected error after the write was committed'));
    writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    return end(body);
  }) as ServerResponse['end'];
}

/** Listens on `host`:`port` (0 = a free port; host default 127.0.0.1) and returns the running system's handle. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  beforeClose: () => void | Promise<void> = () => undefined,
  host = '127.0.0.1',
): Promise<RunningSystem> {
  // Batch lookups put hundreds of keys into one URL: allow longer request lines than node's 16 KiB.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, handler);
  // Longer than typical client agents' idle timeout, so pooled connections are reused, not reset.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await beforeClose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    })();
    return closing;
  };
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${actual}`, port: actual, close };
}
