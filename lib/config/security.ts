import { randomBytes } from 'node:crypto';
import { bool, ConfigError, number, oneOf, type Env } from './env.ts';

// Security settings (README, "Security"): tokens, gateway-to-subgraph trust, limits, audit.

/** Scopes granted by each role when `ROLE_SCOPES` is not set (README, "Security"). `*` = every scope. */
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
  /** Values (object keys + list items, counted through every level) one request's variables may hold. */
  maxVariableNodes: number;
  /** Nesting of objects and lists in the variables. */
  maxVariableDepth: number;
  /** Validation and variable-coercion errors reported before the rest of the request is given up. */
  maxErrors: number;
  /** Lexical tokens one document may have (graphql's parser stops past it). */
  maxTokens: number;
  /** Open subscriptions one WebSocket connection (or SSE request) may hold. */
  maxSubscriptionsPerConnection: number;
  /** Open subscriptions one subject (token `sub`, else client address) may hold per gateway; 0 = no cap. */
  maxSubscriptionsPerSubject: number;
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
  /** Bearer token `/metrics` requires (gateway and subgraphs); unset = open. */
  metricsToken: string | undefined;
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
  // No prototype: a role named "__proto__" stays a role, it cannot replace the object's prototype.
  const out: Record<string, readonly string[]> = Object.create(null) as Record<string, readonly string[]>;
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
      maxVariableNodes: number(env, 'MAX_VARIABLE_VALUES', 10_000, 1, 1e7),
      maxVariableDepth: number(env, 'MAX_VARIABLE_DEPTH', 12, 1, 1000),
      maxErrors: number(env, 'MAX_ERRORS', 20, 1, 1000),
      maxTokens: number(env, 'MAX_QUERY_TOKENS', 10_000, 100, 1e7),
      maxSubscriptionsPerConnection: number(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 1e6),
      // Demo mode serves a wall of boards (1,000 connections) from one address without tokens.
      maxSubscriptionsPerSubject: number(env, 'MAX_SUBSCRIPTIONS_PER_SUBJECT', production ? 200 : 0, 0, 1e7),
    },
    allowIntrospection: bool(env, 'ALLOW_INTROSPECTION', !production),
    persistedQueriesManifest: env.PERSISTED_QUERIES_MANIFEST || undefined,
    persistedQueriesOnly: bool(env, 'PERSISTED_QUERIES_ONLY', false),
    auditLog,
    auditMaxBytes: number(env, 'AUDIT_LOG_MAX_BYTES', 10 * 1024 * 1024, 1024, 1e12),
    auditFiles: number(env, 'AUDIT_LOG_FILES', 5, 1, 1000),
    auditStreamMaxLen: number(env, 'AUDIT_STREAM_MAXLEN', 100_000, 100, 1e9),
    metricsToken: env.METRICS_TOKEN || undefined,
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
