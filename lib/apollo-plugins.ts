import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError } from 'graphql';
import { describeError, toClientError } from './errors.ts';
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

/**
 * Keeps error responses to what a client may see (lib/errors.ts `toClientError`); what is masked is
 * logged in full: the original error, and for a subgraph's HTTP refusal its status and body.
 */
export function createFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { error: client, masked } = toClientError(formatted, error);
    if (masked) {
      log.error('error masked for the client', {
        err: describeError(error),
        ...(formatted.extensions?.response !== undefined ? { response: formatted.extensions.response } : {}),
        ...(formatted.extensions?.serviceName ? { serviceName: formatted.extensions.serviceName } : {}),
        path: formatted.path,
      });
    }
    return client;
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
