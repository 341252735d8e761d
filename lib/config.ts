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
  cache: CacheConfig;
  /** Bearer token for the subgraphs' admin endpoints (cache purge); unset: open in demo mode, off in production. */
  adminToken: string | undefined;
  demoSeed: number;
  demoScale: number;
  logLevel: LogLevel;
  /** Reconciliation, master-data checks and the closed loop (README, "Data integrity"). */
  integrity: IntegrityConfig;
}

export interface IntegrityConfig {
  /** Quantity drift below max(abs, ratio x planned quantity), in the ERP unit, is not reported. */
  toleranceAbs: number;
  toleranceRatio: number;
  /** Release splits an order into work orders of at most this quantity (ERP unit); 0 = one work order. */
  maxWorkOrderQuantity: number;
  /** Re-read the material mapping every n seconds (0 = only on `POST /admin/mapping/reload`). */
  mappingReloadSeconds: number;
  /** How long a write's result is kept under its idempotency key. */
  idempotencyTtlSeconds: number;
  /** How long a delivered (or failed) confirmation stays readable after it left the outbox. */
  outboxRetentionSeconds: number;
  /** How long confirmOperation waits for the ERP post before it answers PENDING. */
  confirmWaitMs: number;
  /** The relay's longest pause between delivery attempts while the ERP is down. */
  relayMaxBackoffMs: number;
}

export interface CacheConfig {
  /** Fresh TTL in seconds per `<system>.<type>` (e.g. `erp.order`). */
  ttlSec: Record<string, number>;
  staleTtlSec: number;
  negativeTtlSec: number;
}

/**
 * Fresh TTLs by type: master data changes rarely (minutes), orders and stock move (seconds), MES
 * execution state is short-lived and also invalidated by MES events; equipment state lives until its
 * next event (the TTL only bounds a missed event). Lists (`orders`, `materials`, ...) have short TTLs.
 */
export const DEFAULT_CACHE_TTLS: Record<string, number> = {
  'erp.material': 600,
  'erp.materials': 60,
  'erp.plants': 600,
  'erp.bom': 600,
  'erp.order': 30,
  'erp.orders': 15,
  'erp.stock': 30,
  'erp.routing': 30,
  'erp.confirmations': 30,
  'mes.job': 10,
  'mes.jobsByOrder': 10,
  'mes.equipment': 3600,
  'mes.equipmentList': 3600,
  'mes.lot': 60,
  'mes.lotsByCode': 60,
  'mes.quality': 60,
};

function ttls(env: Env): Record<string, number> {
  const raw = env.CACHE_TTLS;
  if (!raw) return { ...DEFAULT_CACHE_TTLS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`CACHE_TTLS must be a JSON object like {"erp.order": 30}, got "${raw}"`);
  }
  const out = { ...DEFAULT_CACHE_TTLS };
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(k in DEFAULT_CACHE_TTLS)) throw new ConfigError(`CACHE_TTLS: unknown type "${k}" (known: ${Object.keys(DEFAULT_CACHE_TTLS).join(', ')})`);
    if (typeof v !== 'number' || !(v >= 0)) throw new ConfigError(`CACHE_TTLS: "${k}" must be a number of seconds >= 0`);
    out[k] = v;
  }
  return out;
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
    cache: {
      ttlSec: ttls(env),
      staleTtlSec: number(env, 'CACHE_STALE_TTL_SECONDS', 86_400, 0, 30 * 86_400),
      negativeTtlSec: number(env, 'CACHE_NEGATIVE_TTL_SECONDS', 30, 0, 3600),
    },
    adminToken: env.ADMIN_TOKEN || undefined,
    demoSeed: number(env, 'DEMO_SEED', 42, 0, 2 ** 32 - 1),
    demoScale: number(env, 'DEMO_SCALE', 1, 0.1, 50),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    integrity: {
      toleranceAbs: number(env, 'RECONCILIATION_TOLERANCE', 0.001, 0, 1e9),
      toleranceRatio: number(env, 'RECONCILIATION_TOLERANCE_RATIO', 0, 0, 1),
      maxWorkOrderQuantity: number(env, 'MAX_WORK_ORDER_QUANTITY', 0, 0, 1e12),
      mappingReloadSeconds: number(env, 'MAPPING_RELOAD_SECONDS', 0, 0, 86_400),
      idempotencyTtlSeconds: number(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400, 1, 90 * 86_400),
      outboxRetentionSeconds: number(env, 'OUTBOX_RETENTION_SECONDS', 7 * 86_400, 1, 365 * 86_400),
      confirmWaitMs: number(env, 'CONFIRM_WAIT_MS', 2000, 0, 60_000),
      relayMaxBackoffMs: number(env, 'RELAY_MAX_BACKOFF_MS', 2000, 10, 600_000),
    },
  };
}
