import http from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode } from 'graphql';
import { createGraphQLHandler, sendJson } from './apollo-http.ts';
import { closeServer, createHttpServer, listen, serveMetrics, type RunningServer } from './http-server.ts';
import { createFormatError, leanPlugins, leanServerOptions, metricsPlugin, staleExtensionPlugin } from './apollo-plugins.ts';
import { adminAllowed, metricsAllowed } from './admin-auth.ts';
import { createAuditSink } from './audit.ts';
import { cacheReportPlugin } from './cache/report-plugin.ts';
import { applyAuthorization } from './auth/directives.ts';
import { attachSecurity, requestSecurity } from './auth/request-security.ts';
import { createSubgraphTrust } from './auth/subgraph-trust.ts';
import { createCacheBackend, createEntityCache } from './cache/index.ts';
import { assertSecurityReady, systemApiUrl, type HubConfig } from './config.ts';
import type { SystemName } from './errors.ts';
import { createJsonClient } from './http-client.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, type HubMetrics } from './metrics.ts';
import { circuitReport } from './resilience.ts';
import { flushTracing, traceRequest } from './tracing.ts';

export type { RunningServer } from './http-server.ts';

/**
 * What each subgraph starts from: its logger and metrics (named `<system>-subgraph`), one keep-alive
 * client to its system's API, and its entity cache on the configured backend.
 */
export function subgraphFoundation(config: HubConfig, system: SystemName) {
  const log = createLogger(`${system}-subgraph`, config.logLevel);
  const apiUrl = systemApiUrl(config, system);
  const metrics = createMetrics(`${system}-subgraph`);
  const client = createJsonClient({ system, baseUrl: apiUrl, timeoutMs: config.upstreamTimeoutMs, resilience: config.resilience, metrics });
  const backend = createCacheBackend(config, log);
  const cache = createEntityCache(config, system, backend, metrics, log);
  return { log, apiUrl, metrics, client, backend, cache };
}

export type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface SubgraphServerOptions<TContext extends BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: unknown;
  context: (req: http.IncomingMessage) => Promise<TContext>;
  metrics: HubMetrics;
  log: Logger;
  host: string;
  port: number;
  /** Signature checks, field scopes and the audit log (lib/auth, lib/audit.ts). */
  config: Pick<HubConfig, 'security' | 'production' | 'redisUrl' | 'cachePrefix' | 'adminToken'>;
  /** Extra HTTP routes (admin endpoints under `/admin/`, behind ADMIN_TOKEN); answer true when handled. */
  routes?: Route[];
  /** Called on close, after the HTTP server stopped (connectors, caches). */
  onClose?: () => Promise<void> | void;
}

/**
 * One subgraph process: Apollo Server over `buildSubgraphSchema`, on plain node:http with `/graphql`,
 * `/metrics` and `/health`. Both subgraphs are built by this one factory.
 */
export async function startSubgraphServer<TContext extends BaseContext>(
  opts: SubgraphServerOptions<TContext>,
): Promise<RunningServer> {
  assertSecurityReady(opts.config.security, 'subgraph');
  // The schema is built once per process, never per request; the field guard is wrapped in here once.
  // The resolver map's type as @apollo/subgraph's public entry point declares it (it exports no name
  // for it): the module form's `resolvers`.
  type ResolverMap = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown; resolvers?: unknown }>['resolvers'];
  const schema = applyAuthorization(buildSubgraphSchema({
    typeDefs: opts.typeDefs,
    // The generated resolver types are stricter than @apollo/subgraph's map type; they describe the same shape.
    resolvers: opts.resolvers as ResolverMap,
  }));
  const trust = createSubgraphTrust(opts.config.security, opts.log);
  const audit = createAuditSink(opts.config.security, { url: opts.config.redisUrl, prefix: opts.config.cachePrefix }, opts.log);
  const apollo = new ApolloServer<TContext>({
    schema,
    ...leanServerOptions,
    formatError: createFormatError(opts.log),
    plugins: [
      ...leanPlugins(),
      metricsPlugin<TContext>(opts.metrics),
      staleExtensionPlugin(),
      cacheReportPlugin(),
      {
        // One audit line per request that touched a restricted field or ran a mutation.
        async requestDidStart() {
          return {
            async willSendResponse({ contextValue }) {
              const sec = requestSecurity(contextValue);
              if (sec.audit.size) audit.write(sec.audit.toRecord(opts.name, sec.envelope));
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  const graphql = createGraphQLHandler<TContext>({
    server: apollo,
    authorize: (req, raw) => trust.check(req, raw),
    context: async (req) => {
      const ctx = await opts.context(req);
      attachSecurity(ctx, trust.envelope(req));
      return ctx;
    },
  });

  const server = createHttpServer(opts.log, async (req, res, url) => {
    if (url.pathname === '/graphql') return traceRequest(req, `${opts.name}-subgraph`, () => graphql(req, res, url.search));
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok', service: opts.name });
    // Ready even with a breaker open: this subgraph still serves stale copies and the other system's
    // fields, so taking it out of rotation would only turn a partial outage into a full one.
    if (url.pathname === '/ready') return sendJson(res, 200, { status: 'ready', service: opts.name, circuits: await circuitReport(opts.metrics) });
    if (url.pathname === '/metrics') {
      if (metricsAllowed(req, res, opts.config.security.metricsToken)) await serveMetrics(res, opts.metrics);
      return;
    }
    if (url.pathname.startsWith('/admin/') && !adminAllowed(req, res, opts.config)) return;
    for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
    sendJson(res, 404, { error: 'not found' });
  });
  if (opts.config.production && !opts.config.adminToken && opts.routes?.length) {
    opts.log.warn('ADMIN_TOKEN is not set: the admin routes (/admin/...) are off in production mode');
  }
  const port = await listen(server, opts.host, opts.port);
  const url = `http://${opts.host}:${port}/graphql`;
  opts.log.info('subgraph listening', { url });
  return {
    url,
    port,
    async close() {
      await closeServer(server);
      await apollo.stop();
      await audit.close();
      await opts.onClose?.();
      await flushTracing();
    },
  };
}
