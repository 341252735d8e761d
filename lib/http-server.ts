import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './apollo-http.ts';
import type { Logger } from './log.ts';
import type { HubMetrics } from './metrics.ts';

/** What a running server hands back: where it listens and how to stop it. */
export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An HTTP server whose handler may be async: a failure becomes a logged 500 (never an unhandled
 * rejection, never a stack trace to the client). Keep-alive outlives common load balancers' 60 s.
 */
export function createHttpServer(
  log: Logger,
  handle: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void,
): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    Promise.resolve()
      .then(() => handle(req, res, url))
      .catch((e: unknown) => {
        log.error('request failed', { err: e instanceof Error ? e.message : String(e), path: url.pathname });
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

export async function serveMetrics(res: http.ServerResponse, metrics: HubMetrics): Promise<void> {
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType });
  res.end(text);
}

/** Listens on host:port (0 = a free port) and resolves once bound. */
export function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

