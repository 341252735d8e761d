/**
 * Who is asking: made once per request at the gateway from a verified token (or anonymous), carried to
 * the subgraphs inside the signed `x-hub-caller` header, and read by the one scope check they share.
 */
export interface Caller {
  /** The token's `sub`; null for an anonymous caller. */
  sub: string | null;
  roles: readonly string[];
  /** Effective scopes: the token's `scope` claim plus the scopes of its roles (`*` = all). */
  scopes: readonly string[];
  anonymous: boolean;
  /** When the caller's token expires (ms since the epoch); long-lived connections end then. */
  expiresAt?: number;
}

export const ANONYMOUS: Caller = Object.freeze({ sub: null, roles: [], scopes: [], anonymous: true });

/** True when the caller holds `scope` (directly, or through a role granting every scope). */
export function hasScope(caller: Caller, scope: string): boolean {
  return caller.scopes.includes(scope) || caller.scopes.includes('*');
}

/** Scopes for a token's roles and `scope` claim. `*` is only ever granted by role config, never by a claim. */
export function effectiveScopes(
  roles: readonly string[],
  scopeClaim: string | undefined,
  roleScopes: Record<string, readonly string[]>,
): string[] {
  const out = new Set<string>();
  // Own properties only: a role named "constructor" or "__proto__" must not reach Object.prototype.
  for (const r of roles) if (Object.hasOwn(roleScopes, r)) for (const s of roleScopes[r] ?? []) out.add(s);
  for (const s of (scopeClaim ?? '').split(' ')) if (s && s !== '*') out.add(s);
  return [...out];
}

/**
 * What the gateway tells a subgraph about the request: the caller plus the operation (for the audit
 * log). Sent as base64url JSON in `x-hub-caller`, covered by the gateway's signature.
 */
export interface CallerEnvelope {
  caller: Caller;
  requestId?: string | undefined;
  /** The client's `x-request-id`, as sent (the gateway makes `requestId` itself). */
  clientRequestId?: string | undefined;
  operationName?: string | null | undefined;
  queryHash?: string | undefined;
}

export function encodeEnvelope(env: CallerEnvelope): string {
  return Buffer.from(JSON.stringify(env)).toString('base64url');
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Parses an `x-hub-caller` value; anything malformed is the anonymous caller (it grants nothing). */
export function decodeEnvelope(value: string | undefined): CallerEnvelope {
  if (!value) return { caller: ANONYMOUS };
  try {
    const raw = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
    const c = (raw.caller ?? {}) as Record<string, unknown>;
    const sub = typeof c.sub === 'string' ? c.sub : null;
    return {
      caller: { sub, roles: strings(c.roles), scopes: strings(c.scopes), anonymous: sub === null },
      requestId: typeof raw.requestId === 'string' ? raw.requestId : undefined,
      clientRequestId: typeof raw.clientRequestId === 'string' ? raw.clientRequestId : undefined,
      operationName: typeof raw.operationName === 'string' ? raw.operationName : null,
      queryHash: typeof raw.queryHash === 'string' ? raw.queryHash : undefined,
    };
  } catch {
    return { caller: ANONYMOUS };
  }
}
