import http from 'node:http';
import https from 'node:https';
import { UpstreamError, UpstreamRejectedError, type SystemName } from './errors.ts';
import type { HubMetrics } from './metrics.ts';

/**
 * The connectors' one HTTP client: JSON over keep-alive sockets, a hard per-call timeout, and
 * single-flight for identical GETs (two requests asking the ERP the same question at the same moment
 * cause one call: the answer is the same and the ERP is the slow part).
 */
export interface JsonClient {
  /** GET a path (with query) relative to the base URL; 404 answers `undefined`. */
  get<T>(pathAndQuery: string): Promise<T | undefined>;
  send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown): Promise<T>;
  readonly baseUrl: string;
  close(): void;
}

export interface JsonClientOptions {
  system: SystemName;
  baseUrl: string;
  timeoutMs: number;
  metrics?: HubMetrics;
  headers?: Record<string, string>;
  /** Max sockets per host; keep-alive sockets are reused across requests. */
  maxSockets?: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function createJsonClient(opts: JsonClientOptions): JsonClient {
  const base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : opts.baseUrl + '/');
  const isHttps = base.protocol === 'https:';
  // keepAlive: opening a TCP connection per upstream call would cost more than the call itself.
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 })
    : new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 });
  const inflight = new Map<string, Promise<unknown>>();

  function call<T>(method: string, pathAndQuery: string, body?: unknown): Promise<T | undefined> {
    // Relative paths resolve under the base URL; an absolute path (an OData nextLink) under its origin.
    const target = new URL(pathAndQuery, base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const started = process.hrtime.bigint();
    const record = (outcome: string) => {
      opts.metrics?.upstreamRequests.inc({ system: opts.system, outcome });
      opts.metrics?.upstreamDuration.observe({ system: opts.system }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    return new Promise<T | undefined>((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        target,
        {
          method,
          agent,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...opts.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
            else chunks.push(c);
          });
          res.on('error', (e) => {
            record('error');
            reject(new UpstreamError(opts.system, 'unreachable', undefined, { cause: e }));
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status === 404) {
              record('ok');
              return resolve(undefined);
            }
            if (status >= 500 || status === 429 || status === 408) {
              record('error');
              return reject(new UpstreamError(opts.system, 'status', status));
            }
            if (status >= 400) {
              record('rejected');
              return reject(new UpstreamRejectedError(opts.system, status));
            }
            try {
              const text = Buffer.concat(chunks).toString('utf8');
              record('ok');
              resolve(text ? (JSON.parse(text) as T) : undefined);
            } catch (e) {
              record('error');
              reject(new UpstreamError(opts.system, 'invalid-response', status, { cause: e }));
            }
          });
        },
      );
      req.setTimeout(opts.timeoutMs, () => {
        req.destroy(new UpstreamError(opts.system, 'timeout'));
      });
      req.on('error', (e) => {
        if (e instanceof UpstreamError) {
          record('timeout');
          reject(e);
        } else {
          record('unreachable');
          reject(new UpstreamError(opts.system, 'unreachable', undefined, { cause: e }));
        }
      });
      req.end(payload);
    });
  }

  return {
    baseUrl: base.toString(),
    get<T>(pathAndQuery: string): Promise<T | undefined> {
      const existing = inflight.get(pathAndQuery);
      if (existing) return existing as Promise<T | undefined>;
      const p = call<T>('GET', pathAndQuery).finally(() => inflight.delete(pathAndQuery));
      inflight.set(pathAndQuery, p);
      return p;
    },
    async send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown): Promise<T> {
      const res = await call<T>(method, path, body);
      if (res === undefined) throw new UpstreamRejectedError(opts.system, 404);
      return res;
    },
    close: () => agent.destroy(),
  };
}
