import { Agent, errors, request, type Dispatcher } from 'undici';
import type { ResilienceConfig } from './config/resilience.ts';
import { UpstreamError, UpstreamRejectedError, type SystemName } from './errors.ts';
import type { HubMetrics } from './metrics.ts';
import { createUpstreamPolicy, type CircuitName } from './resilience.ts';
import { upstreamSpan } from './tracing.ts';

/**
 * The connectors' one HTTP client: JSON over undici's keep-alive pools, a deadline per call, a circuit
 * breaker per system, jittered retries for reads, and single-flight for identical GETs (two requests
 * asking the ERP the same question at the same moment cause one call: the answer is the same and the
 * ERP is the slow part).
 */
export interface JsonClient {
  /** GET a path (with query) relative to the base URL; 404 answers `undefined`. */
  get<T>(pathAndQuery: string, headers?: Readonly<Record<string, string>>): Promise<T | undefined>;
  /**
   * A read whose question is too long for a URL (hundreds of ids, an OData `$query`): POSTed with
   * `body` as `contentType`, but retried and single-flighted like a GET, since it changes nothing.
   * 404 answers `undefined`.
   */
  query<T>(path: string, body: string, contentType: string, headers?: Readonly<Record<string, string>>): Promise<T | undefined>;
  /** A write: never retried here (a lost answer may hide a booking; the caller's idempotency key decides). */
  send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown): Promise<T>;
  readonly baseUrl: string;
  /** The system's circuit breaker, as `/ready` and `hub_circuit_state` report it. */
  readonly circuit: CircuitName;
  close(): Promise<void>;
}

export interface JsonClientOptions {
  system: SystemName;
  baseUrl: string;
  /** Deadline of one attempt: the answer must start within it, and its body never stall as long. */
  timeoutMs: number;
  /** Breaker and retry settings; omitted: the defaults of `loadResilienceConfig`. */
  resilience?: ResilienceConfig;
  metrics?: HubMetrics;
  headers?: Record<string, string>;
  /** Max connections per origin; idle ones are kept alive and reused. */
  maxSockets?: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const DEFAULT_RESILIENCE: ResilienceConfig = { breakerFailures: 5, breakerHalfOpenMs: 5000, readRetries: 2 };

export function createJsonClient(opts: JsonClientOptions): JsonClient {
  const base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : opts.baseUrl + '/');
  // undici, the client inside Node's fetch, as the hub's one HTTP client (the gateway's subgraph calls
  // use it too): keep-alive pools by default, and less client CPU per call than node:http with a
  // keep-alive agent (`npm run bench -- http-clients`). maxResponseSize: a broken upstream must not
  // exhaust memory.
  const agent = new Agent({
    connections: opts.maxSockets ?? 64,
    keepAliveTimeout: 30_000,
    connectTimeout: opts.timeoutMs,
    maxResponseSize: MAX_RESPONSE_BYTES,
  });
  const policy = createUpstreamPolicy(opts.system, opts.resilience ?? DEFAULT_RESILIENCE, opts.metrics);
  const inflight = new Map<string, Promise<unknown>>();
  const fixedHeaders = { accept: 'application/json', ...opts.headers };

  /** One call for identical reads in flight at the same moment (same request, same headers). */
  function read<T>(request: string, headers: Readonly<Record<string, string>> | undefined, call: () => Promise<T | undefined>): Promise<T | undefined> {
    const key = headers ? `${request}\n${JSON.stringify(headers)}` : request;
    const existing = inflight.get(key);
    if (existing) return existing as Promise<T | undefined>;
    const p = policy.read(call).finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  }

  async function attempt<T>(
    method: Dispatcher.HttpMethod,
    pathAndQuery: string,
    body?: { text: string; type: string },
    extraHeaders?: Readonly<Record<string, string>>,
  ): Promise<T | undefined> {
    const headers = extraHeaders ? { ...fixedHeaders, ...extraHeaders } : fixedHeaders;
    // Relative paths resolve under the base URL; an absolute path (an OData nextLink) under its origin.
    const target = new URL(pathAndQuery, base);
    const started = process.hrtime.bigint();
    const record = (outcome: string) => {
      opts.metrics?.upstreamRequests.inc({ system: opts.system, outcome });
      opts.metrics?.upstreamDuration.observe({ system: opts.system }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    const span = upstreamSpan(opts.system, method, target);
    try {
      const res = await request(target, {
        method,
        dispatcher: agent,
        // The deadline: the answer must start within timeoutMs and its body never stall that long. These
        // are timers undici keeps anyway; an AbortSignal.timeout per call measured ~15% more client CPU.
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        headers: span.headers(body === undefined ? headers : { ...headers, 'content-type': body.type }),
        body: body?.text,
      }).catch((e: unknown) => {
        throw new UpstreamError(opts.system, timedOut(e) ? 'timeout' : 'unreachable', undefined, { cause: e });
      });
      const status = res.statusCode;
      span.status(status);
      if (status >= 400) {
        await res.body.dump().catch(() => undefined);
        if (status === 404) {
          record('ok');
          return undefined;
        }
        // 501: the system lacks the feature (an OData `$query`, say): asking again cannot help.
        if ((status >= 500 && status !== 501) || status === 429 || status === 408) throw new UpstreamError(opts.system, 'status', status);
        record('rejected');
        throw new UpstreamRejectedError(opts.system, status);
      }
      const text = await res.body.text().catch((e: unknown) => {
        throw new UpstreamError(opts.system, timedOut(e) ? 'timeout' : 'unreachable', status, { cause: e });
      });
      try {
        const parsed = text ? (JSON.parse(text) as T) : undefined;
        record('ok');
        return parsed;
      } catch (e) {
        throw new UpstreamError(opts.system, 'invalid-response', status, { cause: e });
      }
    } catch (e) {
      if (e instanceof UpstreamError) record(e.reason === 'status' || e.reason === 'invalid-response' ? 'error' : e.reason);
      span.fail(e);
      throw e;
    } finally {
      span.end();
    }
  }

  return {
    baseUrl: base.toString(),
    get<T>(pathAndQuery: string, headers?: Readonly<Record<string, string>>): Promise<T | undefined> {
      return read(`GET ${pathAndQuery}`, headers, () => attempt<T>('GET', pathAndQuery, undefined, headers));
    },
    query<T>(path: string, text: string, type: string, headers?: Readonly<Record<string, string>>): Promise<T | undefined> {
      return read(`POST ${path}\n${type}\n${text}`, headers, () => attempt<T>('POST', path, { text, type }, headers));
    },
    async send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown): Promise<T> {
      const res = await policy.write(() => attempt<T>(method, path, { text: JSON.stringify(body), type: 'application/json' }));
      if (res === undefined) throw new UpstreamRejectedError(opts.system, 404);
      return res;
    },
    get circuit() {
      return policy.state;
    },
    async close() {
      policy.dispose();
      await agent.close();
    },
  };
}

const timedOut = (e: unknown): boolean =>
  e instanceof errors.HeadersTimeoutError || e instanceof errors.BodyTimeoutError || e instanceof errors.ConnectTimeoutError;

/**
 * A POSTed read the system does not offer (a system without OData `$query` or a batch endpoint): the
 * connector falls back to GETs. 400 included: some gateways answer an unknown path segment with it.
 */
export const isUnsupportedQuery = (e: unknown): boolean =>
  e instanceof UpstreamRejectedError && [400, 404, 405, 415, 501].includes(e.status);

/** How a connector sends lookups too long for a URL (README, "Plugging in a real ERP and MES"). */
export interface PostedQueryOptions {
  /** Try one POSTed query for a lookup of many ids (ERP_ODATA_QUERY / MES_BATCH_QUERY). */
  postQuery: boolean;
  /** Told once when the system refuses it; the connector then uses chunked GETs for good. */
  onUnsupported?: (detail: string) => void;
}

/**
 * The POSTed queries of one connector: tried while the system takes them; the first refusal (see
 * isUnsupportedQuery, or a 404 answer) is told once and ends the tries, so the caller falls back to
 * GETs. Any other failure is the caller's error as usual.
 */
export class PostedQueries {
  private offered: boolean;
  constructor(private readonly options: PostedQueryOptions) {
    this.offered = options.postQuery;
  }

  get on(): boolean {
    return this.offered;
  }

  /** `read`'s answer; undefined when the system does not take POSTed queries (then: use GETs). */
  async try<T>(what: string, fallback: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.offered) return undefined;
    try {
      const answer = await read();
      if (answer !== undefined) return answer;
    } catch (e) {
      if (!isUnsupportedQuery(e)) throw e;
    }
    if (this.offered) this.options.onUnsupported?.(`${what} was refused; ${fallback}`);
    this.offered = false;
    return undefined;
  }
}
