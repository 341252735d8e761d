import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../lib/errors.ts';

type AnyError = {
  message?: unknown;
  locations?: unknown;
  path?: unknown;
  extensions?: Record<string, unknown> | undefined;
  originalError?: unknown;
};

/**
 * One error as a subscription transport sends it. Results come from two places: Apollo
 * (`executeOperation`, already formatted plain objects, which have no `toJSON`: graphql-ws called it
 * and closed the whole socket with 4500) and graphql-js (`GraphQLError`s). Both become plain JSON here;
 * an error a resolver threw without a code (a bug, not the client's doing) keeps no message of its own.
 */
export function clientError(e: unknown): GraphQLFormattedError {
  const err = (e ?? {}) as AnyError;
  const code = typeof err.extensions?.code === 'string' ? err.extensions.code : undefined;
  const internal = !code && err.originalError !== undefined && err.originalError !== null && !isCoded(err.originalError);
  const { stacktrace: _s, exception: _x, http: _h, ...ext } = err.extensions ?? {};
  return {
    message: internal || typeof err.message !== 'string' ? 'Internal server error' : err.message,
    ...(Array.isArray(err.locations) ? { locations: err.locations } : {}),
    ...(Array.isArray(err.path) ? { path: err.path } : {}),
    extensions: internal ? { code: ErrorCode.INTERNAL_SERVER_ERROR } : { ...ext, code: code ?? ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

function isCoded(e: unknown): boolean {
  return typeof (e as AnyError).extensions?.code === 'string';
}

export function clientErrors(errors: readonly unknown[]): GraphQLFormattedError[] {
  return errors.map(clientError);
}

/** A result whose errors are plain formatted JSON (see `clientError`). */
export function clientResult<T extends ExecutionResult>(result: T): T {
  if (!result.errors) return result;
  return { ...result, errors: clientErrors(result.errors) } as unknown as T;
}
