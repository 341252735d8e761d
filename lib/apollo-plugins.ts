import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, UpstreamError, upstreamUnavailable } from './errors.ts';
import type { Logger } from './log.ts';
import type { HubMetrics } from './metrics.ts';
import type { StaleEntry } from './cache/stale.ts';

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

/**
 * Puts `extensions.stale` on a response when any part of it was served from stale copies (a system
 * was down). Used by the subgraphs (their own cache) and the gateway (what the subgraphs reported).
 */
export function staleExtensionPlugin<T extends BaseContext & { stale?: { entries: StaleEntry[] } }>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const entries = contextValue.stale?.entries;
          if (!entries?.length || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, stale: entries };
        },
      };
    },
  };
}

/**
 * Apollo Server settings the gateway and both subgraphs share, chosen for speed:
 * - compact JSON: the default pretty-prints every response (2-space indent), which costs more than
 *   the rest of the response path for a 150 KB answer;
 * - no cache-control plugin: HTTP cache hints are unused (the hub caches entities in Redis), and the
 *   plugin wraps every field resolver;
 * - no inline tracing or usage reporting: they serve Apollo's hosted service, unreachable from an
 *   air-gapped plant.
 */
export const leanServerOptions = {
  stringifyResult: (value: unknown) => JSON.stringify(value),
  includeStacktraceInErrorResponses: false,
  // lib/main.ts closes every server on SIGTERM/SIGINT in order. Apollo's own handler would call stop()
  // a second time, concurrently, and Apollo Server 5 never resolves that second call: shutdown then
  // hung until runMain's 5 s exit timer.
  stopOnTerminationSignals: false,
};

export function leanPlugins(): ApolloServerPlugin<BaseContext>[] {
  return [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginUsageReportingDisabled()];
}
