/**
 * The one place that reads the environment. Everything else receives a typed `HubConfig` (or the part
 * of it that it needs), so a bad value fails at start with a message naming the variable, never deep
 * inside a request.
 */
export interface HubConfig {
  production: boolean;
  host: string;
  ports: { gateway: number; erpSubgraph: number; mesSubgraph: number; erpApi: number; mesApi: number };
  /** Base URLs of the systems of record; undefined = run the demo system in `npm start`. */
  erpApiUrl: string | undefined;
  mesApiUrl: string | undefined;
  /** Where the gateway finds the subgraphs (the supergraph's URLs are the fallback). */
  erpSubgraphUrl: string | undefined;
  mesSubgraphUrl: string | undefined;
  /** Where the MES subgraph loads the material mapping from: a file path or an http(s) URL. */
  mappingSource: string | undefined;
  upstreamTimeoutMs: number;
  redisUrl: string | undefined;
  cachePrefix: string;
  demoSeed: number;
  demoScale: number;
  logLevel: LogLevel;
  /** Live events: the hub's event stream and the gateway's subscriptions (README "Live progress"). */
  events: EventsConfig;
}

export interface EventsConfig {
  /** Approximate cap of the Redis event stream (`XADD MAXLEN ~`): how far back `after` can resume. */
  streamMaxLen: number;
  /** Events one subscription connection may have waiting; past it the connection is closed (4429). */
  queueLimit: number;
  /** WebSocket ping interval of the gateway's graphql-ws server. */
  keepAliveMs: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${name} must be a port number 0..65535, got "${raw}"`);
  }
  return n;
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a number ${min}..${max}, got "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** Reads and validates the hub's environment once. Throws `ConfigError` naming the bad variable. */
export function loadConfig(env: Env = process.env): HubConfig {
  const production = env.NODE_ENV === 'production';
  const prefix = env.CACHE_PREFIX ?? 'hub';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
    throw new ConfigError(`CACHE_PREFIX must be 1..64 characters of [A-Za-z0-9_.:-], got "${prefix}"`);
  }
  return {
    production,
    host: env.HOST || '127.0.0.1',
    ports: {
      gateway: port(env, 'GATEWAY_PORT', 4000),
      erpSubgraph: port(env, 'ERP_SUBGRAPH_PORT', 4001),
      mesSubgraph: port(env, 'MES_SUBGRAPH_PORT', 4002),
      erpApi: port(env, 'ERP_API_PORT', 4011),
      mesApi: port(env, 'MES_API_PORT', 4012),
    },
    erpApiUrl: url(env, 'ERP_API_URL'),
    mesApiUrl: url(env, 'MES_API_URL'),
    erpSubgraphUrl: url(env, 'ERP_SUBGRAPH_URL'),
    mesSubgraphUrl: url(env, 'MES_SUBGRAPH_URL'),
    mappingSource: env.MAPPING_SOURCE || undefined,
    upstreamTimeoutMs: number(env, 'UPSTREAM_TIMEOUT_MS', 5000, 50, 120_000),
    redisUrl: env.REDIS_URL || undefined,
    cachePrefix: prefix,
    demoSeed: number(env, 'DEMO_SEED', 42, 0, 2 ** 32 - 1),
    demoScale: number(env, 'DEMO_SCALE', 1, 0.1, 50),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    events: {
      streamMaxLen: number(env, 'EVENT_STREAM_MAXLEN', 100_000, 100, 100_000_000),
      queueLimit: number(env, 'SUBSCRIPTION_QUEUE_LIMIT', 1000, 1, 1_000_000),
      keepAliveMs: number(env, 'WS_KEEPALIVE_MS', 12_000, 1000, 600_000),
    },
  };
}
