import { randomBytes } from 'node:crypto';
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
  /** Authentication, gateway-to-subgraph trust, limits and audit (README, "Security"). */
  security: SecurityConfig;
  /** Live events: the hub's event stream and the gateway's subscriptions (README "Live progress"). */
  events: EventsConfig;
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
    cache: {
      ttlSec: ttls(env),
      staleTtlSec: number(env, 'CACHE_STALE_TTL_SECONDS', 86_400, 0, 30 * 86_400),
      negativeTtlSec: number(env, 'CACHE_NEGATIVE_TTL_SECONDS', 30, 0, 3600),
    },
    adminToken: env.ADMIN_TOKEN || undefined,
    demoSeed: number(env, 'DEMO_SEED', 42, 0, 2 ** 32 - 1),
    demoScale: number(env, 'DEMO_SCALE', 1, 0.1, 50),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    security: loadSecurityConfig(env, production),
    events: {
      streamMaxLen: number(env, 'EVENT_STREAM_MAXLEN', 100_000, 100, 100_000_000),
      queueLimit: number(env, 'SUBSCRIPTION_QUEUE_LIMIT', 1000, 1, 1_000_000),
      keepAliveMs: number(env, 'WS_KEEPALIVE_MS', 12_000, 1000, 600_000),
    },
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

// ---- Security (issue 5). Kept in one block so the rest of the file merges cleanly. ----

/** Scopes granted by each role when `ROLE_SCOPES` is not set (design.md, "Contracts"). `*` = every scope. */
export const DEFAULT_ROLE_SCOPES: Readonly<Record<string, readonly string[]>> = {
  finance: ['finance:read'],
  engineer: ['engineering:read'],
  quality: ['engineering:read'],
  planner: ['production:write'],
  supervisor: ['production:write'],
  operator: ['production:write'],
  admin: ['*'],
};

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  /** Ceiling of the cost estimate (every field 1, list fields multiply their selection). */
  maxCost: number;
  /** Assumed length of a list field without a `first` argument. */
  defaultListSize: number;
  maxBodyBytes: number;
  /** Requests per client per window; 0 = no rate limit. */
  rateLimit: number;
  rateWindowSeconds: number;
}

export interface SecurityConfig {
  /** HS256 key; in demo mode generated per start when unset (`jwtSecretGenerated`). */
  jwtSecret: string | undefined;
  jwtSecretGenerated: boolean;
  /** RS256/ES256 public keys: a JWKS file path or an http(s) URL. */
  jwtJwks: string | undefined;
  jwtAudience: string;
  jwtIssuer: string | undefined;
  roleScopes: Record<string, readonly string[]>;
  /** Anonymous callers (no token) allowed: demo mode only, unless ALLOW_ANONYMOUS says otherwise. */
  allowAnonymous: boolean;
  subgraphSigning: boolean;
  /** The gateway-to-subgraph HMAC key; generated per start in demo mode, required in production. */
  subgraphSigningSecret: string | undefined;
  subgraphSigningSecretGenerated: boolean;
  signatureWindowSeconds: number;
  limits: QueryLimits;
  /** Introspection and the explorer (GraphiQL). */
  allowIntrospection: boolean;
  persistedQueriesManifest: string | undefined;
  persistedQueriesOnly: boolean;
  /** `stdout`, `off`, or a file path (rotated at `auditMaxBytes`, `auditFiles` kept). */
  auditLog: string;
  auditMaxBytes: number;
  auditFiles: number;
  auditStreamMaxLen: number;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'on', 'yes'].includes(raw)) return true;
  if (['false', '0', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (on/off), got "${raw}"`);
}

function roleScopes(env: Env): Record<string, readonly string[]> {
  const raw = env.ROLE_SCOPES;
  if (raw === undefined || raw === '') return { ...DEFAULT_ROLE_SCOPES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('ROLE_SCOPES must be JSON like {"finance":["finance:read"]}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('ROLE_SCOPES must be a JSON object of role -> array of scopes');
  }
  const out: Record<string, readonly string[]> = {};
  for (const [role, scopes] of Object.entries(parsed)) {
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^[\w:.*-]{1,64}$/.test(s))) {
      throw new ConfigError(`ROLE_SCOPES["${role}"] must be an array of scope names`);
    }
    out[role] = scopes as string[];
  }
  return out;
}

/** Security settings; production mode leaves required secrets undefined for the servers to refuse. */
export function loadSecurityConfig(env: Env, production: boolean): SecurityConfig {
  const jwtJwks = env.JWT_JWKS || undefined;
  let jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 bytes (HS256 keys shorter than the hash are weak)');
  }
  // Demo mode without key material: a fresh HS256 key per start, so `npm start` can print tokens.
  const jwtSecretGenerated = !production && !jwtSecret && !jwtJwks;
  if (jwtSecretGenerated) jwtSecret = randomBytes(32).toString('base64url');
  let signingSecret = env.SUBGRAPH_SIGNING_SECRET || undefined;
  if (signingSecret !== undefined && Buffer.byteLength(signingSecret) < 32) {
    throw new ConfigError('SUBGRAPH_SIGNING_SECRET must be at least 32 bytes');
  }
  const signingSecretGenerated = !production && !signingSecret;
  if (signingSecretGenerated) signingSecret = randomBytes(32).toString('base64url');
  const auditLog = env.AUDIT_LOG || 'stdout';
  return {
    jwtSecret,
    jwtSecretGenerated,
    jwtJwks,
    jwtAudience: env.JWT_AUDIENCE || 'erp-mes-hub',
    jwtIssuer: env.JWT_ISSUER || undefined,
    roleScopes: roleScopes(env),
    allowAnonymous: bool(env, 'ALLOW_ANONYMOUS', !production),
    subgraphSigning: oneOf(env, 'SUBGRAPH_SIGNING', ['on', 'off'] as const, 'on') === 'on',
    subgraphSigningSecret: signingSecret,
    subgraphSigningSecretGenerated: signingSecretGenerated,
    signatureWindowSeconds: number(env, 'SUBGRAPH_SIGNATURE_WINDOW_S', 60, 1, 3600),
    limits: {
      maxDepth: number(env, 'MAX_QUERY_DEPTH', 15, 1, 1000),
      maxAliases: number(env, 'MAX_QUERY_ALIASES', 30, 0, 10_000),
      maxRootFields: number(env, 'MAX_ROOT_FIELDS', 20, 1, 1000),
      maxCost: number(env, 'MAX_QUERY_COST', 150_000, 1, 1e9),
      defaultListSize: number(env, 'COST_DEFAULT_LIST_SIZE', 5, 1, 10_000),
      maxBodyBytes: number(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      // Benchmarks drive one client far past any sane per-client budget; production gets a default.
      rateLimit: number(env, 'RATE_LIMIT', production ? 1200 : 0, 0, 1e9),
      rateWindowSeconds: number(env, 'RATE_LIMIT_WINDOW_S', 60, 1, 86_400),
    },
    allowIntrospection: bool(env, 'ALLOW_INTROSPECTION', !production),
    persistedQueriesManifest: env.PERSISTED_QUERIES_MANIFEST || undefined,
    persistedQueriesOnly: bool(env, 'PERSISTED_QUERIES_ONLY', false),
    auditLog,
    auditMaxBytes: number(env, 'AUDIT_LOG_MAX_BYTES', 10 * 1024 * 1024, 1024, 1e12),
    auditFiles: number(env, 'AUDIT_LOG_FILES', 5, 1, 1000),
    auditStreamMaxLen: number(env, 'AUDIT_STREAM_MAXLEN', 100_000, 100, 1e9),
  };
}

/**
 * What a server needs before it may start in production mode; demo mode generated what was missing.
 * `role` says which process asks: the gateway needs token keys and the signing key, a subgraph the latter.
 */
export function assertSecurityReady(s: SecurityConfig, role: 'gateway' | 'subgraph'): void {
  if (role === 'gateway' && !s.jwtSecret && !s.jwtJwks) {
    throw new ConfigError('JWT_SECRET or JWT_JWKS is required in production mode (NODE_ENV=production)');
  }
  if (s.subgraphSigning && !s.subgraphSigningSecret) {
    throw new ConfigError('SUBGRAPH_SIGNING_SECRET is required in production mode (NODE_ENV=production)');
  }
  if (s.persistedQueriesOnly && !s.persistedQueriesManifest && role === 'gateway') {
    throw new ConfigError('PERSISTED_QUERIES_ONLY=true needs PERSISTED_QUERIES_MANIFEST=<file>');
  }
}
