import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.ts';

/** Why a token was refused; safe to show (it names no key, claim value or token). */
export type AuthFailure = 'missing' | 'malformed' | 'expired' | 'invalid-signature' | 'wrong-audience' | 'invalid';

/** 401 UNAUTHENTICATED; `http.status` is read by Apollo Server and by lib/apollo-http.ts. */
export function unauthenticated(reason: AuthFailure, message = 'Authentication required: send a valid bearer token.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, reason, http: { status: 401 } } });
}

/** FORBIDDEN at a field's path: the caller lacks a scope; the rest of the query still answers. */
export function forbidden(coordinate: string, needs: string): GraphQLError {
  return new GraphQLError(`Not allowed to read ${coordinate}: needs ${needs}.`, {
    extensions: { code: ErrorCode.FORBIDDEN },
  });
}
