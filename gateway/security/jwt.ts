import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { GraphQLError } from 'graphql';
import { ConfigError, type SecurityConfig } from '../../lib/config.ts';
import { ANONYMOUS, effectiveScopes, type Caller } from '../../lib/auth/caller.ts';
import { unauthenticated, type AuthFailure } from '../../lib/auth/errors.ts';

/** Turns a bearer token into a `Caller`, or throws a 401 UNAUTHENTICATED GraphQLError. */
export interface Authenticator {
  /** A raw token (no "Bearer "); undefined = no token (anonymous in demo mode, 401 otherwise). */
  authenticate(token: string | undefined): Promise<Caller>;
  /**
   * An `Authorization` header value or the graphql-ws `connection_init` payload's `authorization`
   * (`"Bearer <jwt>"`); the one entry point for HTTP and WebSocket alike.
   */
  authenticateAuthorization(value: unknown): Promise<Caller>;
}

/** Verified tokens are remembered so a client's next request skips the signature check. */
const CACHE_MAX = 10_000;
/** Seconds of clock skew tolerated between the token issuer and the gateway. */
const CLOCK_TOLERANCE_S = 5;

function keyResolver(s: SecurityConfig): { getKey: JWTVerifyGetKey; algorithms: string[] } {
  const secret = s.jwtSecret ? new TextEncoder().encode(s.jwtSecret) : undefined;
  let jwks: JWTVerifyGetKey | undefined;
  if (s.jwtJwks) {
    if (/^https?:\/\//.test(s.jwtJwks)) {
      jwks = createRemoteJWKSet(new URL(s.jwtJwks));
    } else {
      try {
        jwks = createLocalJWKSet(JSON.parse(readFileSync(s.jwtJwks, 'utf8')));
      } catch (e) {
        throw new ConfigError(`JWT_JWKS: cannot read a JWKS from ${s.jwtJwks} (${(e as Error).message})`);
      }
    }
  }
  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ['RS256', 'ES256', 'PS256'] : [])];
  return {
    algorithms,
    getKey: async (header, token) => {
      // The algorithm list pins which key family a token may use: an RS256 public key can never be
      // abused as an HMAC secret (the classic alg-confusion attack).
      if (header.alg === 'HS256' && secret) return secret;
      if (header.alg !== 'HS256' && jwks) return jwks(header, token);
      throw new joseErrors.JOSEAlgNotAllowed('algorithm not allowed');
    },
  };
}

function failure(e: unknown): AuthFailure {
  if (e instanceof joseErrors.JWTExpired) return 'expired';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'invalid-signature';
  if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'aud') return 'wrong-audience';
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return 'malformed';
  return 'invalid';
}

const MESSAGES: Record<AuthFailure, string> = {
  missing: 'Authentication required: send a bearer token.',
  malformed: 'The bearer token is malformed.',
  expired: 'The bearer token has expired.',
  'invalid-signature': 'The bearer token signature is invalid.',
  'wrong-audience': 'The bearer token is not meant for this hub (audience).',
  invalid: 'The bearer token is not valid.',
};

export function createAuthenticator(s: SecurityConfig): Authenticator {
  const { getKey, algorithms } = keyResolver(s);
  const cache = new Map<string, { caller: Caller; expiresAt: number }>();
  const refuse = (reason: AuthFailure): GraphQLError => unauthenticated(reason, MESSAGES[reason]);

  const toCaller = (p: JWTPayload): Caller => {
    const roles = Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [];
    const scope = typeof p.scope === 'string' ? p.scope : undefined;
    return {
      sub: p.sub ?? 'unknown',
      roles,
      scopes: effectiveScopes(roles, scope, s.roleScopes),
      anonymous: false,
      // The same tolerance jwtVerify grants, so a reconnect inside it is not accepted and then cut at once.
      ...(typeof p.exp === 'number' ? { expiresAt: (p.exp + CLOCK_TOLERANCE_S) * 1000 } : {}),
    };
  };

  const authenticate = async (token: string | undefined): Promise<Caller> => {
    if (token === undefined || token === '') {
      if (s.allowAnonymous) return ANONYMOUS;
      throw refuse('missing');
    }
    const hit = cache.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit.caller;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        audience: s.jwtAudience,
        ...(s.jwtIssuer ? { issuer: s.jwtIssuer } : {}),
        algorithms,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (e) {
      throw refuse(failure(e));
    }
    const caller = toCaller(payload);
    // Remember the caller until the token expires (exp is required above), with a bounded map.
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(token, { caller, expiresAt: (payload.exp ?? 0) * 1000 });
    return caller;
  };

  return {
    authenticate,
    async authenticateAuthorization(value) {
      if (value === undefined || value === null || value === '') return authenticate(undefined);
      if (typeof value !== 'string') throw refuse('malformed');
      const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
      if (!m) throw refuse('malformed');
      return authenticate(m[1]);
    },
  };
}
