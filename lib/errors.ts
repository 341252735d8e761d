import { GraphQLError } from 'graphql';

/** The stable `extensions.code` values clients may rely on (README, "The picture": the list of codes). */
export const ErrorCode = {
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type SystemName = 'erp' | 'mes';

/**
 * A system of record did not answer usefully (down, timed out, 5xx, unparsable). Carries only what a
 * client may see: the system's name and a generic reason, never the upstream URL or body.
 */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly system: SystemName,
    readonly reason: 'timeout' | 'unreachable' | 'status' | 'invalid-response',
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${system.toUpperCase()} is unavailable (${reason}${status ? ` ${status}` : ''})`, options);
  }
}

/** An upstream refused the request as malformed (4xx other than 404): the hub's bug, or bad input. */
export class UpstreamRejectedError extends Error {
  override name = 'UpstreamRejectedError';
  constructor(readonly system: SystemName, readonly status: number) {
    super(`${system.toUpperCase()} rejected the request (${status})`);
  }
}

export function badUserInput(message: string, argumentName?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(argumentName ? { argumentName } : {}) },
  });
}

export function upstreamUnavailable(err: UpstreamError): GraphQLError {
  return new GraphQLError(`The ${err.system.toUpperCase()} system is unavailable; try again later.`, {
    extensions: { code: ErrorCode.UPSTREAM_UNAVAILABLE, system: err.system, reason: err.reason },
  });
}

/**
 * Maps anything a resolver threw to what a client may see: coded GraphQLErrors pass, upstream failures
 * become UPSTREAM_UNAVAILABLE naming the system, everything else becomes a bare INTERNAL_SERVER_ERROR
 * (the original is logged by the caller, never sent).
 */
export function toClientError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError && err.extensions?.code) return err;
  if (err instanceof UpstreamError) return upstreamUnavailable(err);
  return new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
}
