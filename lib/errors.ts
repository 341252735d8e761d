import { GraphQLError, type GraphQLFormattedError } from 'graphql';

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
    readonly reason: 'timeout' | 'unreachable' | 'status' | 'invalid-response' | 'circuit-open',
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

/** Codes that may pass to clients as they are; anything else the hub raised is masked as INTERNAL_SERVER_ERROR. */
const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** Extensions that describe the server, never the client's request: stack traces and upstream HTTP detail. */
const INTERNAL_EXTENSIONS = new Set(['stacktrace', 'exception', 'response']);

function withoutInternals(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = Object.fromEntries(Object.entries(formatted.extensions ?? {}).filter(([k]) => !INTERNAL_EXTENSIONS.has(k)));
  return { ...formatted, extensions };
}

/**
 * What a client may see of an error (`masked`: the original must be logged, it was not passed on):
 * - an error a subgraph returned (it carries `serviceName`, as @apollo/gateway marks them) keeps the
 *   subgraph's message, code and extensions, as plain @apollo/gateway answers it
 *   (`DOWNSTREAM_SERVICE_ERROR` when the subgraph gave no code); only stacks are removed;
 * - a subgraph's HTTP-level refusal (`extensions.response`: its URL, status and body) is the hub's own
 *   fault and none of it is for clients: INTERNAL_SERVER_ERROR naming the subgraph;
 * - the hub's coded errors pass; upstream failures become UPSTREAM_UNAVAILABLE naming the system;
 *   anything else becomes a bare INTERNAL_SERVER_ERROR.
 */
export function toClientError(formatted: GraphQLFormattedError, error: unknown): { error: GraphQLFormattedError; masked: boolean } {
  const ext = formatted.extensions ?? {};
  const at = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
  const serviceName = typeof ext.serviceName === 'string' ? ext.serviceName : undefined;
  if (serviceName && ext.response === undefined) return { error: withoutInternals(formatted), masked: false };
  const code = String(ext.code ?? '');
  if (!serviceName && PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) return { error: withoutInternals(formatted), masked: false };
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (original instanceof UpstreamError) {
    const coded = upstreamUnavailable(original);
    return { error: { message: coded.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: coded.extensions }, masked: false };
  }
  return {
    error: { message: 'Internal server error', ...at, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(serviceName ? { serviceName } : {}) } },
    masked: true,
  };
}

/** An error as a log line can hold it: message, stack and extensions, never `[object Object]`. */
export function describeError(error: unknown): Record<string, unknown> {
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (original instanceof Error) {
    const extensions = (original as { extensions?: unknown }).extensions;
    return { name: original.name, message: original.message, stack: original.stack, ...(extensions ? { extensions } : {}) };
  }
  try {
    return { value: JSON.parse(JSON.stringify(original)) as unknown };
  } catch {
    return { value: String(original) };
  }
}
