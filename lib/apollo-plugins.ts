import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, UpstreamError, upstreamUnavailable } from './errors.ts';
import type { Logger } from './log.ts';
import type { HubMetrics } from './metrics.ts';

/**
 * Operation names come from clients; an unbounded label set would grow Prometheus without limit.
 * The first MAX_OPERATION_LABELS names are kept, the rest are counted as "other".
 */
const MAX_OPERATION_LABELS = 200;

export function metricsPlugin<T extends BaseContext>(metrics: HubMetrics): ApolloServerPlugin<T> {
  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    const n = name || 'anonymous';
    if (seen.has(n)) return n;
    if (seen.size >= MAX_OPERATION_LABELS) return 'other';
    seen.add(n);
    return n;
  };
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(rc) {
          const op = label(rc.operationName ?? rc.request.operationName);
          const body = rc.response.body;
          const hasErrors = body.kind === 'single' ? Boolean(body.singleResult.errors?.length) : false;
          metrics.graphqlRequests.inc({ operation: op, outcome: hasErrors ? 'error' : 'ok' });
          metrics.graphqlDuration.observe({ operation: op }, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

/** Codes that may pass to clients as they are; anything else is masked as INTERNAL_SERVER_ERROR. */
const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * Keeps error responses to what a client may see: known codes pass with their message, unknown
 * failures become a bare INTERNAL_SERVER_ERROR (logged with the detail), stack traces never leave.
 */
export function createFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // A subgraph refused the gateway at the HTTP level (@apollo/gateway puts its URL, status and body in
    // `extensions.response`): the hub's own fault, never the client's, and none of it is for clients.
    const fromSubgraphHttp = formatted.extensions?.response !== undefined;
    const code = fromSubgraphHttp ? '' : String(formatted.extensions?.code ?? '');
    if (PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _s, exception: _e, ...ext } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions: ext };
    }
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    if (original instanceof UpstreamError) {
      const coded = upstreamUnavailable(original);
      return { message: coded.message, ...(formatted.path ? { path: formatted.path } : {}), extensions: coded.extensions };
    }
    log.error('unhandled error in request', {
      err: original instanceof Error ? original.message : String(original),
      stack: original instanceof Error ? original.stack : undefined,
      path: formatted.path,
    });
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
