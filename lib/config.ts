import { fileURLToPath } from 'node:url';
import { ttls, type CacheConfig } from './config/cache.ts';
import { bool, ConfigError, instant, number, oneOf, port, url, type Env } from './config/env.ts';
import { loadResilienceConfig, type ResilienceConfig } from './config/resilience.ts';
import { demoMesMqtt, loadMesFeedConfig, type MesFeedConfig } from './config/mqtt.ts';
import { loadSecurityConfig, type SecurityConfig } from './config/security.ts';
import { loadTracingConfig, type TracingConfig } from './config/tracing.ts';

export { ConfigError } from './config/env.ts';
export type { ResilienceConfig } from './config/resilience.ts';
export type { TracingConfig } from './config/tracing.ts';
export { DEFAULT_CACHE_TTLS, type CacheConfig } from './config/cache.ts';
export { assertSecurityReady, DEFAULT_ROLE_SCOPES, loadSecurityConfig, type QueryLimits, type SecurityConfig } from './config/security.ts';

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
  /**
   * The composed supergraph file the gateway serves (`SUPERGRAPH_PATH`, default the checked-in
   * `schema/supergraph.graphql`).
   */
  supergraphPath: string;
  /**
   * Where the gateway finds a subgraph instead of the URL the supergraph names, by subgraph name: only
   * what the operator set (`ERP_SUBGRAPH_URL`, else localhost on an explicitly set `ERP_SUBGRAPH_PORT`;
   * the same for MES).
   */
  subgraphUrlOverrides: { erp: string | undefined; mes: string | undefined };
  /** Subgraphs whose requests the gateway signs (`SIGNED_SUBGRAPHS`); undefined = every subgraph. */
  signedSubgraphs: readonly string[] | undefined;
  /** Where the MES subgraph loads the material mapping from: a file path or an http(s) URL. */
  mappingSource: string | undefined;
  /** Deadline of one call to a system of record (connect, answer and body). */
  upstreamTimeoutMs: number;
  /** Circuit breaker per system and retries of idempotent reads (README, "Operations"). */
  resilience: ResilienceConfig;
  /** How the connectors put batch reads to the systems (README, "Plugging in a real ERP/MES"). */
  connectors: ConnectorConfig;
  /** OpenTelemetry traces from the standard OTEL_* variables; off by default (README, "Operations"). */
  tracing: TracingConfig;
  redisUrl: string | undefined;
  cachePrefix: string;
  cache: CacheConfig;
  /** Bearer token for the subgraphs' admin endpoints (cache purge); unset: open in demo mode, off in production. */
  adminToken: string | undefined;
  demoSeed: number;
  demoScale: number;
  /** `DEMO_EPOCH`: the instant the demo plant's timeline is placed around (epoch ms); unset: the start time. */
  demoEpoch: number | undefined;
  /** The demo MES's shop-floor simulator in `npm start` (`MES_SIMULATE=off` stops it). */
  demoSimulate: boolean;
  logLevel: LogLevel;
  /** Authentication, gateway-to-subgraph trust, limits and audit (README, "Security"). */
  security: SecurityConfig;
  /** Live events: the hub's event stream and the gateway's subscriptions (README "Live progress"). */
  events: EventsConfig;
  /** Reconciliation, master-data checks and the closed loop (README, "Data integrity"). */
  integrity: IntegrityConfig;
  /** Lot trace bounds and exports (README, "Reports"). */
  reports: ReportsConfig;
}

export interface ConnectorConfig {
  /**
   * ERP: a lookup of more ids than fit one URL goes as one OData 4.01 `POST <Set>/$query`
   * (`ERP_ODATA_QUERY`); off, or when the ERP answers 404/405/501 to it, as parallel `in (...)` GETs.
   */
  erpPostQuery: boolean;
  /** ERP: rows per answer asked with `Prefer: odata.maxpagesize` (`ERP_ODATA_MAX_PAGE_SIZE`); 0 = the ERP's own paging. */
  erpMaxPageSize: number;
  /** MES: the same for the REST API: `POST /api/v1/<resource>/query` with the ids in a JSON body (`MES_BATCH_QUERY`). */
  mesPostQuery: boolean;
  /** MES: rows asked per batch answer (`limit` of a POSTed query, `MES_BATCH_PAGE_SIZE`). */
  mesBatchPageSize: number;
}

export interface ReportsConfig {
  /** Deepest `maxDepth` a lot trace accepts. */
  traceMaxDepth: number;
  /** Most lots one trace may reach; past it the trace is refused (QUERY_TOO_COMPLEX). */
  traceMaxNodes: number;
  /** The folder of reviewed report operations (`*.graphql`) served at /reports; undefined = the built-in folder. */
  dir: string | undefined;
  /** Most rows one export may stream. */
  exportMaxRows: number;
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

export interface EventsConfig {
  /** Approximate cap of the Redis event stream (`XADD MAXLEN ~`): how far back `after` can resume. */
  streamMaxLen: number;
  /** Events one subscription connection may have waiting; past it the connection is closed (1013, retried by clients). */
  queueLimit: number;
  /** WebSocket ping interval of the gateway's graphql-ws server. */
  keepAliveMs: number;
  /** Where the MES subgraph's bridge reads MES events (MES_EVENT_FEED and MES_MQTT_*). */
  mesFeed: MesFeedConfig;
  /** The demo MES also publishes its events to this broker topic (MES_MQTT_URL set). */
  demoMqtt: { url: string; topic: string } | undefined;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

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
    supergraphPath: env.SUPERGRAPH_PATH || fileURLToPath(new URL('../schema/supergraph.graphql', import.meta.url)),
    subgraphUrlOverrides: {
      erp: url(env, 'ERP_SUBGRAPH_URL') ?? (env.ERP_SUBGRAPH_PORT ? `http://127.0.0.1:${port(env, 'ERP_SUBGRAPH_PORT', 4001)}/graphql` : undefined),
      mes: url(env, 'MES_SUBGRAPH_URL') ?? (env.MES_SUBGRAPH_PORT ? `http://127.0.0.1:${port(env, 'MES_SUBGRAPH_PORT', 4002)}/graphql` : undefined),
    },
    signedSubgraphs: env.SIGNED_SUBGRAPHS ? env.SIGNED_SUBGRAPHS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    mappingSource: env.MAPPING_SOURCE || undefined,
    upstreamTimeoutMs: number(env, 'UPSTREAM_TIMEOUT_MS', 5000, 50, 120_000),
    resilience: loadResilienceConfig(env),
    connectors: {
      erpPostQuery: bool(env, 'ERP_ODATA_QUERY', true),
      erpMaxPageSize: number(env, 'ERP_ODATA_MAX_PAGE_SIZE', 5000, 0, 100_000),
      mesPostQuery: bool(env, 'MES_BATCH_QUERY', true),
      mesBatchPageSize: number(env, 'MES_BATCH_PAGE_SIZE', 5000, 1, 100_000),
    },
    tracing: loadTracingConfig(env),
    redisUrl: env.REDIS_URL || undefined,
    cachePrefix: prefix,
    cache: {
      ttlSec: ttls(env),
      staleTtlSec: number(env, 'CACHE_STALE_TTL_SECONDS', 86_400, 0, 30 * 86_400),
      negativeTtlSec: number(env, 'CACHE_NEGATIVE_TTL_SECONDS', 30, 0, 3600),
      responses: {
        enabled: bool(env, 'RESPONSE_CACHE', true) && Boolean(env.REDIS_URL),
        maxTtlSec: number(env, 'RESPONSE_CACHE_MAX_TTL_S', 60, 1, 86_400),
        coalesce: bool(env, 'REQUEST_COALESCING', true),
      },
    },
    adminToken: env.ADMIN_TOKEN || undefined,
    demoSeed: number(env, 'DEMO_SEED', 42, 0, 2 ** 32 - 1),
    demoScale: number(env, 'DEMO_SCALE', 1, 0.1, 50),
    demoEpoch: instant(env, 'DEMO_EPOCH'),
    demoSimulate: bool(env, 'MES_SIMULATE', true),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    security: loadSecurityConfig(env, production),
    events: {
      streamMaxLen: number(env, 'EVENT_STREAM_MAXLEN', 100_000, 100, 100_000_000),
      queueLimit: number(env, 'SUBSCRIPTION_QUEUE_LIMIT', 1000, 1, 1_000_000),
      keepAliveMs: number(env, 'WS_KEEPALIVE_MS', 12_000, 1000, 600_000),
      mesFeed: loadMesFeedConfig(env, prefix),
      demoMqtt: demoMesMqtt(env),
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
    reports: {
      traceMaxDepth: number(env, 'TRACE_MAX_DEPTH', 20, 1, 100),
      // The demo MES answers at most 5,000 lots per genealogy call; a level never exceeds the total.
      traceMaxNodes: number(env, 'TRACE_MAX_NODES', 2000, 1, 5000),
      dir: env.REPORTS_DIR || undefined,
      exportMaxRows: number(env, 'EXPORT_MAX_ROWS', 1_000_000, 1, 100_000_000),
    },
  };
}

/**
 * The ERP / MES API the subgraphs call: the operator's `ERP_API_URL` / `MES_API_URL`, else the demo
 * system on this machine at its configured port (what `npm start` runs when they are unset).
 */
export function systemApiUrl(config: HubConfig, system: 'erp' | 'mes'): string {
  const set = system === 'erp' ? config.erpApiUrl : config.mesApiUrl;
  return set ?? `http://127.0.0.1:${system === 'erp' ? config.ports.erpApi : config.ports.mesApi}`;
}

/**
 * The MES subgraph that the ERP subgraph asks for due statuses: the operator's `MES_SUBGRAPH_URL` (or
 * port), else the MES subgraph on this machine at its configured port.
 */
export function mesSubgraphUrl(config: HubConfig): string {
  return config.subgraphUrlOverrides.mes ?? `http://127.0.0.1:${config.ports.mesSubgraph}/graphql`;
}
